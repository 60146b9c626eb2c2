#include "stages/wal/parked_reads.h"

#include <algorithm>

namespace spanline::wal {

bool ParkedReads::park(ReadRequest read, Clock::time_point deadline) {
  if (count_ >= capacity_) return false;
  const uint32_t partition = read.partition;
  by_partition_[partition].push_back({std::move(read), deadline});
  ++count_;
  return true;
}

std::vector<ReadRequest> ParkedReads::take(uint32_t partition) {
  std::vector<ReadRequest> ready;
  auto it = by_partition_.find(partition);
  if (it == by_partition_.end()) return ready;
  ready.reserve(it->second.size());
  for (Parked& parked : it->second) ready.push_back(std::move(parked.read));
  count_ -= it->second.size();
  by_partition_.erase(it);
  return ready;
}

std::vector<ReadRequest> ParkedReads::take_expired(Clock::time_point now) {
  std::vector<ReadRequest> expired;
  for (auto it = by_partition_.begin(); it != by_partition_.end();) {
    auto& list = it->second;
    auto ends = std::stable_partition(list.begin(), list.end(), [now](const Parked& p) { return p.deadline > now; });
    for (auto p = ends; p != list.end(); ++p) expired.push_back(std::move(p->read));
    count_ -= static_cast<size_t>(list.end() - ends);
    list.erase(ends, list.end());
    it = list.empty() ? by_partition_.erase(it) : std::next(it);
  }
  return expired;
}

}  // namespace spanline::wal
