#include "stages/api/directory/stage_directory.h"

#include <charconv>

#include "base/options.h"
#include "protocol/stage_stats.h"
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

namespace {

// Lower sorts first: the order of query_replicas().
bool better_candidate(const PartitionReplica& a, const PartitionReplica& b) {
  if (replica_state_rank(a.state) != replica_state_rank(b.state)) return replica_state_rank(a.state) < replica_state_rank(b.state);
  const bool a_fresh = a.silent_for <= kStaleAfter, b_fresh = b.silent_for <= kStaleAfter;
  if (a_fresh != b_fresh) return a_fresh;
  if (a.lag_seconds.has_value() != b.lag_seconds.has_value()) return a.lag_seconds.has_value();
  if (a.lag_seconds && *a.lag_seconds != *b.lag_seconds) return *a.lag_seconds < *b.lag_seconds;
  return a.silent_for < b.silent_for;
}

}  // namespace

ReplicaCandidates StageDirectory::query_replicas(std::chrono::milliseconds max_silence) const {
  std::lock_guard lock(mutex_);
  ReplicaCandidates candidates;
  const auto now = SteadyClock::now();
  for (const auto& [key, entry] : entries_) {
    if (key.first != "indexer" || now - entry.seen > max_silence) continue;
    const auto& info = entry.latest.info;
    auto endpoint = info.find("query_endpoint");
    auto partitions = info.find("partitions");
    if (endpoint == info.end() || partitions == info.end()) continue;
    auto states_text = info.find(std::string(stats_names::kIndexerReplicaStates));
    const auto states = states_text == info.end() ? std::map<uint32_t, std::string>{} : parse_replica_states(states_text->second);
    const auto silent_for = std::chrono::duration_cast<std::chrono::milliseconds>(now - entry.seen);
    for (uint32_t partition : parse_partition_list(partitions->second)) {
      PartitionReplica replica{.instance = key.second, .endpoint = endpoint->second, .silent_for = silent_for};
      if (auto state = states.find(partition); state != states.end()) replica.state = state->second;
      // Building replicas are still copying; a state this build does not know is not trusted either.
      if (replica.state != "ready" && replica.state != "leaving") continue;
      auto lag = entry.latest.gauges.find(std::string(stats_names::kIndexerLagSeconds) + ".p" + std::to_string(partition));
      if (lag != entry.latest.gauges.end()) replica.lag_seconds = lag->second;
      candidates[partition].push_back(std::move(replica));
    }
  }
  for (auto& [partition, replicas] : candidates) {
    std::stable_sort(replicas.begin(), replicas.end(), better_candidate);
    // A leaving replica may have stopped indexing (fenced, or cut off from its
    // WAL while the WAL gave the partition to others): with a fresh ready one
    // at hand it is never asked, not even by a hedge, so an answer is never
    // silently older than the ready replica's.
    const bool fresh_ready = !replicas.empty() && replicas.front().state == "ready" && replicas.front().silent_for <= kStaleAfter;
    if (fresh_ready) std::erase_if(replicas, [](const PartitionReplica& r) { return r.state == "leaving"; });
  }
  return candidates;
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

int replica_state_rank(const std::string& state) { return state == "ready" ? 0 : state == "leaving" ? 1 : 2; }

std::map<uint32_t, std::string> parse_replica_states(const std::string& text) {
  std::map<uint32_t, std::string> states;
  for (size_t begin = 0; begin < text.size();) {
    size_t end = text.find(',', begin);
    if (end == std::string::npos) end = text.size();
    const std::string_view item(text.data() + begin, end - begin);
    begin = end + 1;
    const size_t colon = item.find(':');
    uint32_t partition = 0;
    if (colon == std::string_view::npos || colon + 1 == item.size()) continue;
    auto [parsed_end, error] = std::from_chars(item.data(), item.data() + colon, partition);
    if (error != std::errc() || parsed_end != item.data() + colon) continue;
    states[partition] = std::string(item.substr(colon + 1));
  }
  return states;
}

}  // namespace spanline::api
