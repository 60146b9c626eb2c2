#pragma once
// How the WAL settles its partition count at start. The count in the log is the
// truth: --partitions chooses it only for a new log (default
// wal::kDefaultPartitions), and otherwise must be left unset (0) or agree.
//
//   log's count   --partitions   result
//   none          0              kDefaultPartitions, stored
//   none          N              N, stored
//   S             0 or S         S
//   S             N != S         failed_precondition naming both: the WAL does not start
//
// A log written before the count was kept has none; it is then given the flag's
// count (or the default), unless it already holds a partition at or past that
// count, which would show the count is wrong: the WAL refuses to start rather
// than strand those entries.
//
// Why refuse instead of following the flag: changing the count re-routes every
// trace id, so a trace would be split between two shards and lookups routed by
// the new count would miss the old spans.

#include <cstdint>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "stages/wal/log_store.h"

namespace spanline::wal {

Result<uint32_t> settle_partition_count(LogStore& store, uint32_t flag);

// The partitions this WAL owns: --owned-partitions read against the settled
// count ("" = all of them), sorted; invalid_argument naming the first entry
// at or past the count, or a text that is not a list.
Result<std::vector<uint32_t>> settle_owned_partitions(std::string_view flag, uint32_t count);

}  // namespace spanline::wal
