#pragma once
// Which instance of a consumer group owns a partition: the WAL's guarantee
// that two indexers never write the same shard.
//
// How it works: the instance that reads (group, partition) holds a lease on it
// for `lease` after each read. A read from another instance of the group while
// the lease runs is refused; once the owner has been silent for the whole
// lease (crashed, moved), the next instance that reads takes it over.
//
// Threads: the WAL's bus thread only.
// Limits: one entry per (partition, group) ever read; groups are few.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "base/status.h"

namespace spanline::wal {

class PartitionLeases {
 public:
  using Clock = std::chrono::steady_clock;

  explicit PartitionLeases(std::chrono::milliseconds lease) : lease_(lease) {}

  // OK (and the lease renewed or taken) for the owner or when the owner's lease
  // ran out; failed_precondition naming the owner otherwise.
  Status claim(uint32_t partition, const std::string& group, const std::string& instance, Clock::time_point now);

 private:
  struct Owner {
    std::string instance;
    Clock::time_point last_read;
  };
  const std::chrono::milliseconds lease_;
  std::map<std::pair<uint32_t, std::string>, Owner> owners_;
};

}  // namespace spanline::wal
