#pragma once
// Who holds each partition, for the pipeline page and /metrics, judged from the
// stats in the StageDirectory: the WAL that owns it (each WAL's `owned_partitions`;
// absent or "" = all), its epoch, head and moves (the owning WAL's `assignment`,
// when a group has joined), and its replicas: those the assignment lists, with
// their state and committed sequence, plus the live indexers that announce the
// partition without being in an assignment (static --partitions indexers:
// ready), each with its lag (`lag_seconds.p<N>`).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "stages/api/directory/stage_directory.h"

namespace spanline::api {

struct ReplicaStatus {
  std::string instance;
  std::string state;                   // building, ready, leaving
  std::optional<double> lag_seconds;   // as the indexer announces it (absent: not heard)
  std::optional<uint64_t> committed;   // as the owning WAL last saw it (absent: no assignment)
  bool alive = false;                  // the indexer published stats within the stage timeout
};

struct PartitionStatus {
  uint32_t partition = 0;
  std::optional<std::string> wal;      // the owning WAL's instance
  std::optional<uint64_t> epoch, head, moves;  // from the owning WAL's assignment
  std::vector<ReplicaStatus> replicas;         // ready, then leaving, then building; by instance within
};

// Partitions 0..count-1 (the count a WAL announces; else as far as anyone claims one).
std::vector<PartitionStatus> partition_statuses(const std::vector<InstanceView>& instances, std::chrono::milliseconds stage_timeout);

}  // namespace spanline::api
