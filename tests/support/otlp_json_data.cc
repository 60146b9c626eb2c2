#include "tests/support/otlp_json_data.h"

#include <cctype>

#include <nlohmann/json.hpp>

#include "base/hex.h"

namespace spanline::testing {
namespace {

using nlohmann::json;
using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;

std::string hex_id(const std::string& bytes, const OtlpJsonOptions& options) {
  std::string hex = to_hex(bytes);
  if (options.upper_case_ids) {
    for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return hex;
}

json value_of(const AnyValue& value);

json attributes_of(const google::protobuf::RepeatedPtrField<KeyValue>& attributes) {
  json out = json::array();
  for (const auto& kv : attributes) out.push_back({{"key", kv.key()}, {"value", value_of(kv.value())}});
  return out;
}

json value_of(const AnyValue& value) {
  switch (value.value_case()) {
    case AnyValue::kStringValue: return {{"stringValue", value.string_value()}};
    case AnyValue::kBoolValue: return {{"boolValue", value.bool_value()}};
    case AnyValue::kIntValue: return {{"intValue", std::to_string(value.int_value())}};
    case AnyValue::kDoubleValue: return {{"doubleValue", value.double_value()}};
    case AnyValue::kArrayValue: {
      json values = json::array();
      for (const auto& item : value.array_value().values()) values.push_back(value_of(item));
      return {{"arrayValue", {{"values", values}}}};
    }
    case AnyValue::kKvlistValue: return {{"kvlistValue", {{"values", attributes_of(value.kvlist_value().values())}}}};
    default: return json::object();
  }
}

void put(google::protobuf::RepeatedPtrField<KeyValue>* attributes, const std::string& key, const std::string& value) {
  auto* kv = attributes->Add();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}

}  // namespace

std::string to_otlp_json(const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request,
                         const OtlpJsonOptions& options) {
  json resource_spans = json::array();
  for (const auto& rs : request.resource_spans()) {
    json scope_spans = json::array();
    for (const auto& ss : rs.scope_spans()) {
      json spans = json::array();
      for (const auto& s : ss.spans()) {
        json span = {{"traceId", hex_id(s.trace_id(), options)},
                     {"spanId", hex_id(s.span_id(), options)},
                     {"name", s.name()},
                     {"kind", static_cast<int>(s.kind())},
                     {"startTimeUnixNano", std::to_string(s.start_time_unix_nano())},
                     {"endTimeUnixNano", std::to_string(s.end_time_unix_nano())},
                     {"attributes", attributes_of(s.attributes())}};
        if (s.has_status()) span["status"] = {{"code", static_cast<int>(s.status().code())}, {"message", s.status().message()}};
        if (!s.parent_span_id().empty()) span["parentSpanId"] = hex_id(s.parent_span_id(), options);
        if (!s.trace_state().empty()) span["traceState"] = s.trace_state();
        json events = json::array();
        for (const auto& e : s.events()) {
          events.push_back(
              {{"timeUnixNano", std::to_string(e.time_unix_nano())}, {"name", e.name()}, {"attributes", attributes_of(e.attributes())}});
        }
        if (!events.empty()) span["events"] = events;
        json links = json::array();
        for (const auto& l : s.links()) {
          links.push_back({{"traceId", hex_id(l.trace_id(), options)},
                           {"spanId", hex_id(l.span_id(), options)},
                           {"attributes", attributes_of(l.attributes())}});
        }
        if (!links.empty()) span["links"] = links;
        spans.push_back(std::move(span));
      }
      json scope = {{"name", ss.scope().name()}};
      if (!ss.scope().version().empty()) scope["version"] = ss.scope().version();
      if (ss.scope().attributes_size() > 0) scope["attributes"] = attributes_of(ss.scope().attributes());
      scope_spans.push_back({{"scope", scope}, {"spans", spans}});
    }
    resource_spans.push_back({{"resource", {{"attributes", attributes_of(rs.resource().attributes())}}}, {"scopeSpans", scope_spans}});
  }
  return json{{"resourceSpans", resource_spans}}.dump(2);
}

opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest example_trace_request() {
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
  auto* rs = request.add_resource_spans();
  put(rs->mutable_resource()->mutable_attributes(), "service.name", "spanline.example");
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("spanline.example.library");
  ss->mutable_scope()->set_version("2.3.4");
  put(ss->mutable_scope()->mutable_attributes(), "example.scope.attribute", "scope value");
  auto* span = ss->add_spans();
  span->set_trace_id(*from_hex("a1b2c3d4e5f60718293a4b5c6d7e8f90"));
  span->set_span_id(*from_hex("c0ffee0000000002"));
  span->set_parent_span_id(*from_hex("c0ffee0000000001"));
  span->set_name("GET /orders");
  span->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
  span->set_start_time_unix_nano(1'700'000'000'000'000'000ULL);
  span->set_end_time_unix_nano(1'700'000'000'250'000'000ULL);
  put(span->mutable_attributes(), "example.span.attribute", "span value");
  return request;
}

std::string example_logs_json() {
  return R"({"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"spanline.example"}}]},
  "scopeLogs":[{"scope":{"name":"spanline.example.logger","version":"1.0.0"},"logRecords":[{
    "timeUnixNano":"1700000000000000000","observedTimeUnixNano":"1700000000000100000","severityNumber":9,"severityText":"INFO",
    "traceId":"A1B2C3D4E5F60718293A4B5C6D7E8F90","spanId":"C0FFEE0000000002",
    "body":{"stringValue":"order 42 shipped"},
    "attributes":[{"key":"order.id","value":{"intValue":"42"}},{"key":"order.express","value":{"boolValue":true}}]}]}]}]})";
}

std::string example_metrics_json() {
  return R"({"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"spanline.example"}}]},
  "scopeMetrics":[{"scope":{"name":"spanline.example.meter","version":"1.0.0"},"metrics":[
    {"name":"queue.depth","unit":"1","description":"items waiting","gauge":{"dataPoints":[
      {"timeUnixNano":"1700000000000000000","asInt":"7","attributes":[{"key":"queue","value":{"stringValue":"orders"}}]}]}},
    {"name":"orders.shipped","unit":"1","sum":{"aggregationTemporality":2,"isMonotonic":true,"dataPoints":[
      {"startTimeUnixNano":"1699999940000000000","timeUnixNano":"1700000000000000000","asDouble":12.5}]}},
    {"name":"request.duration","unit":"ms","histogram":{"aggregationTemporality":2,"dataPoints":[
      {"startTimeUnixNano":"1699999940000000000","timeUnixNano":"1700000000000000000","count":"3","sum":41.5,
       "bucketCounts":["1","2","0"],"explicitBounds":[10,50]}]}}]}]}]})";
}

}  // namespace spanline::testing
