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
// one is `building`, or `ready` at once when nothing serves the partition or
// it already holds the partition's shard up to the head (JoinRequest.held);
// a builder turns `ready` when it reports (its reads' `cs`, or its held
// shards) a committed sequence at the partition's head as of its adding. A
// replica no longer desired is dropped at once when it is not a live member
// or was still building (it serves nothing), else `leaving` until every
// desired replica is ready. Each change bumps the partition's epoch (epochs
// start at the WAL's start time in milliseconds, so they keep increasing
// across restarts) and is logged once.
//   Fencing: a member's reads carry an epoch (header `ep` > 0); such a read
//   from an instance that is not a replica of the partition is refused
//   (failed_precondition). Reads without one keep the PartitionLeases path;
//   the server decides which.
//   Retention: for a group with members the cursor is the lowest committed
//   sequence over the ready and leaving replicas and the building ones that
//   read from a cursor of their own; one still copying a snapshot holds at
//   the lowest serving cursor when it was added, for at most copy_hold_limit.
//   A member's read never moves it by itself.
//   Every member silent: the group listens again for a member timeout, as
//   after a start, then adopts the furthest shards.
//   Settling: for one member timeout after the WAL starts, joins are recorded
//   and answered `settling` (no assignment) and members' reads are let
//   through without fencing or lease, moving no retention cursor; then every
//   group is assigned at once. Otherwise, after a restart, the first member to
//   join again would be given every partition as a ready replica (nothing
//   serves them yet). With the same members as before, the assignment comes
//   out as before.
//
// Threads: the WAL's bus thread only.
// Limits: a group, once joined, is remembered until the WAL restarts.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
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
    std::chrono::milliseconds settle{0};   // after `started`: hear who is alive before assigning
    uint64_t first_epoch = 0;              // a partition's epoch before its first change
    // Leaving replicas stay this long after the new ones are ready
    // (kHandoverGrace in the WAL; 0 in tests of the rules alone).
    std::chrono::milliseconds handover{0};
    // A builder still copying holds retention (copy_hold) for at most this long after it
    // was added: a copy that never finishes must not fill the WAL's disk. Past it, what
    // retention deletes meanwhile reaches the builder as a gap, and it copies afresh.
    std::chrono::milliseconds copy_hold_limit{std::chrono::minutes(10)};
  };

  // `head_of(p)`: partition p's durable head now. `moves` counts replicas
  // added to a partition after its first assignment (stats partition_moves).
  GroupAssignment(Settings settings, Clock::time_point started, std::function<uint64_t(uint32_t)> head_of,
                  std::atomic<uint64_t>& moves);

  // A member's heartbeat: joins (or renews) it, rebalancing when it is new,
  // and answers with the partitions where it is a replica (or `settling`).
  JoinReply join(const std::string& group, const std::string& instance, const JoinRequest& request, Clock::time_point now);
  // Ends the settling once due; drops members silent for longer than the
  // member timeout. Call each turn.
  void expire(Clock::time_point now);

  // For a read that carries an epoch: OK for a replica of the partition and
  // while settling; failed_precondition naming the replicas otherwise.
  Status check_read(const std::string& group, const std::string& instance, uint32_t partition) const;
  // A replica's committed sequence, from its read.
  void note_read(const std::string& group, const std::string& instance, uint32_t partition, uint64_t committed);
  // Bounds on what joins may make a WAL hold (each group keeps a state per
  // owned partition and is walked every turn of the bus loop).
  static constexpr size_t kMaxGroups = 16;
  static constexpr size_t kMaxMembers = 1024;
  // OK when a join of `instance` to `group` fits those bounds (a known member
  // always does); resource_exhausted otherwise.
  Status admits(const std::string& group, const std::string& instance) const;
  // True once `group` has had a member: its retention follows its replicas.
  bool coordinated(const std::string& group) const;
  // For a coordinated group: the lowest committed sequence over the
  // partition's ready and leaving replicas and its builders with a cursor;
  // nullopt when it has none (then no cursor moves) or the group is not
  // coordinated.
  std::optional<uint64_t> retention_cursor(const std::string& group, uint32_t partition) const;

  // The first group by name as compact JSON (stats info `assignment`, read by
  // the api); "" when no group has joined.
  std::string assignment_json(Clock::time_point now) const;

 private:
  struct Member {
    std::string query_endpoint;
    std::map<uint32_t, uint64_t> held;  // partition -> committed, from its last join
    Clock::time_point last_join;
  };
  struct Replica {
    std::string instance;
    ReplicaState state = ReplicaState::building;
    uint64_t committed = 0;
    uint64_t ready_at = 0;  // building: the head when it was added
    Clock::time_point ready_since{};  // when it became ready (the epoch of the clock: long ago)
    // building: the lowest cursor of the serving replicas when it was added (at
    // ready_since). The snapshot it copies is usually taken from one of them, later,
    // so at or past this; until it reads from a cursor of its own, retention keeps
    // the entries after this one for it (for at most Settings::copy_hold_limit).
    uint64_t copy_hold = 0;
  };
  struct Partition {
    uint64_t epoch = 0;
    uint64_t moves = 0;
    bool assigned = false;  // has had replicas: later additions are moves
    std::vector<Replica> replicas;
  };
  struct Group {
    std::map<std::string, Member> members;  // live
    std::map<uint32_t, Partition> partitions;
    // After every member fell silent (this WAL lost its link, or its bus
    // thread stalled): listen for a member timeout again, as after a start, so
    // the first member back is not handed every partition with a stale shard.
    Clock::time_point listening_until{};
  };
  bool listening(const Group& group) const { return !settled_ || now_ < group.listening_until; }

  // Assigns every group once the settling time has passed.
  void settle_if_due(Clock::time_point now);
  void rebalance(const std::string& name, Group& group);
  std::vector<std::vector<std::string>> desired_replicas(const Group& group) const;
  // Moves partition's replicas toward `desired`; true when they changed.
  bool converge(const Group& group, uint32_t partition, Partition& state, const std::vector<std::string>& desired);
  // A replica reported `committed`: a builder that reached its goal is ready
  // (and the leaving ones may go); the change is logged.
  void note_committed(const std::string& name, const Group& group, uint32_t partition, Partition& state,
                      const std::string& instance, uint64_t committed);
  // Drops leaving replicas once the others have been ready for the handover
  // grace; true when some were.
  bool drop_leaving_when_covered(Partition& state, uint32_t desired_count) const;
  // A partition's first assignment since this WAL started: the members holding
  // its shard furthest along are its replicas already (ready), so a restarted
  // WAL neither hands a stale shard the answers nor makes a current one copy.
  void adopt_best_holders(const Group& group, uint32_t partition, Partition& state) const;
  uint32_t effective_replicas(const Group& group) const;
  void log_change(const std::string& group, uint32_t partition, const Partition& state) const;
  PartitionAssignment view(const Group& group, uint32_t partition, const Partition& state, ReplicaState asker) const;

  const Settings settings_;
  const std::function<uint64_t(uint32_t)> head_of_;
  std::atomic<uint64_t>& moves_;
  const Clock::time_point settled_at_;
  Clock::time_point now_{};  // the latest time given to join() or expire()
  bool settled_ = false;
  std::map<std::string, Group> groups_;
};

}  // namespace spanline::wal
