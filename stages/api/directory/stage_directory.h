#pragma once
// What the api knows about the running pipeline, learned only from the stats
// every stage publishes once a second: which instances are alive, their latest
// counters and gauges, the last 10 minutes of them (one sample a second), the
// last hour of the counters (one sample a minute, 61 at most), and which indexers
// answer each partition (from each indexer's `partitions`, `replica_states`,
// `query_endpoint` and `lag_seconds.p<N>`). There is no list of indexer
// addresses to keep in sync: they announce.
//
// Threads: observe() from the stats listener; everything else from HTTP
// threads. One mutex; readers get copies.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "bus/stats.h"

namespace spanline::api {

// Two publish intervals: an instance silent longer has missed a heartbeat
// (stale; pipeline_health.h), and is asked only after the fresh ones.
inline constexpr std::chrono::milliseconds kStaleAfter{2500};

struct StatsSample {
  int64_t unix_ms = 0;
  std::map<std::string, uint64_t> counters;
  std::map<std::string, double> gauges;
};

struct InstanceView {
  std::string stage;
  std::string instance;
  int32_t pid = 0;
  int64_t last_seen_unix_ms = 0;
  std::chrono::milliseconds silent_for{0};
  bus::StatsSnapshot latest;
  std::deque<StatsSample> history;  // oldest first, one per second at most
  std::deque<StatsSample> minutes;  // oldest first, one per minute, counters only
};

// One indexer that answers a partition, as it announces itself. `state` is the
// replica state it reports in `replica_states` ("ready" when it reports none:
// an indexer with a static --partitions answers its partitions as ready).
struct PartitionReplica {
  std::string instance;
  std::string endpoint;
  std::string state = "ready";
  std::optional<double> lag_seconds;  // its lag_seconds.p<N> gauge, when announced
  std::chrono::milliseconds silent_for{0};
};

// The replicas of each partition worth asking, best first (see query_replicas()).
using ReplicaCandidates = std::map<uint32_t, std::vector<PartitionReplica>>;

class StageDirectory {
 public:
  explicit StageDirectory(size_t history_seconds = 600) : history_seconds_(history_seconds) {}

  void observe(const bus::StatsSnapshot& snapshot);

  // The hour kept per instance: 61 samples a minute apart give 60 rates.
  static constexpr size_t kMinuteSamples = 61;

  // Every instance ever seen (with how long it has been silent).
  std::vector<InstanceView> instances(bool with_history) const;
  // Per partition, the indexers heard from within `max_silence` that answer it,
  // in the order a query should try them: a `building` replica is left out (it
  // is still copying its shard); ready before leaving; a fresh heartbeat (within
  // kStaleAfter) before a stale one; then the lower lag (unknown lag last);
  // then the one heard from last.
  ReplicaCandidates query_replicas(std::chrono::milliseconds max_silence) const;
  // The partition count to route by: the one the WAL announces in its stats
  // (remembered after the WAL falls silent: it never changes). `configured` is
  // the api's own --partitions (0: none): used until the WAL is heard, and
  // checked against the WAL's once it is. unavailable, with why, when there is
  // no count or the two differ (the message names both).
  Result<uint32_t> partition_count(uint32_t configured) const;
  // The count the WAL announces, if it has been heard.
  std::optional<uint32_t> announced_partitions() const;

 private:
  struct Entry {
    bus::StatsSnapshot latest;
    SteadyClock::time_point seen;
    std::deque<StatsSample> history;
    std::deque<StatsSample> minutes;
  };
  size_t history_seconds_;
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, Entry> entries_;
};

// "0,2,3" or "0-3" as announced by an indexer.
std::vector<uint32_t> parse_partition_list(const std::string& text);
// Replica states in the order they serve: ready (0), leaving (1), then building or unknown (2).
int replica_state_rank(const std::string& state);
// An indexer's `replica_states` ("0:ready,3:building") as partition -> state;
// malformed items are skipped.
std::map<uint32_t, std::string> parse_replica_states(const std::string& text);

}  // namespace spanline::api
