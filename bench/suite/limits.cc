#include "bench/suite/limits.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <vector>

#include "bench/loadgen/workload.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "stages/indexer/logs/log_decoder.h"
#include "stages/indexer/shard.h"
#include "stages/indexer/span_decoder.h"
#include "stages/wal/log_store.h"

namespace spanline::bench {
namespace {

using Clock = std::chrono::steady_clock;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
constexpr auto kPhase = std::chrono::milliseconds(1500);

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

double parse_limit(const std::string& bytes, int spans) {
  ExportTraceServiceRequest parsed;
  uint64_t iterations = 0;
  auto started = Clock::now();
  while (Clock::now() - started < kPhase) {
    parsed.ParseFromString(bytes);
    ++iterations;
  }
  return static_cast<double>(iterations) * spans / seconds_since(started);
}

double rocksdb_limit(const std::string& dir, const std::string& bytes, int spans, unsigned group) {
  auto store = wal::LogStore::open(dir + "/limit-wal");
  if (!store) return 0;
  uint64_t appended = 0;
  auto started = Clock::now();
  while (Clock::now() - started < kPhase) {
    std::vector<wal::AppendRecord> records;
    for (unsigned i = 0; i < group; ++i) {
      records.push_back({i % 4, {bus::SignalKind::traces, 0, static_cast<uint32_t>(spans)}, bytes, 0});
    }
    if (!(*store)->append(records).is_ok()) return 0;
    appended += group;
  }
  return static_cast<double>(appended) * spans / seconds_since(started);
}

// Decoded requests, renewed ids each time so every row is new.
std::vector<std::string> distinct_requests(const ExportTraceServiceRequest& request, size_t count) {
  std::vector<std::string> out;
  WorkloadShape unused;
  RequestFactory ids(unused, 99);
  ExportTraceServiceRequest copy = request;
  for (size_t i = 0; i < count; ++i) {
    ids.renew(copy);
    out.push_back(copy.SerializeAsString());
  }
  return out;
}

// One log record per span of `request`, correlated to it, as GenAI
// instrumentations send their operation details.
std::string logs_for(const std::string& trace_request) {
  ExportTraceServiceRequest spans;
  spans.ParseFromString(trace_request);
  opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest logs;
  auto* resource = logs.add_resource_logs();
  *resource->mutable_resource() = spans.resource_spans(0).resource();
  auto* scope = resource->add_scope_logs();
  const std::string messages = R"([{"role":"user","parts":[{"type":"text","content":")" + std::string(190, 'q') + R"("}]}])";
  for (const auto& rs : spans.resource_spans()) {
    for (const auto& ss : rs.scope_spans()) {
      for (const auto& span : ss.spans()) {
        auto* record = scope->add_log_records();
        record->set_time_unix_nano(span.end_time_unix_nano());
        record->set_severity_number(opentelemetry::proto::logs::v1::SEVERITY_NUMBER_INFO);
        record->set_event_name("gen_ai.client.inference.operation.details");
        record->set_trace_id(span.trace_id());
        record->set_span_id(span.span_id());
        record->mutable_body()->set_string_value("inference done");
        auto* kv = record->add_attributes();
        kv->set_key("gen_ai.input.messages");
        kv->mutable_value()->set_string_value(messages);
      }
    }
  }
  return logs.SerializeAsString();
}

// Decode + insert of spans with a logs entry (logs_for) after each request, in the same batches.
double mixed_limit(const std::string& path, const std::vector<std::string>& requests) {
  auto shard = indexer::Shard::open(path, 0);
  if (!shard) return 0;
  std::vector<std::string> logs;
  for (const auto& bytes : requests) logs.push_back(logs_for(bytes));
  uint64_t spans = 0, sequence = 0;
  std::vector<indexer::BatchEntry> batch;
  auto started = Clock::now();
  for (size_t i = 0; i < requests.size(); ++i) {
    std::vector<indexer::SpanRecord> records = indexer::decode_spans(requests[i]).value();
    spans += records.size();
    batch.push_back({++sequence, 1, std::move(records), {}});
    batch.push_back({++sequence, 1, {}, indexer::logs::decode_log_records(logs[i]).value()});
    if (batch.size() >= 100 || i + 1 == requests.size()) {
      (void)(*shard)->apply(batch, sequence);
      batch.clear();
    }
  }
  return static_cast<double>(spans) / seconds_since(started);
}

double sqlite_limit(const std::string& path, const std::vector<std::string>& requests, bool include_decode) {
  auto shard = indexer::Shard::open(path, 0);
  if (!shard) return 0;
  std::vector<std::vector<indexer::SpanRecord>> decoded;
  if (!include_decode) {
    for (const auto& bytes : requests) decoded.push_back(indexer::decode_spans(bytes).value());
  }
  uint64_t spans = 0, sequence = 0;
  std::vector<indexer::BatchEntry> batch;
  auto started = Clock::now();
  for (size_t i = 0; i < requests.size(); ++i) {
    std::vector<indexer::SpanRecord> records =
        include_decode ? indexer::decode_spans(requests[i]).value() : std::move(decoded[i]);
    spans += records.size();
    batch.push_back({++sequence, 1, std::move(records)});
    if (batch.size() == 50 || i + 1 == requests.size()) {
      (void)(*shard)->apply(batch, sequence);
      batch.clear();
    }
  }
  return static_cast<double>(spans) / seconds_since(started);
}

}  // namespace

double Limits::smallest() const {
  return std::min({parse_spans_per_core, rocksdb_group_commit, sqlite_insert});
}

Limits measure_limits(const std::string& scratch, const ExportTraceServiceRequest& request, unsigned group) {
  std::filesystem::create_directories(scratch);
  std::string bytes = request.SerializeAsString();
  int spans = 0;
  for (const auto& rs : request.resource_spans()) {
    for (const auto& ss : rs.scope_spans()) spans += ss.spans_size();
  }
  Limits limits;
  limits.parse_spans_per_core = parse_limit(bytes, spans);
  limits.rocksdb_group_commit = rocksdb_limit(scratch, bytes, spans, std::max(1u, group));
  // About 40,000 spans: enough for a steady figure, a few seconds at most.
  auto requests = distinct_requests(request, std::max<size_t>(20, 40'000 / static_cast<size_t>(std::max(spans, 1))));
  limits.sqlite_insert = sqlite_limit(scratch + "/limit-insert.sqlite", requests, false);
  limits.monolith = sqlite_limit(scratch + "/limit-monolith.sqlite", requests, true);
  limits.monolith_with_logs = mixed_limit(scratch + "/limit-monolith-logs.sqlite", requests);
  return limits;
}

}  // namespace spanline::bench
