#pragma once
// The receiving side of the snapshot hop (protocol/query/snapshot_messages.h):
// copies a partition's shard from a live replica into this indexer's data
// folder, so a new replica starts from the replica's history rather than from
// what the WAL still holds.
//
// How it works: asks the source's query endpoint for chunk after chunk and
// writes them to index/part-<p>.sqlite.incoming; the finished file must open
// as a shard of that partition (Shard::open) holding the cursor the source
// named; only then is it renamed over part-<p>.sqlite (with any stale -wal and
// -shm of an old file removed first). The caller starts the partition's
// worker from that cursor.
//
// Threads: a blocking call, for a thread of its own (the membership loop runs
// at most kMaxCopies at once). `stopping` ends it between chunks.

#include <atomic>
#include <cstdint>
#include <string>

#include "base/status.h"
#include "bus/context.h"

namespace spanline::indexer::group {

struct CopiedSnapshot {
  uint64_t cursor = 0;
  std::string wal_log;  // the identity of the WAL log the cursor counts in (the source's)
  uint64_t bytes = 0;
  double seconds = 0;
};

// resource_exhausted when the source serves too many copies now; any failure
// leaves no shard file behind (only the partial .incoming is removed).
Result<CopiedSnapshot> copy_snapshot(bus::Context& context, const std::string& source_endpoint, uint32_t partition,
                                     const std::string& data_dir, const std::atomic<bool>& stopping);

std::string incoming_path(const std::string& data_dir, uint32_t partition);

}  // namespace spanline::indexer::group
