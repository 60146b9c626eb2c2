#pragma once
// What shards lie in this indexer's data folder and how far each has indexed,
// read without opening them as shards (no schema check, no migration): what a
// group member tells the WALs it holds, and the cursor a snapshot copy holds.

#include <cstdint>
#include <map>
#include <string>

#include "base/status.h"
#include "protocol/wal/group_membership.h"

namespace spanline::indexer::group {

// The cursor row of partition `partition` in the SQLite file at `path` (0 when it has none).
Result<uint64_t> read_cursor(const std::string& path, uint32_t partition);

// The identity of the WAL log the shard at `path` counts its cursor in ("" when it has none yet).
std::string read_wal_log(const std::string& path);

// Every index/part-<p>.sqlite under `data_dir` that answers read_cursor, by partition, with its log.
std::map<uint32_t, wal::HeldShard> local_shards(const std::string& data_dir);

}  // namespace spanline::indexer::group
