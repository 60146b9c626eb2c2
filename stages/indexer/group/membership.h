#pragma once
// A group-mode indexer's side of the membership protocol
// (protocol/wal/group_membership.h): joins every WAL each kJoinInterval and
// turns their answers into the partitions this indexer should index.
//
// How it works: join_if_due() sends `join` (with the shards this member
// holds and their cursors) to each WAL that has no join in flight; each answer
// is kept per WAL with when it came. desired() is the union of the WALs' last
// answers; a WAL that stops answering keeps its last answer's partitions: past
// its member timeout they are announced `leaving`, not dropped. The WAL is the
// only authority over its partitions, so while it is down nobody takes them
// over, and dropping them would leave the api without a replica (partial
// answers); if only this member lost the WAL, the WAL has given them to others,
// whom the api prefers as ready. A WAL still settling after its start
// answers nothing meaningful: its previous answer stands (renewed), or, with
// none, it assigns nothing yet.
//
// The decisions are pure functions below (desired_partitions, diff_partitions,
// snapshot_source), so they can be tested without processes.
//
// Threads: join_if_due() and desired() from any thread; answers arrive on the
// WAL clients' I/O threads (the state they write is shared, so an answer that
// comes after this object is gone is harmless).

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "bus/request_client.h"
#include "protocol/wal/group_membership.h"

namespace spanline::indexer::group {

// When a WAL's reply does not say its member timeout.
inline constexpr std::chrono::milliseconds kDefaultMemberTimeout{5000};

// One WAL's last answer and when it came.
struct WalAnswer {
  wal::JoinReply reply;
  SteadyClock::time_point heard;
};

// The union of the WALs' last answers; those of a WAL silent past its member
// timeout at `now` with the state `leaving`.
std::map<uint32_t, wal::PartitionAssignment> desired_partitions(const std::vector<WalAnswer>& answers, SteadyClock::time_point now);

struct PartitionChanges {
  std::vector<uint32_t> start;  // desired, not held, not fenced at this epoch
  std::vector<uint32_t> stop;   // held, no longer desired
};
// `held`: partitions with a worker or a copy under way; `fenced`: partition ->
// the epoch at which the WAL refused it (it is taken again only at a later epoch).
PartitionChanges diff_partitions(const std::map<uint32_t, wal::PartitionAssignment>& desired, const std::set<uint32_t>& held,
                                 const std::map<uint32_t, uint64_t>& fenced);

// The replica to copy a partition's shard from: another instance than `self`
// with a query endpoint that has committed at least `through`, ready before
// leaving, then the most committed. None when there is none (the partition is
// then built from the WAL).
std::optional<wal::ReplicaView> snapshot_source(const wal::PartitionAssignment& assignment, std::string_view self,
                                                uint64_t through = 0);

class GroupMembership {
 public:
  using WalClients = std::function<std::vector<bus::RequestClient*>()>;

  GroupMembership(WalClients wals, std::string group, std::string instance, std::string query_endpoint);

  void join_if_due(SteadyClock::time_point now, const std::vector<wal::HeldShard>& held);
  std::map<uint32_t, wal::PartitionAssignment> desired(SteadyClock::time_point now) const;

 private:
  struct State;

  WalClients wals_;
  std::string group_;
  std::string instance_;
  std::string query_endpoint_;
  SteadyClock::time_point next_join_{};
  std::shared_ptr<State> state_;
};

}  // namespace spanline::indexer::group
