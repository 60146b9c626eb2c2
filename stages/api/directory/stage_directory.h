#pragma once
// What the api knows about the running pipeline, learned only from the stats
// every stage publishes once a second: which instances are alive, their latest
// counters and gauges, the last 10 minutes of them (one sample a second), the
// last hour of the counters (one sample a minute, 61 at most), and which indexer owns
// which partition (from each indexer's `partitions` and `query_endpoint`).
// There is no list of indexer addresses to keep in sync: they announce.
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

struct PartitionOwner {
  std::string instance;
  std::string endpoint;
};

class StageDirectory {
 public:
  explicit StageDirectory(size_t history_seconds = 600) : history_seconds_(history_seconds) {}

  void observe(const bus::StatsSnapshot& snapshot);

  // The hour kept per instance: 61 samples a minute apart give 60 rates.
  static constexpr size_t kMinuteSamples = 61;

  // Every instance ever seen (with how long it has been silent).
  std::vector<InstanceView> instances(bool with_history) const;
  // Owners of partitions among indexers heard from within `max_silence`.
  std::map<uint32_t, PartitionOwner> live_owners(std::chrono::milliseconds max_silence) const;
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

}  // namespace spanline::api
