#pragma once
// Records each playground run (ok, failed or cancelled) in Spanline itself: one
// OTLP span of service `spanline-playground`, named "chat <model>", kind
// CLIENT, with the GenAI keys the indexer's LLM record reads (the prompt, the
// parameters, the answer, the usage), spanline.playground.user / .label /
// .provider, error.type and status ERROR when it did not end well, and a link to
// the span it was opened from. Appended to the WAL like any Export (the trace's
// partition by protocol/wal/partitions.h), so a run is searched, opened and
// compared like every other LLM call. Keys never appear in it: the span is built
// from the request and the answer, never from the HTTP call.
//
// Threads: record() from any thread; it blocks until the WAL synced the span or
// --wal-timeout-like 5 s passed.
// Failures: an append that fails is logged and counted (playground_record_failures),
// never reported to the run, which was answered already.

#include <memory>
#include <mutex>
#include <string>

#include "bus/context.h"
#include "bus/stats.h"
#include "stages/api/config/api_config.h"
#include "stages/api/playground/playground_request.h"

namespace spanline::wal {
class WalWriter;
}

namespace spanline::api::playground {

inline constexpr const char* kPlaygroundService = "spanline-playground";

// The run as a serialized ExportTraceServiceRequest holding its one span.
std::string run_span_export(const RunOutcome& run, const RunRequest& request, const std::string& user_email);

class RunRecorder {
 public:
  RunRecorder(bus::Context& context, const ApiConfig& config, bus::StatsRegistry& stats);
  ~RunRecorder();

  // OK when the WAL synced the run's span.
  Status record(const RunOutcome& run, const RunRequest& request, const std::string& user_email);

 private:
  wal::WalWriter& writer();

  bus::Context& context_;
  const ApiConfig& config_;
  std::atomic<uint64_t>& recorded_;
  std::atomic<uint64_t>& failures_;
  std::mutex mutex_;
  std::unique_ptr<wal::WalWriter> writer_;  // made at the first run: an api that never runs one holds no WAL socket
};

}  // namespace spanline::api::playground
