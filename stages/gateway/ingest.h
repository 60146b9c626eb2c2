#pragma once
// The protocol-independent heart of the gateway: both front ends (OTLP/gRPC and
// OTLP/HTTP) hand it a parsed Export request and get back what to tell the
// client. It checks credentials (auth seam), validates every span, splits the
// spans by partition, appends each part to the WAL and returns only when the WAL
// has acknowledged every part as synced, or with a retryable error.
//
// Threads: every method is safe to call from many front-end threads at once;
// each call blocks its caller until the WAL answers or the deadline passes.
// Limits: bytes in flight across all calls are capped; past the cap a call is
// refused at once with resource_exhausted.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "bus/header.h"
#include "bus/stats.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "stages/common/status.h"
#include "stages/gateway/authenticator.h"
#include "stages/gateway/wal_writer.h"

namespace spanline::gateway {

namespace otlp_collector {
using opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest;
using opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
}  // namespace otlp_collector

// What the front end tells the client. status not ok: the whole request failed
// (map the code to gRPC or HTTP). status ok with rejected > 0: partial success.
struct IngestReply {
  Status status;
  uint64_t rejected = 0;
  std::string rejected_message;
};

struct IngestOptions {
  uint32_t partitions = 4;
  uint64_t max_request_bytes = 16ULL << 20;
  uint64_t max_bytes_in_flight = 256ULL << 20;
  std::chrono::milliseconds wal_timeout{5000};
};

class Ingest {
 public:
  Ingest(IngestOptions options, Authenticator& authenticator, WalWriter& wal, bus::StatsRegistry& stats);

  // `request_bytes` is the size of the request as received (after decompression),
  // used for the in-flight budget.
  IngestReply export_traces(otlp_collector::ExportTraceServiceRequest& request, size_t request_bytes,
                            const RequestContext& context);
  IngestReply export_logs(otlp_collector::ExportLogsServiceRequest& request, size_t request_bytes,
                          const RequestContext& context);
  IngestReply export_metrics(otlp_collector::ExportMetricsServiceRequest& request, size_t request_bytes,
                             const RequestContext& context);

  // The same from the protobuf bytes as received (gRPC): a request that does not
  // parse is invalid_argument, and a request whose spans all go to one partition
  // is forwarded to the WAL byte for byte.
  IngestReply export_traces_bytes(std::string bytes, const RequestContext& context);
  IngestReply export_logs_bytes(const std::string& bytes, const RequestContext& context);
  IngestReply export_metrics_bytes(const std::string& bytes, const RequestContext& context);

  const IngestOptions& options() const { return options_; }

 private:
  // Reserves `bytes` of the in-flight budget for the life of one call.
  class InFlight;
  IngestReply traces(otlp_collector::ExportTraceServiceRequest& request, size_t request_bytes, std::string original,
                     const RequestContext& context);
  IngestReply append_whole(bus::SignalKind kind, const google::protobuf::Message& request, uint64_t items,
                           size_t request_bytes, const RequestContext& context);

  IngestOptions options_;
  Authenticator& authenticator_;
  WalWriter& wal_;
  std::atomic<uint64_t> bytes_in_flight_{0};
  std::atomic<uint64_t> round_robin_{0};
  std::atomic<uint64_t>& requests_;
  std::atomic<uint64_t>& spans_received_;
  std::atomic<uint64_t>& spans_acked_;
  std::atomic<uint64_t>& spans_rejected_;
  std::atomic<uint64_t>& log_records_acked_;
  std::atomic<uint64_t>& metric_points_acked_;
  std::atomic<uint64_t>& refused_busy_;
  std::atomic<uint64_t>& wal_errors_;
};

}  // namespace spanline::gateway
