#pragma once
// The source side of the snapshot hop (protocol/query/snapshot_messages.h):
// makes a consistent copy of a shard this indexer serves and hands it out in
// chunks by offset under a token.
//
// How it works: a first request (no token) runs `VACUUM INTO` a temp file
// under <data-dir>/index/snapshots/ on a read-only connection: one read
// transaction, so the copy's cursor row and its spans agree while the
// partition's writer goes on. The copy's cursor is read back from the copy.
// Each chunk is read from the file at the asked offset; the chunk that reaches
// the end deletes the file. Copies nobody asked about for kSnapshotIdle are
// deleted by sweep() (and before every new copy).
//
// Limits: at most kMaxSnapshotsServed copies at once; one more is refused with
// resource_exhausted.
//
// Threads: serve() from any thread (the query server's readers); a copy being
// made holds no lock, so chunks of other copies go on meanwhile.

#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "protocol/query/snapshot_messages.h"

namespace spanline::indexer::group {

class SnapshotSource {
 public:
  // `served(p)`: whether this indexer answers for partition p now (only those
  // are copied). `chunk_bytes` below kSnapshotChunkBytes only in tests.
  // `max_making`: copies made (VACUUM INTO) at once; they run on the query
  // reader threads, so the indexer keeps at least one thread for queries.
  SnapshotSource(std::string data_dir, std::function<bool(uint32_t)> served,
                 size_t chunk_bytes = protocol::query::kSnapshotChunkBytes, size_t max_making = 1);
  ~SnapshotSource();  // deletes every copy still held

  Result<protocol::query::SnapshotChunk> serve(const protocol::query::SnapshotRequest& request);
  // Deletes copies idle for kSnapshotIdle.
  void sweep();

  static std::string snapshots_dir(const std::string& data_dir);

 private:
  struct Copy {
    uint32_t partition = 0;
    std::string path;
    uint64_t cursor = 0;
    uint64_t size = 0;
    SteadyClock::time_point last_used;
  };

  Result<protocol::query::SnapshotChunk> begin(uint32_t partition);
  Result<protocol::query::SnapshotChunk> chunk(const std::string& token, uint64_t offset);

  std::string data_dir_;
  std::function<bool(uint32_t)> served_;
  const size_t chunk_bytes_;
  std::mutex mutex_;
  const size_t max_making_;
  size_t making_ = 0;  // copies being made (counted against the limit)
  std::map<std::string, Copy> copies_;
  uint64_t next_token_ = 1;
};

}  // namespace spanline::indexer::group
