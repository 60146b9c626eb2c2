#include "stages/indexer/logs/log_decoder.h"

#include <algorithm>

#include "opentelemetry/proto/logs/v1/logs.pb.h"
#include "protocol/query/query_messages.h"
#include "stages/indexer/otlp_values.h"
#include "stages/indexer/span_bounds.h"

namespace spanline::indexer::logs {
namespace {

using nlohmann::json;
using opentelemetry::proto::common::v1::AnyValue;

// LogRecord's field numbers (proto/opentelemetry/proto/logs/v1/logs.proto).
constexpr MessageBounds kRecordBounds{.attributes_field = 6, .dropped_attributes_field = 7, .value_field = 5};

Status not_logs(const Status& why) {
  return Status(Code::invalid_argument, "WAL entry is not an ExportLogsServiceRequest (" + why.message() + ")");
}

int64_t clamped(uint64_t nanos) { return static_cast<int64_t>(std::min<uint64_t>(nanos, INT64_MAX)); }

// An id of exactly `size` bytes that is not all zero, else empty: OTLP
// leaves a log record's ids optional, and an invalid one means none.
std::string valid_id(const std::string& id, size_t size) {
  if (id.size() != size || std::all_of(id.begin(), id.end(), [](char c) { return c == 0; })) return {};
  return id;
}

void append_text(std::string& text, std::string_view part) {
  if (part.empty()) return;
  if (!text.empty()) text += '\n';
  text += part;
}

LogRecord make_record(const opentelemetry::proto::logs::v1::LogRecord& log, uint32_t index, const ResourceFacts& resource,
                      const ScopeFacts& scope) {
  LogRecord record;
  record.index = index;
  record.trace_id = valid_id(log.trace_id(), 16);
  record.span_id = record.trace_id.empty() ? std::string() : valid_id(log.span_id(), 8);
  record.observed_ns = clamped(log.observed_time_unix_nano());
  record.time_ns = log.time_unix_nano() != 0 ? clamped(log.time_unix_nano()) : record.observed_ns;
  record.severity_text = log.severity_text();
  record.severity_number = static_cast<int>(log.severity_number());
  if (record.severity_number == 0) record.severity_number = protocol::query::severity_named(record.severity_text);
  if (log.has_body()) {
    const json body = to_json(log.body());
    record.body_json = dump(body);
    append_text(record.text, body.is_string() ? body.get_ref<const std::string&>() : record.body_json);
  }
  record.attributes_json = dump(to_json(log.attributes()));
  record.event_name = log.event_name();
  if (record.event_name.empty()) {
    if (const AnyValue* name = find(log.attributes(), "event.name"); name != nullptr && name->has_string_value()) {
      record.event_name = name->string_value();
    }
  }
  append_text(record.text, record.event_name);
  for (const auto& kv : log.attributes()) {
    if (kv.value().has_string_value()) append_text(record.text, kv.value().string_value());
    else if (kv.value().has_array_value() || kv.value().has_kvlist_value()) append_text(record.text, dump(to_json(kv.value())));
  }
  record.flags = log.flags();
  record.dropped_attributes_count = log.dropped_attributes_count();
  record.service = resource.service;
  record.resource_json = resource.attributes_json;
  record.scope_json = scope.json;
  return record;
}

}  // namespace

Status for_each_log_record(std::string_view bytes, const SpanLimits& limits, const std::function<Status(LogRecord&&)>& each,
                           LogDecodeReport* report) {
  LogDecodeReport local;
  LogDecodeReport& counts = report != nullptr ? *report : local;
  std::string scratch;
  ResourceFacts resource;
  ScopeFacts scope;
  // One LogRecord object for the whole entry: protobuf reuses what it allocated.
  opentelemetry::proto::logs::v1::LogRecord log;
  uint32_t index = 0;
  MessageBounds bounds = kRecordBounds;
  bounds.max_attributes = limits.max_attributes_per_span;
  RequestVisitor visitor = resource_and_scope_visitor(limits, scratch, counts.resource_attributes_dropped, resource, scope);
  visitor.span = [&](std::string_view record_bytes) -> Status {
    MessageTrim trim;
    auto bounded = bound_message(record_bytes, bounds, limits, scratch, trim);
    if (!bounded) return bounded.status();
    if (trim.any()) {
      ++counts.records_trimmed;
      counts.attributes_dropped += trim.attributes;
      counts.bodies_dropped += trim.value_dropped ? 1 : 0;
    }
    if (!log.ParseFromArray(bounded->data(), static_cast<int>(bounded->size()))) {
      return Status(Code::invalid_argument, "a log record does not parse");
    }
    ++counts.records;
    return each(make_record(log, index++, resource, scope));
  };
  Status walked = walk_export_request(bytes, visitor);
  if (!walked.is_ok() && walked.code() == Code::invalid_argument) return not_logs(walked);
  return walked;
}

Result<std::vector<LogRecord>> decode_log_records(std::string_view bytes, const SpanLimits& limits) {
  std::vector<LogRecord> records;
  auto keep = [&records](LogRecord&& record) { return records.push_back(std::move(record)), Status::ok(); };
  if (Status decoded = for_each_log_record(bytes, limits, keep); !decoded.is_ok()) return decoded;
  return records;
}

size_t held_bytes(const LogRecord& record) {
  size_t bytes = sizeof(LogRecord);
  for (const std::string* text : {&record.trace_id, &record.span_id, &record.severity_text, &record.body_json, &record.attributes_json,
                                  &record.resource_json, &record.scope_json, &record.event_name, &record.service, &record.text}) {
    bytes += text->capacity();
  }
  return bytes;
}

}  // namespace spanline::indexer::logs
