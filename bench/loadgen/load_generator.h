#pragma once
// spanline-loadgen's engine: asynchronous OTLP/gRPC Exports over several
// connections with a bounded number in flight, open throttle or a target rate,
// for a duration. At a target rate, latency counts from when each request was
// due, not when a slot freed up, so a stalled server cannot hide its stall
// (no coordinated omission). Optionally samples end-to-end lag: Export
// acknowledged -> trace visible through the api.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "bench/loadgen/workload.h"

namespace spanline::bench {

struct LoadConfig {
  std::string target = "127.0.0.1:50051";
  std::string api_key;
  uint32_t connections = 4;
  uint32_t concurrency = 16;          // Exports in flight at once
  double rate = 0;                    // Export requests per second; 0: as fast as the server answers
  std::chrono::milliseconds duration{std::chrono::seconds(10)};
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  WorkloadShape shape;
  // Lag sampling through the api (127.0.0.1:lag_api_port) with a session cookie; 0 turns it off.
  int lag_api_port = 0;
  std::string lag_cookie;
  double lag_samples_per_second = 5;
};

struct LoadReport {
  std::string workload;
  double seconds = 0;
  uint64_t requests_ok = 0;
  uint64_t spans_ok = 0;
  double requests_per_second = 0;
  double spans_per_second = 0;
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0;
  std::map<std::string, uint64_t> errors;  // gRPC status code name -> count
  uint64_t lag_samples = 0;
  uint64_t lag_timeouts = 0;
  double lag_p50_ms = 0, lag_p99_ms = 0;

  nlohmann::json to_json() const;
  std::string to_text() const;
};

LoadReport run_load(const LoadConfig& config);

}  // namespace spanline::bench
