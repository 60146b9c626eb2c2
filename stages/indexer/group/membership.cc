#include "stages/indexer/group/membership.h"

#include <algorithm>
#include <mutex>

#include "base/log.h"
#include "bus/envelope.h"

namespace spanline::indexer::group {

std::map<uint32_t, wal::PartitionAssignment> desired_partitions(const std::vector<WalAnswer>& answers, SteadyClock::time_point now) {
  std::map<uint32_t, wal::PartitionAssignment> desired;
  for (const WalAnswer& answer : answers) {
    const auto timeout = answer.reply.member_timeout_ms > 0 ? std::chrono::milliseconds(answer.reply.member_timeout_ms)
                                                            : kDefaultMemberTimeout;
    // A WAL silent this long may have given the partitions to others (if only
    // this member lost it) or be down (then nobody can take them): they are kept,
    // answering as `leaving`, so the api prefers a replica its WAL still
    // confirms but never goes without one.
    const bool unconfirmed = now - answer.heard > timeout;
    for (wal::PartitionAssignment assignment : answer.reply.assigned) {
      if (unconfirmed) assignment.state = static_cast<uint8_t>(wal::ReplicaState::leaving);
      desired[assignment.partition] = std::move(assignment);
    }
  }
  return desired;
}

PartitionChanges diff_partitions(const std::map<uint32_t, wal::PartitionAssignment>& desired, const std::set<uint32_t>& held,
                                 const std::map<uint32_t, uint64_t>& fenced) {
  PartitionChanges changes;
  for (const auto& [partition, assignment] : desired) {
    if (held.contains(partition)) continue;
    auto refused = fenced.find(partition);
    if (refused != fenced.end() && assignment.epoch <= refused->second) continue;
    changes.start.push_back(partition);
  }
  for (uint32_t partition : held) {
    if (!desired.contains(partition)) changes.stop.push_back(partition);
  }
  return changes;
}

std::optional<wal::ReplicaView> snapshot_source(const wal::PartitionAssignment& assignment, std::string_view self,
                                                uint64_t through) {
  std::optional<wal::ReplicaView> best;
  auto rank = [](const wal::ReplicaView& replica) {
    return replica.state == static_cast<uint8_t>(wal::ReplicaState::ready) ? 2 : 1;
  };
  for (const wal::ReplicaView& replica : assignment.replicas) {
    const bool can_serve = replica.state == static_cast<uint8_t>(wal::ReplicaState::ready) ||
                           replica.state == static_cast<uint8_t>(wal::ReplicaState::leaving);
    if (!can_serve || replica.instance == self || replica.query_endpoint.empty() || replica.committed < through) continue;
    if (!best || rank(replica) > rank(*best) || (rank(replica) == rank(*best) && replica.committed > best->committed)) best = replica;
  }
  return best;
}

struct GroupMembership::State {
  std::mutex mutex;
  std::map<std::string, WalAnswer> answers;  // by WAL endpoint
  std::set<std::string> in_flight;           // WAL endpoints with a join not yet answered
};

GroupMembership::GroupMembership(WalClients wals, std::string group, std::string instance, std::string query_endpoint)
    : wals_(std::move(wals)),
      group_(std::move(group)),
      instance_(std::move(instance)),
      query_endpoint_(std::move(query_endpoint)),
      state_(std::make_shared<State>()) {}

void GroupMembership::join_if_due(SteadyClock::time_point now, const std::vector<wal::HeldShard>& held) {
  if (now < next_join_) return;
  next_join_ = now + wal::kJoinInterval;
  const std::string request = wal::encode(wal::JoinRequest{.query_endpoint = query_endpoint_, .held = held});
  for (bus::RequestClient* wal : wals_()) {
    const std::string endpoint = wal->endpoint();
    {
      std::lock_guard lock(state_->mutex);
      if (!state_->in_flight.insert(endpoint).second) continue;
    }
    bus::Header join = bus::make_header(bus::MessageType::join);
    join.consumer = group_;
    join.instance = instance_;
    std::vector<zmq::message_t> payload;
    payload.push_back(bus::frame_taking(std::string(request)));
    Status sent = wal->start_request(
        std::move(join), std::move(payload), {.timeout = wal::kJoinInterval, .attempts = 1},
        [state = state_, endpoint](Result<bus::Message> answer) {
          Result<wal::JoinReply> reply = Status(Code::internal, "");
          if (!answer) {
            reply = answer.status();
          } else if (answer->header.message_type() != bus::MessageType::join_reply || answer->payload.size() != 1) {
            reply = Status(Code::internal, "the WAL answered join with something else");
          } else {
            reply = wal::decode_join_reply(answer->payload[0].to_string_view());
          }
          std::lock_guard lock(state->mutex);
          state->in_flight.erase(endpoint);
          if (reply && reply->settling) {
            // Its assignment means nothing yet: what it assigned before stands.
            auto before = state->answers.find(endpoint);
            if (before != state->answers.end()) before->second.heard = SteadyClock::now();
          } else if (reply) {
            state->answers[endpoint] = WalAnswer{std::move(reply.value()), SteadyClock::now()};
          } else {
            log::debug("join not answered", {{"wal", endpoint}, {"error", reply.status().to_string()}});
          }
        });
    if (!sent.is_ok()) {
      std::lock_guard lock(state_->mutex);
      state_->in_flight.erase(endpoint);
    }
  }
}

std::map<uint32_t, wal::PartitionAssignment> GroupMembership::desired(SteadyClock::time_point now) const {
  std::vector<WalAnswer> answers;
  {
    std::lock_guard lock(state_->mutex);
    for (const auto& [endpoint, answer] : state_->answers) answers.push_back(answer);
  }
  return desired_partitions(answers, now);
}

}  // namespace spanline::indexer::group
