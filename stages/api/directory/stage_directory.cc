#include "stages/api/directory/stage_directory.h"

#include <charconv>

#include "base/options.h"
#include "protocol/wal/partitions.h"

namespace spanline::api {

void StageDirectory::observe(const bus::StatsSnapshot& snapshot) {
  std::lock_guard lock(mutex_);
  Entry& entry = entries_[{snapshot.stage, snapshot.instance}];
  // A restarted instance (new pid) starts its counters again; its history must not mix both lives.
  if (entry.latest.pid != 0 && entry.latest.pid != snapshot.pid) {
    entry.history.clear();
    entry.minutes.clear();
  }
  entry.latest = snapshot;
  entry.seen = SteadyClock::now();
  if (entry.minutes.empty() || snapshot.unix_ms - entry.minutes.back().unix_ms >= 60000) {
    entry.minutes.push_back({snapshot.unix_ms, snapshot.counters, {}});
    while (entry.minutes.size() > kMinuteSamples) entry.minutes.pop_front();
  }
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
    if (with_history) {
      view.history = entry.history;
      view.minutes = entry.minutes;
    }
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
    auto found = entry.latest.info.find(std::string(wal::kPartitionsInfoKey));
    if (found == entry.latest.info.end()) continue;
    uint32_t value = 0;
    const std::string& text = found->second;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error == std::errc() && end == text.data() + text.size() && wal::check_partition_count_range(value, "").is_ok()) {
      return value;
    }
  }
  return std::nullopt;
}

Result<uint32_t> StageDirectory::partition_count(uint32_t configured) const {
  auto announced = announced_partitions();
  if (!announced) {
    if (configured != 0) return configured;
    return Status(Code::unavailable, "the WAL has not announced its partition count yet (is it running?)");
  }
  if (Status agrees = wal::check_configured_partitions("the api", configured, *announced); !agrees.is_ok()) {
    return Status(Code::unavailable, agrees.message());
  }
  return *announced;
}

std::vector<uint32_t> parse_partition_list(const std::string& text) {
  auto parsed = parse_uint_list(text);
  if (!parsed) return {};
  return *parsed;
}

}  // namespace spanline::api
