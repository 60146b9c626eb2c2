#include "stages/api/directory/partition_map.h"

#include <algorithm>
#include <charconv>
#include <map>

#include <nlohmann/json.hpp>

#include "protocol/stage_stats.h"
#include "protocol/wal/partitions.h"

namespace spanline::api {
namespace {

using json = nlohmann::json;

const std::string* info_of(const InstanceView& view, std::string_view key) {
  auto found = view.latest.info.find(std::string(key));
  return found == view.latest.info.end() ? nullptr : &found->second;
}

std::optional<uint32_t> announced_count(const InstanceView& wal) {
  const std::string* text = info_of(wal, wal::kPartitionsInfoKey);
  uint32_t value = 0;
  if (!text) return std::nullopt;
  auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc() || end != text->data() + text->size() || !wal::check_partition_count_range(value, "").is_ok()) return std::nullopt;
  return value;
}

std::optional<uint64_t> unsigned_field(const json& object, const char* key) {
  auto found = object.find(key);
  if (found == object.end() || !found->is_number_unsigned()) return std::nullopt;
  return found->get<uint64_t>();
}

std::string string_field(const json& object, const char* key) {
  auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

// The owning WAL's word on one partition: epoch, head, moves and the replicas it assigned.
void apply_assignment(const json& entry, PartitionStatus& status) {
  status.epoch = unsigned_field(entry, "epoch");
  status.head = unsigned_field(entry, "head");
  status.moves = unsigned_field(entry, "moves");
  auto replicas = entry.find("replicas");
  if (replicas == entry.end() || !replicas->is_array()) return;
  for (const json& replica : *replicas) {
    if (!replica.is_object() || string_field(replica, "instance").empty()) continue;
    status.replicas.push_back({.instance = string_field(replica, "instance"),
                               .state = string_field(replica, "state"),
                               .committed = unsigned_field(replica, "committed")});
  }
}

// Every partition in a WAL's `assignment`, by number (a JSON the api cannot read counts as absent).
std::map<uint32_t, json> assignment_of(const InstanceView& wal) {
  std::map<uint32_t, json> by_partition;
  const std::string* text = info_of(wal, stats_names::kWalAssignment);
  if (!text || text->empty()) return by_partition;
  json parsed = json::parse(*text, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("partitions") || !parsed["partitions"].is_array()) return by_partition;
  for (const json& entry : parsed["partitions"]) {
    auto partition = entry.is_object() ? unsigned_field(entry, "partition") : std::nullopt;
    if (partition && *partition <= UINT32_MAX) by_partition[static_cast<uint32_t>(*partition)] = entry;
  }
  return by_partition;
}

}  // namespace

std::vector<PartitionStatus> partition_statuses(const std::vector<InstanceView>& instances, std::chrono::milliseconds stage_timeout) {
  auto alive = [&](const InstanceView& view) { return view.silent_for <= stage_timeout; };
  std::optional<uint32_t> count;
  for (const InstanceView& view : instances) {
    if (view.stage == "wal" && !count) count = announced_count(view);
  }
  // Without a WAL's count, as far as any indexer claims.
  uint32_t total = count.value_or(0);
  if (!count) {
    for (const InstanceView& view : instances) {
      const std::string* partitions = view.stage == "indexer" ? info_of(view, "partitions") : nullptr;
      for (uint32_t p : partitions ? parse_partition_list(*partitions) : std::vector<uint32_t>{}) total = std::max(total, p + 1);
    }
  }
  std::vector<PartitionStatus> statuses(total);
  for (uint32_t p = 0; p < total; ++p) statuses[p].partition = p;

  // Owners: a live WAL's claim before a silent one's.
  std::vector<bool> owned_by_live(total, false);
  for (const InstanceView& view : instances) {
    if (view.stage != "wal") continue;
    const std::string* owned_text = info_of(view, stats_names::kWalOwnedPartitions);
    std::vector<uint32_t> owned;
    if (owned_text && !owned_text->empty()) {
      owned = parse_partition_list(*owned_text);
    } else {
      for (uint32_t p = 0; p < total; ++p) owned.push_back(p);
    }
    const auto assignment = assignment_of(view);
    for (uint32_t p : owned) {
      if (p >= total || owned_by_live[p] || (statuses[p].wal && !alive(view))) continue;
      PartitionStatus& status = statuses[p];
      status = {.partition = p, .wal = view.instance};
      owned_by_live[p] = alive(view);
      if (auto entry = assignment.find(p); entry != assignment.end()) apply_assignment(entry->second, status);
    }
  }

  // Replicas: lag and liveness from each indexer; those no assignment lists are added as they announce themselves.
  for (const InstanceView& view : instances) {
    if (view.stage != "indexer") continue;
    const std::string* partitions = info_of(view, "partitions");
    const std::string* states_text = info_of(view, stats_names::kIndexerReplicaStates);
    const auto states = states_text ? parse_replica_states(*states_text) : std::map<uint32_t, std::string>{};
    std::vector<uint32_t> held = partitions ? parse_partition_list(*partitions) : std::vector<uint32_t>{};
    for (const auto& [p, state] : states) {
      if (std::find(held.begin(), held.end(), p) == held.end()) held.push_back(p);
    }
    for (uint32_t p : held) {
      if (p >= total) continue;
      auto& replicas = statuses[p].replicas;
      auto replica = std::find_if(replicas.begin(), replicas.end(), [&](const ReplicaStatus& r) { return r.instance == view.instance; });
      if (replica == replicas.end()) {
        if (!alive(view)) continue;  // a silent indexer's old claim is not a replica
        auto state = states.find(p);
        replicas.push_back({.instance = view.instance, .state = state == states.end() ? "ready" : state->second});
        replica = std::prev(replicas.end());
      }
      replica->alive = alive(view);
      auto lag = view.latest.gauges.find(std::string(stats_names::kIndexerLagSeconds) + ".p" + std::to_string(p));
      if (lag != view.latest.gauges.end()) replica->lag_seconds = lag->second;
    }
  }
  for (PartitionStatus& status : statuses) {
    std::sort(status.replicas.begin(), status.replicas.end(), [](const ReplicaStatus& a, const ReplicaStatus& b) {
      if (replica_state_rank(a.state) != replica_state_rank(b.state)) return replica_state_rank(a.state) < replica_state_rank(b.state);
      return a.instance < b.instance;
    });
  }
  return statuses;
}

}  // namespace spanline::api
