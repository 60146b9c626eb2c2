#include "stages/api/directory/stage_directory.h"

#include "base/options.h"

namespace spanline::api {

void StageDirectory::observe(const bus::StatsSnapshot& snapshot) {
  std::lock_guard lock(mutex_);
  Entry& entry = entries_[{snapshot.stage, snapshot.instance}];
  // A restarted instance (new pid) starts its counters again; its history must not mix both lives.
  if (entry.latest.pid != 0 && entry.latest.pid != snapshot.pid) entry.history.clear();
  entry.latest = snapshot;
  entry.seen = SteadyClock::now();
  if (!entry.history.empty() && snapshot.unix_ms - entry.history.back().unix_ms < 900) return;
  entry.history.push_back({snapshot.unix_ms, snapshot.counters, snapshot.gauges});
  while (entry.history.size() > history_seconds_) entry.history.pop_front();
}

std::vector<InstanceView> StageDirectory::instances(bool with_history) const {
  std::lock_guard lock(mutex_);
  std::vector<InstanceView> views;
  const auto now = SteadyClock::now();
  for (const auto& [key, entry] : entries_) {
    InstanceView view;
    view.stage = key.first;
    view.instance = key.second;
    view.pid = entry.latest.pid;
    view.last_seen_unix_ms = entry.latest.unix_ms;
    view.silent_for = std::chrono::duration_cast<std::chrono::milliseconds>(now - entry.seen);
    view.latest = entry.latest;
    if (with_history) view.history = entry.history;
    views.push_back(std::move(view));
  }
  return views;
}

std::map<uint32_t, PartitionOwner> StageDirectory::live_owners(std::chrono::milliseconds max_silence) const {
  std::lock_guard lock(mutex_);
  std::map<uint32_t, PartitionOwner> owners;
  std::map<uint32_t, SteadyClock::time_point> freshest;
  const auto now = SteadyClock::now();
  for (const auto& [key, entry] : entries_) {
    if (key.first != "indexer" || now - entry.seen > max_silence) continue;
    auto endpoint = entry.latest.info.find("query_endpoint");
    auto partitions = entry.latest.info.find("partitions");
    if (endpoint == entry.latest.info.end() || partitions == entry.latest.info.end()) continue;
    // Two live claims for one partition happen only briefly, while ownership
    // moves; the instance heard from last is the one the WAL lets read.
    for (uint32_t partition : parse_partition_list(partitions->second)) {
      auto seen = freshest.find(partition);
      if (seen != freshest.end() && seen->second > entry.seen) continue;
      freshest[partition] = entry.seen;
      owners[partition] = {key.second, endpoint->second};
    }
  }
  return owners;
}

std::optional<uint32_t> StageDirectory::announced_partitions() const {
  std::lock_guard lock(mutex_);
  for (const auto& [key, entry] : entries_) {
    if (key.first != "wal") continue;
    auto found = entry.latest.info.find("partitions");
    if (found == entry.latest.info.end()) continue;
    try {
      unsigned long value = std::stoul(found->second);
      if (value > 0 && value <= 4096) return static_cast<uint32_t>(value);
    } catch (const std::exception&) {
    }
  }
  return std::nullopt;
}

std::vector<uint32_t> parse_partition_list(const std::string& text) {
  auto parsed = parse_uint_list(text);
  if (!parsed) return {};
  return *parsed;
}

}  // namespace spanline::api
