#pragma once
// Every stage publishes its counters once a second (PUB, connecting to the api's
// SUB), so the api can show the pipeline, serve /metrics and find the indexers.
// With several apis the stage's --stats-endpoint lists each one's ("a,b"): one
// PUB socket connects to all of them, so every api gets every stage's stats.
// Frames: [header type=stats][msgpack StatsSnapshot]. PUB drops when nobody
// listens or the listener is slow: stats are never worth blocking a stage for.
//
// Threads: StatsRegistry is filled at start-up (counter(), gauge(), set_info())
// and then read and bumped from any thread; StatsPublisher runs its own thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <msgpack.hpp>
#include <zmq.hpp>

#include "bus/context.h"

#include "base/status.h"

namespace spanline::bus {

struct StatsSnapshot {
  std::string stage;
  std::string instance;
  int32_t pid = 0;
  int64_t unix_ms = 0;
  std::map<std::string, uint64_t> counters;  // only ever grow
  std::map<std::string, double> gauges;      // current values
  std::map<std::string, std::string> info;   // endpoints, owned partitions, version
  MSGPACK_DEFINE_MAP(stage, instance, pid, unix_ms, counters, gauges, info)
};

class StatsRegistry {
 public:
  std::atomic<uint64_t>& counter(const std::string& name);
  void gauge(const std::string& name, std::function<double()> read);
  void set_info(const std::string& key, const std::string& value);
  StatsSnapshot snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<std::atomic<uint64_t>>> counters_;
  std::map<std::string, std::function<double()>> gauges_;
  std::map<std::string, std::string> info_;
};

class StatsPublisher {
 public:
  // `endpoints`: one endpoint or a comma-separated list (bus::parse_endpoint_list);
  // throws std::invalid_argument for a bad list and zmq::error_t for a bad
  // endpoint (start-up only).
  StatsPublisher(bus::Context& context, const std::string& endpoints, std::string stage, std::string instance,
                 const StatsRegistry& registry, std::chrono::milliseconds interval = std::chrono::seconds(1));
  ~StatsPublisher();

 private:
  void run();

  zmq::socket_t socket_;  // made and connected in the constructor, then used only by the thread
  std::string stage_;
  std::string instance_;
  const StatsRegistry& registry_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

std::string encode_stats(const StatsSnapshot& snapshot);
Result<StatsSnapshot> decode_stats(const void* data, size_t size);

// Resident memory of this process in bytes (from /proc), for the rss gauge.
double resident_memory_bytes();

}  // namespace spanline::bus
