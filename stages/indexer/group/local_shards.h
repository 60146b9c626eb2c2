#pragma once
// What shards lie in this indexer's data folder and how far each has indexed,
// read without opening them as shards (no schema check, no migration): what a
// group member tells the WALs it holds, and the cursor a snapshot copy holds.

#include <cstdint>
#include <map>
#include <string>

#include "base/status.h"

namespace spanline::indexer::group {

// The cursor row of partition `partition` in the SQLite file at `path` (0 when it has none).
Result<uint64_t> read_cursor(const std::string& path, uint32_t partition);

// Every index/part-<p>.sqlite under `data_dir` that answers read_cursor, by partition.
std::map<uint32_t, uint64_t> local_shards(const std::string& data_dir);

}  // namespace spanline::indexer::group
