#pragma once
// The protocol-independent heart of the gateway: both front ends (OTLP/gRPC and
// OTLP/HTTP) hand it a parsed Export request and get back what to tell the
// client. It checks credentials (auth seam), validates every span, splits the
// spans by partition, appends each part to the WAL and returns only when the WAL
// has acknowledged every part as synced, or with a retryable error.
//
// Threads: every method is safe to call from many front-end threads at once;
// each call blocks its caller until the WAL answers or the deadline passes.
// Limits: a request's size and its parse cost (estimated before parsing) are
// capped (invalid_argument past them: retrying cannot help); bytes in flight
// across all calls are capped (resource_exhausted with a retry delay).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "bus/header.h"
#include "bus/stats.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "protocol/span_limits.h"
#include "base/status.h"
#include "stages/gateway/authenticator.h"
#include "stages/gateway/request_cost.h"
#include "protocol/wal/wal_writer.h"

namespace spanline::gateway {

namespace otlp_collector {
using opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest;
using opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
}  // namespace otlp_collector

// What the front end tells the client. status not ok: the whole request failed
// (map the code to gRPC or HTTP; retry_after set means "retry after this long",
// sent as gRPC RetryInfo or HTTP Retry-After, the only form of RESOURCE_EXHAUSTED
// that the OTLP specification lets a client retry). status ok with a message:
// partial success (rejected spans, or spans trimmed to the span limits).
struct IngestReply {
  Status status;
  uint64_t rejected = 0;
  std::string rejected_message;
  std::optional<std::chrono::milliseconds> retry_after;
};

// The partition count is not here: the WAL owns it, and WalWriter knows it.
struct IngestOptions {
  uint64_t max_request_bytes = 16ULL << 20;
  // The most memory one request may take once parsed, estimated from its bytes
  // before parsing (request_cost.h); past it: invalid_argument, not retried.
  uint64_t max_request_memory = 128ULL << 20;
  // Bytes (or parse estimates, whichever is larger) of the requests being
  // handled at once; past it: resource_exhausted with a retry delay.
  uint64_t max_bytes_in_flight = 256ULL << 20;
  std::chrono::milliseconds wal_timeout{5000};
  std::chrono::milliseconds busy_retry_after{1000};
  SpanLimits span_limits;
};

// How a front end hands over a request: protobuf bytes, or OTLP/JSON text with
// the parser for it (the JSON mapping lives with the HTTP front end).
template <typename Request>
using JsonParser = Status (*)(std::string_view, Request&);

class Ingest {
 public:
  Ingest(IngestOptions options, Authenticator& authenticator, wal::WalWriter& wal, bus::StatsRegistry& stats);

  // The order every request goes through: credentials from the headers first
  // (nothing of the body is inflated or parsed for a client without them), then
  // the parse cost estimated from the bytes and reserved against the in-flight
  // budget, then the parse, the span limits, the split and the WAL append.
  //
  // A front end that must touch the body before handing it over (HTTP inflates
  // gzip) calls check_credentials first; it marks the context so the export
  // call does not check again.
  Status check_credentials(RequestContext& context);
  // check_credentials() when it can answer without waiting (no credentials,
  // a cached API key); nothing when it would have to wait. For threads that
  // must not block.
  std::optional<Status> check_credentials_without_waiting(RequestContext& context);

  IngestReply export_traces_bytes(std::string bytes, const RequestContext& context);
  IngestReply export_logs_bytes(const std::string& bytes, const RequestContext& context);
  IngestReply export_metrics_bytes(const std::string& bytes, const RequestContext& context);

  IngestReply export_traces_json(std::string_view text, JsonParser<otlp_collector::ExportTraceServiceRequest> parse,
                                 const RequestContext& context);
  IngestReply export_logs_json(std::string_view text, JsonParser<otlp_collector::ExportLogsServiceRequest> parse,
                               const RequestContext& context);
  IngestReply export_metrics_json(std::string_view text, JsonParser<otlp_collector::ExportMetricsServiceRequest> parse,
                                  const RequestContext& context);

  const IngestOptions& options() const { return options_; }

 private:
  // Reserves bytes of the in-flight budget for the life of one call.
  class InFlight;
  template <typename Request, typename Then>
  IngestReply receive(size_t size, const std::function<Result<ParseCost>()>& estimate,
                      const std::function<Status(Request&)>& parse, const RequestContext& context, Then&& then);
  template <typename Request, typename Then>
  IngestReply receive_bytes(const std::string& bytes, const RequestContext& context, Then&& then);
  template <typename Request, typename Then>
  IngestReply receive_json(std::string_view text, JsonParser<Request> parse, const RequestContext& context, Then&& then);
  IngestReply traces(otlp_collector::ExportTraceServiceRequest& request, std::string original);
  IngestReply logs(otlp_collector::ExportLogsServiceRequest& request);
  IngestReply metrics(otlp_collector::ExportMetricsServiceRequest& request);
  IngestReply append_whole(bus::SignalKind kind, const google::protobuf::Message& request, uint64_t items);
  IngestReply refuse_busy();
  // Counts a refusal and marks the context checked on success.
  Status record_credentials(Status status, RequestContext& context);

  IngestOptions options_;
  Authenticator& authenticator_;
  wal::WalWriter& wal_;
  std::atomic<uint64_t> bytes_in_flight_{0};
  std::atomic<uint64_t> round_robin_{0};
  std::atomic<uint64_t>& requests_;
  std::atomic<uint64_t>& spans_received_;
  std::atomic<uint64_t>& spans_acked_;
  std::atomic<uint64_t>& spans_rejected_;
  std::atomic<uint64_t>& spans_trimmed_;
  std::atomic<uint64_t>& log_records_acked_;
  std::atomic<uint64_t>& metric_points_acked_;
  std::atomic<uint64_t>& refused_busy_;
  std::atomic<uint64_t>& refused_unauthenticated_;
  std::atomic<uint64_t>& refused_too_large_;
  std::atomic<uint64_t>& wal_errors_;
};

}  // namespace spanline::gateway
