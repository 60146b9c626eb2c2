#include "stages/wal/partition_leases.h"

#include "base/log.h"

namespace spanline::wal {

Status PartitionLeases::claim(uint32_t partition, const std::string& group, const std::string& instance, Clock::time_point now) {
  Owner& owner = owners_[{partition, group}];
  if (!owner.instance.empty() && owner.instance != instance && now - owner.last_read < lease_) {
    return Status(Code::failed_precondition,
                  "partition " + std::to_string(partition) + " of group '" + group + "' is owned by " + owner.instance);
  }
  if (owner.instance != instance) log::info("partition owner", {{"partition", partition}, {"group", group}, {"instance", instance}});
  owner = {instance, now};
  return Status::ok();
}

}  // namespace spanline::wal
