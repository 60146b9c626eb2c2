#include "stages/gateway/ingest.h"

#include "base/log.h"
#include "stages/gateway/request_cost.h"
#include "stages/gateway/span_trim.h"
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
IngestReply retryable(const Status& wal_status, std::chrono::milliseconds timeout, std::chrono::milliseconds retry_after) {
  switch (wal_status.code()) {
    case Code::resource_exhausted:
      return {Status(Code::resource_exhausted, "the pipeline is busy, retry later: " + wal_status.message()), 0, {},
              retry_after};
    case Code::deadline_exceeded:
      return {Status(Code::unavailable, "the WAL did not confirm the write within " + std::to_string(timeout.count()) +
                                            " ms; retry (the data may arrive twice, never zero times)"),
              0, {}, retry_after};
    default:
      return {Status(Code::unavailable, "the WAL could not store the data, retry later: " + wal_status.message()), 0, {},
              retry_after};
  }
}

std::string mebibytes(uint64_t bytes) {
  return std::to_string((bytes + (1 << 20) - 1) >> 20) + " MiB";
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

Ingest::Ingest(IngestOptions options, Authenticator& authenticator, wal::WalWriter& wal, bus::StatsRegistry& stats)
    : options_(options),
      authenticator_(authenticator),
      wal_(wal),
      requests_(stats.counter("requests")),
      spans_received_(stats.counter("spans_received")),
      spans_acked_(stats.counter("spans_acked")),
      spans_rejected_(stats.counter("spans_rejected")),
      spans_trimmed_(stats.counter("spans_trimmed")),
      log_records_acked_(stats.counter("log_records_acked")),
      metric_points_acked_(stats.counter("metric_points_acked")),
      refused_busy_(stats.counter("refused_busy")),
      refused_unauthenticated_(stats.counter("refused_unauthenticated")),
      refused_too_large_(stats.counter("refused_too_large")),
      wal_errors_(stats.counter("wal_errors")) {
  stats.gauge("bytes_in_flight", [this] { return static_cast<double>(bytes_in_flight_.load()); });
}

Status Ingest::check_credentials(RequestContext& context) {
  if (context.credentials_checked) return Status::ok();
  return record_credentials(authenticator_.check(context), context);
}

std::optional<Status> Ingest::check_credentials_without_waiting(RequestContext& context) {
  if (context.credentials_checked) return Status::ok();
  std::optional<Status> status = authenticator_.check_without_waiting(context);
  if (!status) return status;
  return record_credentials(std::move(*status), context);
}

Status Ingest::record_credentials(Status status, RequestContext& context) {
  if (!status.is_ok()) {
    refused_unauthenticated_.fetch_add(1, std::memory_order_relaxed);
    return status;
  }
  context.credentials_checked = true;
  return status;
}

IngestReply Ingest::refuse_busy() {
  refused_busy_.fetch_add(1, std::memory_order_relaxed);
  return {Status(Code::resource_exhausted, "the gateway already has " + std::to_string(bytes_in_flight_.load()) +
                                               " bytes of requests in hand (--max-bytes-in-flight); retry later"),
          0, {}, options_.busy_retry_after};
}

// The steps every request takes, in order: credentials (from the headers,
// before the body is looked at), size, parse cost (estimated from the bytes,
// without parsing), the in-flight reservation, the parse, then `then`.
template <typename Request, typename Then>
IngestReply Ingest::receive(size_t size, const std::function<Result<ParseCost>()>& estimate,
                            const std::function<Status(Request&)>& parse, const RequestContext& context, Then&& then) {
  requests_.fetch_add(1, std::memory_order_relaxed);
  RequestContext checked = context;
  if (Status auth = check_credentials(checked); !auth.is_ok()) return {auth, 0, {}, std::nullopt};
  if (size > options_.max_request_bytes) {
    refused_too_large_.fetch_add(1, std::memory_order_relaxed);
    return {Status(Code::invalid_argument, "the request is " + std::to_string(size) + " bytes; the limit is " +
                                               std::to_string(options_.max_request_bytes) +
                                               " (--max-request-bytes): send smaller batches"),
            0, {}, std::nullopt};
  }
  Result<ParseCost> cost = estimate();
  if (!cost) return {cost.status(), 0, {}, std::nullopt};
  if (cost->over_budget || cost->memory_bytes > options_.max_request_memory) {
    refused_too_large_.fetch_add(1, std::memory_order_relaxed);
    return {Status(Code::invalid_argument, "the request (" + std::to_string(size) + " bytes) would take more than " +
                                               mebibytes(options_.max_request_memory) +
                                               " of memory once parsed (--max-request-memory): send fewer spans, "
                                               "attributes or events per request"),
            0, {}, std::nullopt};
  }
  InFlight reservation(bytes_in_flight_, std::max<uint64_t>(size, cost->memory_bytes), options_.max_bytes_in_flight);
  if (!reservation.admitted()) return refuse_busy();
  Request request;
  if (Status parsed = parse(request); !parsed.is_ok()) return {parsed, 0, {}, std::nullopt};
  return then(request);
}

template <typename Request, typename Then>
IngestReply Ingest::receive_bytes(const std::string& bytes, const RequestContext& context, Then&& then) {
  const auto* type = Request::descriptor();
  return receive<Request>(
      bytes.size(), [&] { return estimate_protobuf_parse(bytes, type, options_.max_request_memory); },
      [&](Request& request) {
        if (request.ParseFromString(bytes)) return Status::ok();
        return Status(Code::invalid_argument, "the request is not a valid " + type->name() + " protobuf");
      },
      context, std::forward<Then>(then));
}

template <typename Request, typename Then>
IngestReply Ingest::receive_json(std::string_view text, JsonParser<Request> parse, const RequestContext& context,
                                 Then&& then) {
  return receive<Request>(
      text.size(), [&]() -> Result<ParseCost> { return estimate_json_parse(text); },
      [&](Request& request) { return parse(text, request); }, context, std::forward<Then>(then));
}

IngestReply Ingest::export_traces_bytes(std::string bytes, const RequestContext& context) {
  return receive_bytes<otlp_collector::ExportTraceServiceRequest>(
      bytes, context, [&](otlp_collector::ExportTraceServiceRequest& request) { return traces(request, std::move(bytes)); });
}

IngestReply Ingest::export_traces_json(std::string_view text, JsonParser<otlp_collector::ExportTraceServiceRequest> parse,
                                       const RequestContext& context) {
  return receive_json<otlp_collector::ExportTraceServiceRequest>(
      text, parse, context, [&](otlp_collector::ExportTraceServiceRequest& request) { return traces(request, {}); });
}

IngestReply Ingest::export_logs_bytes(const std::string& bytes, const RequestContext& context) {
  return receive_bytes<otlp_collector::ExportLogsServiceRequest>(
      bytes, context, [&](otlp_collector::ExportLogsServiceRequest& request) { return logs(request); });
}

IngestReply Ingest::export_logs_json(std::string_view text, JsonParser<otlp_collector::ExportLogsServiceRequest> parse,
                                     const RequestContext& context) {
  return receive_json<otlp_collector::ExportLogsServiceRequest>(
      text, parse, context, [&](otlp_collector::ExportLogsServiceRequest& request) { return logs(request); });
}

IngestReply Ingest::export_metrics_bytes(const std::string& bytes, const RequestContext& context) {
  return receive_bytes<otlp_collector::ExportMetricsServiceRequest>(
      bytes, context, [&](otlp_collector::ExportMetricsServiceRequest& request) { return metrics(request); });
}

IngestReply Ingest::export_metrics_json(std::string_view text,
                                        JsonParser<otlp_collector::ExportMetricsServiceRequest> parse,
                                        const RequestContext& context) {
  return receive_json<otlp_collector::ExportMetricsServiceRequest>(
      text, parse, context, [&](otlp_collector::ExportMetricsServiceRequest& request) { return metrics(request); });
}

IngestReply Ingest::traces(otlp_collector::ExportTraceServiceRequest& request, std::string original) {
  TrimReport trimmed = apply_span_limits(request, options_.span_limits);
  if (!trimmed.empty()) {
    original.clear();  // the spans changed: the parts are serialized anew
    spans_trimmed_.fetch_add(trimmed.spans_trimmed, std::memory_order_relaxed);
  }
  auto partitions = wal_.partitions();
  if (!partitions) return retryable(partitions.status(), options_.wal_timeout, options_.busy_retry_after);
  SplitTraces split = split_traces(request, *partitions, std::move(original));
  spans_received_.fetch_add(split.accepted + split.rejected, std::memory_order_relaxed);
  spans_rejected_.fetch_add(split.rejected, std::memory_order_relaxed);
  IngestReply reply{Status::ok(), split.rejected, split.rejected_message, std::nullopt};
  if (!trimmed.empty()) {
    reply.rejected_message += (reply.rejected_message.empty() ? "" : "; ") + trimmed.message(options_.span_limits);
  }
  if (split.parts.empty()) return reply;
  Status appended = wal_.append_all(std::move(split.parts), options_.wal_timeout);
  if (!appended.is_ok()) {
    wal_errors_.fetch_add(1, std::memory_order_relaxed);
    log::debug("export failed", {{"error", appended.to_string()}});
    return retryable(appended, options_.wal_timeout, options_.busy_retry_after);
  }
  spans_acked_.fetch_add(split.accepted, std::memory_order_relaxed);
  return reply;
}

IngestReply Ingest::logs(otlp_collector::ExportLogsServiceRequest& request) {
  uint64_t items = count_log_records(request);
  IngestReply reply = append_whole(bus::SignalKind::logs, request, items);
  if (reply.status.is_ok()) log_records_acked_.fetch_add(items, std::memory_order_relaxed);
  return reply;
}

IngestReply Ingest::metrics(otlp_collector::ExportMetricsServiceRequest& request) {
  uint64_t items = count_data_points(request);
  IngestReply reply = append_whole(bus::SignalKind::metrics, request, items);
  if (reply.status.is_ok()) metric_points_acked_.fetch_add(items, std::memory_order_relaxed);
  return reply;
}

// Log and metric requests are kept as received, whole, in one partition chosen
// round robin among those whose WAL answers: any partition will do, so one WAL
// host being down costs them nothing (with every WAL down, the round robin's
// choice fails retryably).
IngestReply Ingest::append_whole(bus::SignalKind kind, const google::protobuf::Message& request, uint64_t items) {
  if (items == 0) return {Status::ok(), 0, {}, std::nullopt};
  auto partitions = wal_.partitions();
  if (!partitions) return retryable(partitions.status(), options_.wal_timeout, options_.busy_retry_after);
  const uint64_t start = round_robin_.fetch_add(1);
  uint32_t chosen = static_cast<uint32_t>(start % *partitions);
  for (uint32_t i = 0; i < *partitions; ++i) {
    const auto candidate = static_cast<uint32_t>((start + i) % *partitions);
    if (wal_.map().owner_answering(candidate)) {
      chosen = candidate;
      break;
    }
  }
  wal::WalPart part;
  part.partition = chosen;
  part.kind = kind;
  part.items = items;
  request.SerializeToString(&part.bytes);
  std::vector<wal::WalPart> parts;
  parts.push_back(std::move(part));
  Status appended = wal_.append_all(std::move(parts), options_.wal_timeout);
  if (!appended.is_ok()) {
    wal_errors_.fetch_add(1, std::memory_order_relaxed);
    return retryable(appended, options_.wal_timeout, options_.busy_retry_after);
  }
  return {Status::ok(), 0, {}, std::nullopt};
}

}  // namespace spanline::gateway
