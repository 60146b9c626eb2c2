#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "base/options.h"
#include "base/status.h"
#include "protocol/wal/group_membership.h"
#include "protocol/wal/partitions.h"
#include "skeleton/stage_config.h"

namespace spanline::wal {

inline constexpr stage::StageIdentity kWalIdentity{.name = "wal", .data_dir_use = "the log lives in <data-dir>/wal."};

// Every setting of the wal stage; register_options() documents each for --help and the README.
struct WalConfig : stage::StageConfig {
  WalConfig() : StageConfig(kWalIdentity) {}

  std::string endpoint{stage::default_endpoint::kWal};
  uint32_t partitions = 0;  // 0: the log's own count (wal::kDefaultPartitions for a new log)
  uint64_t max_pending_bytes = 256ULL << 20;
  uint64_t disk_budget_bytes = 16ULL << 30;
  uint64_t min_free_bytes = 256ULL << 20;  // room for two 64 MiB memtable flushes and the batches in flight
  std::chrono::milliseconds retention{std::chrono::hours(24)};
  std::chrono::milliseconds maintenance_interval{std::chrono::seconds(5)};
  uint64_t max_read_bytes = 8ULL << 20;
  std::chrono::milliseconds max_read_wait{std::chrono::seconds(1)};
  uint32_t max_parked_reads = 4096;
  // A consumer instance keeps its partitions this long after its last read
  // (PartitionLeases); longer than a read may wait, so a reader in a long-poll
  // never looks gone.
  std::chrono::milliseconds owner_lease{std::chrono::seconds(5)};
  // The partitions this WAL instance takes appends and reads for ("0-3",
  // "4,6"); empty: all of them. Checked against the count at start.
  std::string owned_partitions;
  // Group assignment (GroupAssignment): how many members of a joined group
  // index each partition, and how long a member may be silent before its
  // partitions go to the others.
  uint32_t index_replicas = 1;
  std::chrono::milliseconds member_timeout{std::chrono::seconds(5)};

  void register_options(Options& options) {
    register_common_options(options);
    options.add("wal-endpoint", &endpoint, "Bus endpoint the WAL binds (ROUTER) for appends and reads.")
        .add("partitions", &partitions,
             "Partition count of a new log (0: " + std::to_string(kDefaultPartitions) + "); the WAL stores it on first start and announces it to every stage. An existing log keeps its count: a different value here stops the WAL at start.")
        .add("wal-max-pending-bytes", &max_pending_bytes, "Bytes of appends that may wait for the disk before appends are refused (RESOURCE_EXHAUSTED).")
        .add("wal-disk-budget", &disk_budget_bytes, "Disk the log may use; past it appends are refused until consumers catch up (near it, consumed entries are deleted before their retention ends).")
        .add("wal-min-free-bytes", &min_free_bytes, "Free disk the WAL leaves on its filesystem; below it appends are refused (RESOURCE_EXHAUSTED, disk full) until space returns.")
        .add("wal-retention", &retention, "How long entries are kept after every consumer committed them.")
        .add("wal-maintenance-interval", &maintenance_interval, "How often retention runs and the disk size is measured.")
        .add("wal-max-read-bytes", &max_read_bytes, "Largest read reply the WAL sends.")
        .add("wal-max-read-wait", &max_read_wait, "Longest a read is held open waiting for new entries.")
        .add("wal-max-parked-reads", &max_parked_reads, "Reads that may wait for new entries at once.")
        .add("wal-owner-lease", &owner_lease,
             "How long a consumer instance (an indexer) keeps a partition after its last read; another instance of its group reading it sooner is refused (failed_precondition). Must exceed --wal-max-read-wait.")
        .add("owned-partitions", &owned_partitions,
             "Partitions this WAL instance owns, as a list (0-3 or 0,2,5); empty: all. Appends and reads for others are refused (UNAVAILABLE) so senders go to the owner; every reply announces the list. Each WAL of a deployment owns a different set, together all.")
        .add("index-replicas", &index_replicas,
             "How many indexers of a joined group index each partition this WAL owns (capped at the group's live members); with 2, one indexer down costs no answers.")
        .add("wal-member-timeout", &member_timeout,
             "How long an indexer of a joined group may go without joining again before its partitions go to the others (the failover bound is about this plus a join interval); also how long a starting WAL hears from the members before it assigns. Must exceed --wal-max-read-wait.");
  }

  void resolve() { resolve_endpoints({&endpoint}); }
  Status check() const {
    if (owner_lease <= max_read_wait) {
      return Status(Code::invalid_argument, "--wal-owner-lease must exceed --wal-max-read-wait: an owner waiting on a read would lose its partitions");
    }
    if (member_timeout <= max_read_wait) {
      return Status(Code::invalid_argument, "--wal-member-timeout must exceed --wal-max-read-wait: a member waiting on a read would lose its partitions");
    }
    if (member_timeout < 2 * kJoinInterval) {
      return Status(Code::invalid_argument, "--wal-member-timeout must be at least two join intervals (" +
                                                std::to_string(2 * kJoinInterval.count()) + " ms): one late join must not cost a member its partitions");
    }
    if (index_replicas == 0) return Status(Code::invalid_argument, "--index-replicas must be at least 1");
    return Status::ok();
  }
  std::string log_path() const { return data_dir + "/wal"; }
};

}  // namespace spanline::wal
