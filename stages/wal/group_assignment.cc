#include "stages/wal/group_assignment.h"

#include <algorithm>

#include "base/log.h"

namespace spanline::wal {
namespace {

uint64_t fnv1a(uint64_t hash, std::string_view bytes) {
  for (char c : bytes) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

// MurmurHash3's 64-bit finalizer: FNV's low bits alone decide too little.
uint64_t finalize(uint64_t hash) {
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdULL;
  hash ^= hash >> 33;
  hash *= 0xc4ceb9fe1a85ec53ULL;
  hash ^= hash >> 33;
  return hash;
}

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;

// How much `instance` wants `partition`: each partition ranks the members in
// its own order, so a member's arrival or departure changes few rankings.
uint64_t rendezvous_score(uint32_t partition, const std::string& instance) {
  const char bytes[4] = {static_cast<char>(partition), static_cast<char>(partition >> 8), static_cast<char>(partition >> 16),
                         static_cast<char>(partition >> 24)};
  return finalize(fnv1a(fnv1a(kFnvOffset, std::string_view(bytes, 4)), instance));
}

bool serves(ReplicaState state) { return state == ReplicaState::ready || state == ReplicaState::leaving; }

std::string replicas_text(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out.empty() ? "nobody" : out;
}

}  // namespace

GroupAssignment::GroupAssignment(Settings settings, Clock::time_point started, std::function<uint64_t(uint32_t)> head_of,
                                 std::atomic<uint64_t>& moves)
    : settings_(std::move(settings)), head_of_(std::move(head_of)), moves_(moves), settled_at_(started + settings_.settle) {}

JoinReply GroupAssignment::join(const std::string& group, const std::string& instance, const JoinRequest& request,
                                Clock::time_point now) {
  now_ = std::max(now_, now);
  settle_if_due(now);
  Group& state = groups_[group];
  auto [member, is_new] = state.members.try_emplace(instance);
  member->second.query_endpoint = request.query_endpoint;
  member->second.last_join = now;
  member->second.held.clear();
  for (const HeldShard& shard : request.held) member->second.held[shard.partition] = shard.committed;
  if (is_new) {
    log::info("group member joined", {{"group", group}, {"instance", instance}, {"query_endpoint", request.query_endpoint}});
    rebalance(group, state);
  }
  JoinReply reply;
  reply.wal_instance = settings_.wal_instance;
  reply.replicas = settings_.replicas;
  reply.member_timeout_ms = static_cast<uint32_t>(settings_.member_timeout.count());
  reply.settling = listening(state);
  auto replica_of = [&](Partition& assigned) {
    return std::find_if(assigned.replicas.begin(), assigned.replicas.end(), [&](const Replica& r) { return r.instance == instance; });
  };
  for (auto& [partition, assigned] : state.partitions) {
    auto replica = replica_of(assigned);
    if (replica == assigned.replicas.end()) continue;
    // A builder whose shard caught up says so here too, not only in its reads.
    auto held = member->second.held.find(partition);
    if (held != member->second.held.end() && held->second <= head_of_(partition) && replica->state == ReplicaState::building) {
      note_committed(group, state, partition, assigned, instance, held->second);
      replica = replica_of(assigned);  // leaving replicas may have gone
    }
    reply.assigned.push_back(view(state, partition, assigned, replica->state));
  }
  return reply;
}

void GroupAssignment::settle_if_due(Clock::time_point now) {
  if (settled_ || now < settled_at_) return;
  settled_ = true;
  for (auto& [name, group] : groups_) rebalance(name, group);
}

void GroupAssignment::expire(Clock::time_point now) {
  now_ = std::max(now_, now);
  settle_if_due(now);
  for (auto& [name, group] : groups_) {
    // Leaving replicas whose successors' handover grace has passed.
    for (auto& [partition, state] : group.partitions) {
      if (std::none_of(state.replicas.begin(), state.replicas.end(), [](const Replica& r) { return r.state == ReplicaState::leaving; })) {
        continue;
      }
      if (!drop_leaving_when_covered(state, effective_replicas(group))) continue;
      ++state.epoch;
      log_change(name, partition, state);
    }
    bool gone = false;
    for (auto it = group.members.begin(); it != group.members.end();) {
      if (now - it->second.last_join <= settings_.member_timeout) {
        ++it;
        continue;
      }
      log::warn("group member silent past the member timeout; its partitions go to the others",
                {{"group", name}, {"instance", it->first}, {"member_timeout_ms", settings_.member_timeout.count()}});
      it = group.members.erase(it);
      gone = true;
    }
    if (gone && group.members.empty()) {
      log::warn("every member of the group is silent; listening for them again before assigning",
                {{"group", name}, {"listen_ms", settings_.member_timeout.count()}});
      for (auto& [partition, state] : group.partitions) {
        state.replicas.clear();
        state.assigned = false;  // the next assignment adopts what the members hold
        ++state.epoch;
      }
      group.listening_until = now + settings_.member_timeout;
      continue;
    }
    if (gone) rebalance(name, group);
    if (group.listening_until != Clock::time_point{} && now >= group.listening_until) {
      group.listening_until = {};
      rebalance(name, group);
    }
  }
}

bool GroupAssignment::coordinated(const std::string& group) const { return groups_.contains(group); }

Status GroupAssignment::admits(const std::string& group, const std::string& instance) const {
  auto found = groups_.find(group);
  if (found == groups_.end()) {
    if (groups_.size() < kMaxGroups) return Status::ok();
    return Status(Code::resource_exhausted, "this WAL already coordinates " + std::to_string(kMaxGroups) + " consumer groups");
  }
  if (found->second.members.contains(instance) || found->second.members.size() < kMaxMembers) return Status::ok();
  return Status(Code::resource_exhausted, "group " + group + " already has " + std::to_string(kMaxMembers) + " live members");
}

Status GroupAssignment::check_read(const std::string& group, const std::string& instance, uint32_t partition) const {
  if (auto found = groups_.find(group); !settled_ || (found != groups_.end() && listening(found->second))) return Status::ok();
  std::vector<std::string> names;
  uint64_t epoch = settings_.first_epoch;
  if (auto found = groups_.find(group); found != groups_.end()) {
    if (auto it = found->second.partitions.find(partition); it != found->second.partitions.end()) {
      epoch = it->second.epoch;
      for (const Replica& replica : it->second.replicas) {
        if (replica.instance == instance) return Status::ok();
        names.push_back(replica.instance);
      }
    }
  }
  return Status(Code::failed_precondition, "partition " + std::to_string(partition) + " of group " + group + " is assigned to " +
                                                replicas_text(names) + " (epoch " + std::to_string(epoch) + "), not to " + instance);
}

void GroupAssignment::note_read(const std::string& group, const std::string& instance, uint32_t partition, uint64_t committed) {
  auto found = groups_.find(group);
  if (found == groups_.end()) return;
  auto it = found->second.partitions.find(partition);
  if (it == found->second.partitions.end()) return;
  note_committed(group, found->second, partition, it->second, instance, committed);
}

void GroupAssignment::note_committed(const std::string& name, const Group& group, uint32_t partition, Partition& state,
                                     const std::string& instance, uint64_t committed) {
  bool changed = false;
  for (Replica& replica : state.replicas) {
    if (replica.instance != instance) continue;
    replica.committed = committed;
    if (replica.state == ReplicaState::building && committed >= replica.ready_at) {
      replica.state = ReplicaState::ready;
      replica.ready_since = now_;
      changed = true;
    }
  }
  if (!changed) return;
  drop_leaving_when_covered(state, effective_replicas(group));
  ++state.epoch;
  log_change(name, partition, state);
}

std::optional<uint64_t> GroupAssignment::retention_cursor(const std::string& group, uint32_t partition) const {
  auto found = groups_.find(group);
  if (found == groups_.end()) return std::nullopt;
  auto it = found->second.partitions.find(partition);
  if (it == found->second.partitions.end()) return std::nullopt;
  std::optional<uint64_t> lowest;
  for (const Replica& replica : it->second.replicas) {
    if (serves(replica.state)) {
      lowest = std::min(lowest.value_or(UINT64_MAX), replica.committed);
    } else if (replica.state == ReplicaState::building) {
      // A builder that reads from a shard of its own needs the entries after its
      // cursor; one still copying needs those after the snapshot it will get.
      if (replica.committed > 0) {
        lowest = std::min(lowest.value_or(UINT64_MAX), replica.committed);
      } else if (now_ - replica.ready_since < settings_.copy_hold_limit) {
        lowest = std::min(lowest.value_or(UINT64_MAX), replica.copy_hold);
      }
    }
  }
  return lowest;
}

uint32_t GroupAssignment::effective_replicas(const Group& group) const {
  return static_cast<uint32_t>(std::min<size_t>(settings_.replicas, group.members.size()));
}

void GroupAssignment::rebalance(const std::string& name, Group& group) {
  if (listening(group)) return;
  std::vector<std::vector<std::string>> desired = desired_replicas(group);
  for (size_t i = 0; i < settings_.owned.size(); ++i) {
    const uint32_t partition = settings_.owned[i];
    Partition& state = group.partitions.try_emplace(partition, Partition{.epoch = settings_.first_epoch}).first->second;
    if (!converge(group, partition, state, desired[i])) continue;
    ++state.epoch;
    log_change(name, partition, state);
  }
}

std::vector<std::vector<std::string>> GroupAssignment::desired_replicas(const Group& group) const {
  const std::vector<uint32_t>& owned = settings_.owned;
  std::vector<std::vector<std::string>> desired(owned.size());
  const uint32_t replicas = effective_replicas(group);
  if (replicas == 0) return desired;
  std::vector<std::string> members;
  for (const auto& [instance, member] : group.members) members.push_back(instance);
  // Room per member: slots / members each, one more for the first
  // slots % members in a fixed order of their names' hashes; loads then differ
  // by at most one. Room never exceeds the partitions left (R <= members).
  const size_t slots = owned.size() * replicas;
  std::vector<std::string> by_hash = members;
  std::sort(by_hash.begin(), by_hash.end(), [](const std::string& a, const std::string& b) {
    return std::pair(finalize(fnv1a(kFnvOffset, a)), a) < std::pair(finalize(fnv1a(kFnvOffset, b)), b);
  });
  std::map<std::string, size_t> room;
  for (size_t i = 0; i < by_hash.size(); ++i) room[by_hash[i]] = slots / members.size() + (i < slots % members.size() ? 1 : 0);

  for (size_t i = 0; i < owned.size(); ++i) {
    const size_t left = owned.size() - i;
    std::vector<std::string> order = members;
    std::sort(order.begin(), order.end(), [&](const std::string& a, const std::string& b) {
      return std::pair(rendezvous_score(owned[i], a), a) > std::pair(rendezvous_score(owned[i], b), b);
    });
    std::vector<std::string>& chosen = desired[i];
    // A member with room for every partition left must be in each of them:
    // taken first, at most R of them since the rooms add up to left * R.
    for (const std::string& instance : order) {
      if (room[instance] == left && chosen.size() < replicas) chosen.push_back(instance);
    }
    for (const std::string& instance : order) {
      if (chosen.size() >= replicas) break;
      if (room[instance] > 0 && std::find(chosen.begin(), chosen.end(), instance) == chosen.end()) chosen.push_back(instance);
    }
    for (const std::string& instance : chosen) --room[instance];
  }
  return desired;
}

bool GroupAssignment::converge(const Group& group, uint32_t partition, Partition& state, const std::vector<std::string>& desired) {
  auto is_desired = [&](const std::string& instance) { return std::find(desired.begin(), desired.end(), instance) != desired.end(); };
  bool changed = false;
  std::vector<Replica>& replicas = state.replicas;
  if (!state.assigned && replicas.empty()) {
    adopt_best_holders(group, partition, state);
    changed = !replicas.empty();
  }
  for (auto it = replicas.begin(); it != replicas.end();) {
    if (is_desired(it->instance)) {
      // Wanted again while leaving: it never stopped indexing.
      if (it->state == ReplicaState::leaving) {
        it->state = ReplicaState::ready;
        changed = true;
      }
      ++it;
    } else if (!group.members.contains(it->instance) || it->state == ReplicaState::building) {
      // Gone, or serving nothing yet: nothing to wait for.
      it = replicas.erase(it);
      changed = true;
    } else {
      if (it->state != ReplicaState::leaving) changed = true;
      it->state = ReplicaState::leaving;
      ++it;
    }
  }
  const bool served = std::any_of(replicas.begin(), replicas.end(), [](const Replica& r) { return serves(r.state); });
  uint64_t lowest_served = UINT64_MAX;
  for (const Replica& replica : replicas) {
    if (serves(replica.state)) lowest_served = std::min(lowest_served, replica.committed);
  }
  for (const std::string& instance : desired) {
    if (std::any_of(replicas.begin(), replicas.end(), [&](const Replica& r) { return r.instance == instance; })) continue;
    // A member that already holds the shard up to the head has nothing to copy.
    const uint64_t head = head_of_(partition);
    const auto& held = group.members.at(instance).held;
    const auto shard = held.find(partition);
    // Past the head is not current but a shard that outlived its log (or a
    // lie): it would skip the entries up to its cursor.
    const bool current = shard != held.end() && shard->second == head;
    replicas.push_back({.instance = instance,
                        .state = served && !current ? ReplicaState::building : ReplicaState::ready,
                        .committed = shard == held.end() ? 0 : shard->second,
                        .ready_at = head,
                        .ready_since = now_,
                        .copy_hold = served ? lowest_served : 0});
    changed = true;
    if (state.assigned) {
      ++state.moves;
      moves_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  // Nobody left to copy from: the builders answer with what the log holds.
  if (!served) {
    for (Replica& replica : replicas) {
      if (replica.state != ReplicaState::building) continue;
      replica.state = ReplicaState::ready;
      replica.ready_since = now_;
      changed = true;
    }
  }
  if (drop_leaving_when_covered(state, static_cast<uint32_t>(desired.size()))) changed = true;
  if (!replicas.empty()) state.assigned = true;
  return changed;
}

void GroupAssignment::adopt_best_holders(const Group& group, uint32_t partition, Partition& state) const {
  // A shard past the log's head does not belong to this log: never adopted.
  const uint64_t head = head_of_(partition);
  std::optional<uint64_t> best;
  for (const auto& [instance, member] : group.members) {
    auto shard = member.held.find(partition);
    if (shard != member.held.end() && shard->second <= head) best = std::max(best.value_or(0), shard->second);
  }
  if (!best) return;
  for (const auto& [instance, member] : group.members) {
    auto shard = member.held.find(partition);
    if (shard == member.held.end() || shard->second != *best) continue;
    // Already answering before this WAL started: no handover to wait for.
    state.replicas.push_back({.instance = instance, .state = ReplicaState::ready, .committed = *best, .ready_at = *best});
  }
}

bool GroupAssignment::drop_leaving_when_covered(Partition& state, uint32_t desired_count) const {
  std::vector<Replica>& replicas = state.replicas;
  const auto ready = std::count_if(replicas.begin(), replicas.end(), [&](const Replica& r) {
    return r.state == ReplicaState::ready && now_ - r.ready_since >= settings_.handover;
  });
  if (static_cast<uint32_t>(ready) < desired_count) return false;
  return std::erase_if(replicas, [](const Replica& r) { return r.state == ReplicaState::leaving; }) > 0;
}

PartitionAssignment GroupAssignment::view(const Group& group, uint32_t partition, const Partition& state, ReplicaState asker) const {
  PartitionAssignment out;
  out.partition = partition;
  out.epoch = state.epoch;
  out.state = static_cast<uint8_t>(asker);
  for (const Replica& replica : state.replicas) {
    auto member = group.members.find(replica.instance);
    out.replicas.push_back({.instance = replica.instance,
                            .query_endpoint = member == group.members.end() ? "" : member->second.query_endpoint,
                            .state = static_cast<uint8_t>(replica.state),
                            .committed = replica.committed});
  }
  return out;
}

void GroupAssignment::log_change(const std::string& group, uint32_t partition, const Partition& state) const {
  std::string replicas;
  for (const Replica& replica : state.replicas) {
    replicas += (replicas.empty() ? "" : ",") + replica.instance + ":" + std::string(replica_state_name(replica.state));
  }
  log::info("partition replicas changed",
            {{"group", group}, {"partition", partition}, {"epoch", state.epoch}, {"replicas", replicas.empty() ? "none" : replicas}});
}

std::string GroupAssignment::assignment_json(Clock::time_point now) const {
  auto group = groups_.begin();
  if (group == groups_.end()) return "";
  std::string out = "{\"group\":";
  log::append_json_string(out, group->first);
  out += ",\"replicas\":" + std::to_string(settings_.replicas);
  out += ",\"member_timeout_ms\":" + std::to_string(settings_.member_timeout.count());
  out += ",\"members\":[";
  bool first = true;
  for (const auto& [instance, member] : group->second.members) {
    out += first ? "{\"instance\":" : ",{\"instance\":";
    first = false;
    log::append_json_string(out, instance);
    out += ",\"query_endpoint\":";
    log::append_json_string(out, member.query_endpoint);
    out += ",\"silent_ms\":" +
           std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now - member.last_join).count()) + "}";
  }
  out += "],\"partitions\":[";
  first = true;
  for (uint32_t partition : settings_.owned) {
    auto it = group->second.partitions.find(partition);
    const Partition empty;
    const Partition& state = it == group->second.partitions.end() ? empty : it->second;
    out += first ? "{" : ",{";
    first = false;
    out += "\"partition\":" + std::to_string(partition) + ",\"epoch\":" + std::to_string(state.epoch) +
           ",\"head\":" + std::to_string(head_of_(partition)) + ",\"moves\":" + std::to_string(state.moves) + ",\"replicas\":[";
    for (size_t i = 0; i < state.replicas.size(); ++i) {
      const Replica& replica = state.replicas[i];
      out += i == 0 ? "{\"instance\":" : ",{\"instance\":";
      log::append_json_string(out, replica.instance);
      out += ",\"state\":\"" + std::string(replica_state_name(replica.state)) + "\",\"committed\":" + std::to_string(replica.committed) + "}";
    }
    out += "]}";
  }
  out += "]}";
  return out;
}

}  // namespace spanline::wal
