#include "stages/wal/partition_count.h"

#include <algorithm>

#include "base/options.h"
#include "protocol/wal/partitions.h"

namespace spanline::wal {

Result<uint32_t> settle_partition_count(LogStore& store, uint32_t flag) {
  if (flag != 0) {
    if (Status in_range = check_partition_count_range(flag, "--partitions"); !in_range.is_ok()) return in_range;
  }
  auto stored = store.stored_partition_count();
  if (!stored) return stored.status();
  if (*stored) {
    const uint32_t count = **stored;
    if (Status in_range = check_partition_count_range(count, "the partition count stored in " + store.path());
        !in_range.is_ok()) {
      return Status(Code::internal, in_range.message());
    }
    if (flag != 0 && flag != count) {
      return Status(Code::failed_precondition,
                    "the WAL at " + store.path() + " has " + std::to_string(count) + " partitions, but --partitions is " +
                        std::to_string(flag) +
                        ": the count is fixed when the log is created (changing it would re-route every trace); "
                        "leave --partitions unset or set it to " + std::to_string(count));
    }
    return count;
  }
  const uint32_t count = flag != 0 ? flag : kDefaultPartitions;
  auto ranges = store.ranges();
  if (!ranges.empty() && ranges.rbegin()->first >= count) {
    return Status(Code::failed_precondition,
                  "the WAL at " + store.path() + " holds entries of partition " + std::to_string(ranges.rbegin()->first) +
                      ", so it was written with more than " + std::to_string(count) +
                      " partitions: start it with --partitions set to the count it was written with");
  }
  if (Status kept = store.store_partition_count(count); !kept.is_ok()) return kept;
  return count;
}

Result<std::vector<uint32_t>> settle_owned_partitions(std::string_view flag, uint32_t count) {
  std::vector<uint32_t> owned;
  if (flag.empty()) {
    for (uint32_t p = 0; p < count; ++p) owned.push_back(p);
    return owned;
  }
  auto listed = parse_uint_list(flag);
  if (!listed) return Status(Code::invalid_argument, "--owned-partitions: " + listed.status().message());
  owned = std::move(*listed);
  std::sort(owned.begin(), owned.end());
  owned.erase(std::unique(owned.begin(), owned.end()), owned.end());
  if (!owned.empty() && owned.back() >= count) {
    return Status(Code::invalid_argument, "--owned-partitions names partition " + std::to_string(owned.back()) +
                                              ", but the log has " + std::to_string(count) + " partitions (0 to " +
                                              std::to_string(count - 1) + ")");
  }
  return owned;
}

}  // namespace spanline::wal
