#include "stages/wal/consumer_cursors.h"

#include <algorithm>

#include "base/log.h"

namespace spanline::wal {

void ConsumerCursors::note(uint32_t partition, const std::string& group, uint64_t committed) {
  std::lock_guard lock(mutex_);
  uint64_t& known = cursors_[{partition, group}];
  if (committed <= known) return;
  known = committed;
  Status saved = store_.save_cursor(partition, group, committed);
  if (!saved.is_ok()) log::warn("could not save a consumer cursor", {{"error", saved.to_string()}});
}

std::map<uint32_t, uint64_t> ConsumerCursors::committed_by_every_group() const {
  std::map<uint32_t, uint64_t> lowest;
  std::lock_guard lock(mutex_);
  for (const auto& [key, committed] : cursors_) {
    auto [it, inserted] = lowest.emplace(key.first, committed);
    if (!inserted) it->second = std::min(it->second, committed);
  }
  return lowest;
}

}  // namespace spanline::wal
