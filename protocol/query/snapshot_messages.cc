#include "protocol/query/snapshot_messages.h"

#include "protocol/msgpack_map.h"

namespace spanline::protocol::query {


std::string encode(const SnapshotRequest& request) { return pack_map(request); }
std::string encode(const SnapshotChunk& chunk) { return pack_map(chunk); }

Result<SnapshotRequest> decode_snapshot_request(std::string_view bytes) {
  return unpack_map<SnapshotRequest>(bytes, "snapshot request");
}

Result<SnapshotChunk> decode_snapshot_chunk(std::string_view bytes) {
  auto chunk = unpack_map<SnapshotChunk>(bytes, "snapshot chunk");
  if (!chunk) return chunk;
  if (chunk->data.size() > kSnapshotChunkBytes || chunk->offset > chunk->total_bytes ||
      chunk->data.size() > chunk->total_bytes - chunk->offset) {
    return Status(Code::invalid_argument, "snapshot chunk of " + std::to_string(chunk->data.size()) + " bytes at offset " +
                                              std::to_string(chunk->offset) + " does not fit a copy of " +
                                              std::to_string(chunk->total_bytes) + " bytes");
  }
  if (chunk->last != (chunk->offset + chunk->data.size() == chunk->total_bytes)) {
    return Status(Code::invalid_argument, "snapshot chunk: `last` disagrees with where its data ends");
  }
  return chunk;
}

}  // namespace spanline::protocol::query
