#include "stages/gateway/ingest.h"

#include "stages/common/log.h"
#include "stages/gateway/trace_split.h"

namespace spanline::gateway {

class Ingest::InFlight {
 public:
  InFlight(std::atomic<uint64_t>& counter, uint64_t bytes, uint64_t limit) : counter_(counter), bytes_(bytes) {
    uint64_t before = counter_.fetch_add(bytes_);
    // One request alone is always let through, so a big request can progress.
    admitted_ = before == 0 || before + bytes_ <= limit;
  }
  ~InFlight() { counter_.fetch_sub(bytes_); }
  bool admitted() const { return admitted_; }

 private:
  std::atomic<uint64_t>& counter_;
  uint64_t bytes_;
  bool admitted_ = false;
};

namespace {

// What a failed WAL append means to an OTLP client: retry later, never "done".
Status retryable(const Status& wal_status, std::chrono::milliseconds timeout) {
  switch (wal_status.code()) {
    case Code::resource_exhausted:
      return Status(Code::resource_exhausted, "the pipeline is busy, retry later: " + wal_status.message());
    case Code::deadline_exceeded:
      return Status(Code::unavailable, "the WAL did not confirm the write within " + std::to_string(timeout.count()) +
                                           " ms; retry (the data may arrive twice, never zero times)");
    default:
      return Status(Code::unavailable, "the WAL could not store the data, retry later: " + wal_status.message());
  }
}

Status busy(uint64_t in_flight) {
  return Status(Code::resource_exhausted, "the gateway already has " + std::to_string(in_flight) +
                                              " bytes waiting for the WAL; retry later");
}

uint64_t count_log_records(const otlp_collector::ExportLogsServiceRequest& request) {
  uint64_t n = 0;
  for (const auto& resource : request.resource_logs()) {
    for (const auto& scope : resource.scope_logs()) n += static_cast<uint64_t>(scope.log_records_size());
  }
  return n;
}

uint64_t count_data_points(const otlp_collector::ExportMetricsServiceRequest& request) {
  uint64_t n = 0;
  for (const auto& resource : request.resource_metrics()) {
    for (const auto& scope : resource.scope_metrics()) {
      for (const auto& metric : scope.metrics()) {
        n += static_cast<uint64_t>(metric.gauge().data_points_size() + metric.sum().data_points_size() +
                                   metric.histogram().data_points_size() +
                                   metric.exponential_histogram().data_points_size() +
                                   metric.summary().data_points_size());
      }
    }
  }
  return n;
}

}  // namespace

Ingest::Ingest(IngestOptions options, Authenticator& authenticator, WalWriter& wal, bus::StatsRegistry& stats)
    : options_(options),
      authenticator_(authenticator),
      wal_(wal),
      requests_(stats.counter("requests")),
      spans_received_(stats.counter("spans_received")),
      spans_acked_(stats.counter("spans_acked")),
      spans_rejected_(stats.counter("spans_rejected")),
      log_records_acked_(stats.counter("log_records_acked")),
      metric_points_acked_(stats.counter("metric_points_acked")),
      refused_busy_(stats.counter("refused_busy")),
      wal_errors_(stats.counter("wal_errors")) {
  stats.gauge("bytes_in_flight", [this] { return static_cast<double>(bytes_in_flight_.load()); });
}

IngestReply Ingest::export_traces(otlp_collector::ExportTraceServiceRequest& request, size_t request_bytes,
                                  const RequestContext& context) {
  return traces(request, request_bytes, {}, context);
}

IngestReply Ingest::export_traces_bytes(std::string bytes, const RequestContext& context) {
  otlp_collector::ExportTraceServiceRequest request;
  if (!request.ParseFromString(bytes)) {
    requests_.fetch_add(1, std::memory_order_relaxed);
    return {Status(Code::invalid_argument, "the request is not a valid ExportTraceServiceRequest protobuf"), 0, {}};
  }
  size_t size = bytes.size();
  return traces(request, size, std::move(bytes), context);
}

IngestReply Ingest::traces(otlp_collector::ExportTraceServiceRequest& request, size_t request_bytes,
                           std::string original, const RequestContext& context) {
  requests_.fetch_add(1, std::memory_order_relaxed);
  if (Status auth = authenticator_.check(context); !auth.is_ok()) return {auth, 0, {}};
  InFlight in_flight(bytes_in_flight_, request_bytes, options_.max_bytes_in_flight);
  if (!in_flight.admitted()) {
    refused_busy_.fetch_add(1, std::memory_order_relaxed);
    return {busy(bytes_in_flight_.load()), 0, {}};
  }
  SplitTraces split = split_traces(request, options_.partitions, std::move(original));
  spans_received_.fetch_add(split.accepted + split.rejected, std::memory_order_relaxed);
  spans_rejected_.fetch_add(split.rejected, std::memory_order_relaxed);
  IngestReply reply{Status::ok(), split.rejected, split.rejected_message};
  if (split.parts.empty()) return reply;
  Status appended = wal_.append_all(std::move(split.parts), options_.wal_timeout);
  if (!appended.is_ok()) {
    wal_errors_.fetch_add(1, std::memory_order_relaxed);
    log::debug("export failed", {{"error", appended.to_string()}, {"peer", context.peer}});
    return {retryable(appended, options_.wal_timeout), 0, {}};
  }
  spans_acked_.fetch_add(split.accepted, std::memory_order_relaxed);
  return reply;
}

IngestReply Ingest::export_logs(otlp_collector::ExportLogsServiceRequest& request, size_t request_bytes,
                                const RequestContext& context) {
  uint64_t items = count_log_records(request);
  IngestReply reply = append_whole(bus::SignalKind::logs, request, items, request_bytes, context);
  if (reply.status.is_ok()) log_records_acked_.fetch_add(items, std::memory_order_relaxed);
  return reply;
}

IngestReply Ingest::export_metrics(otlp_collector::ExportMetricsServiceRequest& request, size_t request_bytes,
                                   const RequestContext& context) {
  uint64_t items = count_data_points(request);
  IngestReply reply = append_whole(bus::SignalKind::metrics, request, items, request_bytes, context);
  if (reply.status.is_ok()) metric_points_acked_.fetch_add(items, std::memory_order_relaxed);
  return reply;
}

IngestReply Ingest::export_logs_bytes(const std::string& bytes, const RequestContext& context) {
  otlp_collector::ExportLogsServiceRequest request;
  if (!request.ParseFromString(bytes)) {
    return {Status(Code::invalid_argument, "the request is not a valid ExportLogsServiceRequest protobuf"), 0, {}};
  }
  return export_logs(request, bytes.size(), context);
}

IngestReply Ingest::export_metrics_bytes(const std::string& bytes, const RequestContext& context) {
  otlp_collector::ExportMetricsServiceRequest request;
  if (!request.ParseFromString(bytes)) {
    return {Status(Code::invalid_argument, "the request is not a valid ExportMetricsServiceRequest protobuf"), 0, {}};
  }
  return export_metrics(request, bytes.size(), context);
}

// Logs and metrics are kept as received, whole, in one partition chosen round
// robin: nothing indexes them yet, and they must not be lost meanwhile.
IngestReply Ingest::append_whole(bus::SignalKind kind, const google::protobuf::Message& request, uint64_t items,
                                 size_t request_bytes, const RequestContext& context) {
  requests_.fetch_add(1, std::memory_order_relaxed);
  if (Status auth = authenticator_.check(context); !auth.is_ok()) return {auth, 0, {}};
  if (items == 0) return {Status::ok(), 0, {}};
  InFlight in_flight(bytes_in_flight_, request_bytes, options_.max_bytes_in_flight);
  if (!in_flight.admitted()) {
    refused_busy_.fetch_add(1, std::memory_order_relaxed);
    return {busy(bytes_in_flight_.load()), 0, {}};
  }
  WalPart part;
  part.partition = static_cast<uint32_t>(round_robin_.fetch_add(1) % std::max<uint32_t>(1, options_.partitions));
  part.kind = kind;
  part.items = items;
  request.SerializeToString(&part.bytes);
  std::vector<WalPart> parts;
  parts.push_back(std::move(part));
  Status appended = wal_.append_all(std::move(parts), options_.wal_timeout);
  if (!appended.is_ok()) {
    wal_errors_.fetch_add(1, std::memory_order_relaxed);
    return {retryable(appended, options_.wal_timeout), 0, {}};
  }
  return {Status::ok(), 0, {}};
}

}  // namespace spanline::gateway
