#pragma once
// The snapshot hop (indexer -> indexer, over the source's query ROUTER),
// declared once for both ends: how a new replica copies a consistent shard of
// a partition from a live one instead of rebuilding it from the WAL (which may
// no longer hold the partition's early entries).
//
// The exchange: the receiver sends `snapshot` (header `p` = partition; one
// payload frame, a SnapshotRequest). The first request has an empty token: the
// source makes a consistent copy of its shard (SQLite `VACUUM INTO`, one read
// transaction, so the copied cursor row and the copied spans agree), keeps it
// under a fresh token and answers the first chunk. Each later request names the
// token and the offset it wants next. The answer is `snapshot_reply` with one
// payload frame, a SnapshotChunk: at most kSnapshotChunkBytes of the file from
// that offset, the file's size and the cursor the copy holds. The chunk that
// reaches the end is `last`; the source then deletes its copy.
//
// Limits: a source serves at most kMaxSnapshotsServed copies at once (a further
// first request is refused with resource_exhausted: the receiver retries later
// or asks another replica) and deletes a copy nobody asked about for
// kSnapshotIdle (a later request for it is not_found: start again).
//
// Threads: free functions on values; any thread.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <msgpack.hpp>

#include "base/status.h"

namespace spanline::protocol::query {

inline constexpr size_t kSnapshotChunkBytes = 4U << 20;
inline constexpr size_t kMaxSnapshotsServed = 2;
inline constexpr std::chrono::seconds kSnapshotIdle{60};

struct SnapshotRequest {
  uint32_t partition = 0;
  std::string token;    // empty: make a new copy and answer its first chunk
  uint64_t offset = 0;  // with a token: the byte the chunk starts at
  MSGPACK_DEFINE_MAP(MSGPACK_NVP("p", partition), MSGPACK_NVP("tk", token), MSGPACK_NVP("o", offset))
};

struct SnapshotChunk {
  uint32_t partition = 0;
  std::string token;
  uint64_t cursor = 0;      // the WAL sequence the copy has indexed through
  uint64_t total_bytes = 0; // the copy's size
  uint64_t offset = 0;      // where `data` starts
  std::string data;         // the file's bytes from `offset`
  bool last = false;        // data reaches total_bytes; the source has deleted its copy
  MSGPACK_DEFINE_MAP(MSGPACK_NVP("p", partition), MSGPACK_NVP("tk", token), MSGPACK_NVP("c", cursor),
                     MSGPACK_NVP("sz", total_bytes), MSGPACK_NVP("o", offset), MSGPACK_NVP("d", data),
                     MSGPACK_NVP("l", last))
};

std::string encode(const SnapshotRequest& request);
std::string encode(const SnapshotChunk& chunk);
// invalid_argument for bytes that are not the message, or a chunk whose data
// does not fit inside total_bytes at its offset or is larger than kSnapshotChunkBytes.
Result<SnapshotRequest> decode_snapshot_request(std::string_view bytes);
Result<SnapshotChunk> decode_snapshot_chunk(std::string_view bytes);

}  // namespace spanline::protocol::query
