#pragma once
// Which members of a consumer group index which of this WAL's partitions: the
// WAL side of protocol/wal/group_membership.h. This WAL is the one authority
// for the partitions it owns, so the assignment needs no consensus: it is
// decided here and enforced on the reads this WAL serves (fencing).
//
// How it works: a group's members are the instances that sent `join` within
// the member timeout. Each membership change recomputes the desired replicas
// of every owned partition by bounded-load rendezvous hashing: R = min(
// --index-replicas, members); each member may take ceil(owned*R/members)
// partitions (floor for all but owned*R mod members of them, so loads differ
// by at most one); partitions in order, each takes the members in rendezvous
// order (a hash of partition and instance) that still have room, except that a
// member whose room equals the partitions left is taken first (so the last
// partitions always find R distinct members). Deterministic, and a change of
// members moves few partitions.
//   The replicas then move toward the desired ones, make-before-break: a new
// one is `building` (or `ready` at once when nothing serves the partition);
// it turns `ready` when it reports (header `cs` of its reads) a committed
// sequence at the partition's head as of its adding. A replica no longer
// desired is dropped at once when it is not a live member or was still
// building (it serves nothing), else `leaving` until every desired replica is
// ready. Each change bumps the partition's epoch and is logged once.
//   Fencing: a read by an instance that has joined the group but is not a
//   replica of the partition is refused (failed_precondition). Instances that
//   never joined keep the PartitionLeases path.
//   Retention: for a coordinated group the cursor is the lowest committed
//   sequence over the ready and leaving replicas (building ones copy a
//   snapshot and do not hold the log back).
//
// Threads: the WAL's bus thread only.
// Limits: the instances ever joined are remembered per group until the WAL
// restarts (an instance fenced once stays fenced until it joins again).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "protocol/wal/group_membership.h"

namespace spanline::wal {

class GroupAssignment {
 public:
  using Clock = std::chrono::steady_clock;

  struct Settings {
    std::string wal_instance;              // named in join replies
    std::vector<uint32_t> owned;           // the partitions this WAL assigns
    uint32_t replicas = 1;                 // --index-replicas
    std::chrono::milliseconds member_timeout{std::chrono::seconds(5)};
  };

  // `head_of(p)`: partition p's durable head now. `moves` counts replicas
  // added to a partition after its first assignment (stats partition_moves).
  GroupAssignment(Settings settings, std::function<uint64_t(uint32_t)> head_of, std::atomic<uint64_t>& moves);

  // A member's heartbeat: joins (or renews) it, rebalancing when it is new,
  // and answers with the partitions where it is a replica.
  JoinReply join(const std::string& group, const std::string& instance, const std::string& query_endpoint,
                 Clock::time_point now);
  // Drops members silent for longer than the member timeout; call each turn.
  void expire(Clock::time_point now);

  // True when `instance` has joined `group`: its reads are fenced by the
  // assignment instead of PartitionLeases.
  bool joined(const std::string& group, const std::string& instance) const;
  // OK for a replica of the partition and for instances that never joined the
  // group; failed_precondition naming the replicas otherwise.
  Status check_read(const std::string& group, const std::string& instance, uint32_t partition) const;
  // A joined replica's committed sequence, from its read.
  void note_read(const std::string& group, const std::string& instance, uint32_t partition, uint64_t committed);
  // For a group with members ever: the lowest committed sequence over the
  // partition's ready and leaving replicas; nullopt when it has none or the
  // group never had members (then the reader's own `cs` counts).
  std::optional<uint64_t> retention_cursor(const std::string& group, uint32_t partition) const;
  bool coordinated(const std::string& group) const;

  // The first coordinated group by name as compact JSON (stats info
  // `assignment`, read by the api); "" when no group ever joined.
  std::string assignment_json(Clock::time_point now) const;

 private:
  struct Member {
    std::string query_endpoint;
    Clock::time_point last_join;
  };
  struct Replica {
    std::string instance;
    ReplicaState state = ReplicaState::building;
    uint64_t committed = 0;
    uint64_t ready_at = 0;  // building: the head when it was added
  };
  struct Partition {
    uint64_t epoch = 0;
    uint64_t moves = 0;
    bool assigned = false;  // has had replicas: later additions are moves
    std::vector<Replica> replicas;
  };
  struct Group {
    std::map<std::string, Member> members;  // live
    std::set<std::string> joined;           // ever
    std::map<uint32_t, Partition> partitions;
  };

  void rebalance(const std::string& name, Group& group);
  std::vector<std::vector<std::string>> desired_replicas(const Group& group) const;
  // Moves partition's replicas toward `desired`; true when they changed.
  bool converge(const Group& group, uint32_t partition, Partition& state, const std::vector<std::string>& desired);
  // Drops leaving replicas once the others are ready; true when some were.
  bool drop_leaving_when_covered(Partition& state, uint32_t desired_count) const;
  uint32_t effective_replicas(const Group& group) const;
  void log_change(const std::string& group, uint32_t partition, const Partition& state) const;
  PartitionAssignment view(const Group& group, uint32_t partition, const Partition& state, ReplicaState asker) const;

  const Settings settings_;
  const std::function<uint64_t(uint32_t)> head_of_;
  std::atomic<uint64_t>& moves_;
  std::map<std::string, Group> groups_;
};

}  // namespace spanline::wal
