#pragma once
// The indexer's main object: one PartitionWorker per partition it indexes (WAL
// -> shard, exactly once) and the query server answering the api on reader
// threads. tick() runs index retention on the main thread, on its own
// read-write connection per shard (SQLite serializes it with the writer).
//
// Each partition is read from the WAL that owns it (protocol/wal/wal_map.h:
// --wal-endpoint lists one WAL or several). Which partitions it indexes:
// - static mode (--partitions set): those, for as long as it runs. They must
//   be below the WALs' partition count, learned from the WALs: start() waits a
//   moment for it; WALs not up yet are waited for in tick(), and the shards,
//   workers and query server open once they answer.
// - group mode (--partitions empty): what the WALs assign it
//   (group/membership.h), which changes as indexers come and go. tick() joins
//   the WALs, starts the partitions newly assigned (from the local shard, or
//   first copying a live replica's: group/snapshot_copy.h, at most kMaxCopies
//   at once, each on its own thread) and stops the ones taken away or fenced
//   (their shard files stay). A shard of its own that is behind (kept from
//   before a restart) goes on from its cursor while the WAL still holds what
//   follows; a worker that meets entries the WAL deleted before it read them
//   ends, and the shard is copied afresh from a replica that has them. The query server answers exactly the partitions
//   whose worker runs, and serves snapshots of them to other replicas.

#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "protocol/wal/wal_map.h"
#include "skeleton/run_stage.h"
#include "stages/indexer/group/membership.h"
#include "stages/indexer/group/snapshot_copy.h"
#include "stages/indexer/group/snapshot_source.h"
#include "stages/indexer/indexer_config.h"
#include "stages/indexer/partition_worker.h"
#include "stages/indexer/query/query_server.h"

namespace spanline::indexer {

// The partitions --partitions names ("0-3", "0,2"; empty when it names none:
// group mode); invalid_argument naming the option.
Result<std::vector<uint32_t>> owned_partitions(const IndexerConfig& config);
// The partitions to own given the WAL's count: --partitions', each below the
// count (failed_precondition naming both otherwise), or all of them.
Result<std::vector<uint32_t>> owned_partitions(const IndexerConfig& config, uint32_t wal_partitions);

// Snapshot copies a group member runs at once.
inline constexpr size_t kMaxCopies = 2;

class IndexerStage final : public stage::Stage {
 public:
  IndexerStage(const IndexerConfig& config, stage::StageServices services);
  ~IndexerStage() override;

  Status start() override;
  std::optional<int> tick() override;
  void stop() override;

 private:
  // A snapshot copy under way on its own thread.
  struct Copy {
    std::string source;  // the replica's instance
    std::atomic<bool> stopping{false};
    std::atomic<bool> done{false};
    Result<group::CopiedSnapshot> result = Status(Code::unavailable, "not finished");
    std::thread thread;
  };

  bool group_mode() const { return group_mode_; }
  // Static mode: opens the shards, workers and query server for the WAL's count.
  Status open_partitions(uint32_t wal_partitions);
  Status start_query_server(std::vector<uint32_t> partitions, group::SnapshotSource* snapshots);
  // Group mode, each tick: join, then match the workers and copies to the assignment.
  void follow_assignment();
  std::vector<wal::HeldShard> held_shards();
  void finish_copies(const std::map<uint32_t, wal::PartitionAssignment>& desired);
  void start_partition(uint32_t partition, const wal::PartitionAssignment& assignment);
  // Opens the partition's shard and starts its worker; false (logged) when the shard does not open.
  bool start_worker(uint32_t partition, uint64_t epoch, const char* how);
  // Starts copying the partition's shard from `source`; false when kMaxCopies are under way.
  bool start_copy(uint32_t partition, const wal::ReplicaView& source);
  // Workers that ended at a gap in the WAL: stopped, and marked for a fresh copy or to go on past it.
  void handle_gaps(const std::map<uint32_t, wal::PartitionAssignment>& desired);
  // A copy for a gap was made, or cannot be: the next worker reads past a gap where it starts.
  void end_recopy(uint32_t partition);
  void stop_partitions(const std::vector<uint32_t>& partitions);
  void publish_partitions(const std::map<uint32_t, wal::PartitionAssignment>& desired);
  void run_retention();
  std::vector<uint32_t> indexed_partitions() const;

  const IndexerConfig& config_;
  stage::StageServices services_;
  bool group_mode_ = false;
  std::vector<uint32_t> static_partitions_;
  std::unique_ptr<wal::WalMap> wals_;
  bool opened_ = false;
  std::unique_ptr<group::GroupMembership> membership_;
  std::unique_ptr<group::SnapshotSource> snapshots_;
  std::map<uint32_t, std::unique_ptr<PartitionWorker>> workers_;
  std::map<uint32_t, std::unique_ptr<Copy>> copies_;
  std::map<uint32_t, SteadyClock::time_point> copy_retry_at_;  // a failed copy is tried again after a pause
  std::map<uint32_t, uint64_t> fenced_;                        // partition -> the epoch at which its read was refused
  std::map<uint32_t, SteadyClock::time_point> fenced_at_;      // and when (a restarted WAL counts epochs afresh)
  std::map<uint32_t, wal::HeldShard> held_shards_;             // shard files here, their cursors and logs, told to the WALs
  // Met a gap the WAL cannot fill: copied afresh when started, from a replica that committed at least this.
  std::map<uint32_t, uint64_t> recopy_;
  // A copy was made for a gap, or none can be: its next worker reads past a gap where it starts.
  std::set<uint32_t> past_gaps_;
  std::unique_ptr<query::QueryServer> queries_;
  std::string published_;  // the last info published, to log changes once
  SteadyClock::time_point next_retention_;
};

}  // namespace spanline::indexer
