#include "stages/indexer/logs/log_decoder.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"

namespace spanline::indexer::logs {
namespace {

using nlohmann::json;
using opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest;
using opentelemetry::proto::logs::v1::LogRecord;

// A request with one resource (service "svc"), one scope and `count` records.
ExportLogsServiceRequest request_with(int count, std::vector<LogRecord*>& records) {
  ExportLogsServiceRequest request;
  auto* resource = request.add_resource_logs();
  auto* service = resource->mutable_resource()->add_attributes();
  service->set_key("service.name");
  service->mutable_value()->set_string_value("svc");
  auto* scope = resource->add_scope_logs();
  scope->mutable_scope()->set_name("lib");
  scope->mutable_scope()->set_version("1.0");
  scope->set_schema_url("https://opentelemetry.io/schemas/1.27.0");
  for (int i = 0; i < count; ++i) records.push_back(scope->add_log_records());
  return request;
}

opentelemetry::proto::common::v1::AnyValue* attribute(LogRecord* record, const std::string& key) {
  auto* kv = record->add_attributes();
  kv->set_key(key);
  return kv->mutable_value();
}

std::vector<indexer::logs::LogRecord> decode(const ExportLogsServiceRequest& request, const SpanLimits& limits = {},
                                             LogDecodeReport* report = nullptr) {
  std::vector<indexer::logs::LogRecord> out;
  Status decoded = for_each_log_record(request.SerializeAsString(), limits, [&](indexer::logs::LogRecord&& r) {
    out.push_back(std::move(r));
    return Status::ok();
  }, report);
  EXPECT_TRUE(decoded.is_ok()) << decoded.to_string();
  return out;
}

TEST(LogDecoder, DecodesEveryField) {
  std::vector<LogRecord*> records;
  auto request = request_with(1, records);
  LogRecord* r = records[0];
  r->set_time_unix_nano(1'700'000'000'000'000'123ULL);
  r->set_observed_time_unix_nano(1'700'000'000'000'000'456ULL);
  r->set_severity_number(opentelemetry::proto::logs::v1::SEVERITY_NUMBER_WARN2);
  r->set_severity_text("WARN2");
  auto* body = r->mutable_body()->mutable_kvlist_value()->add_values();
  body->set_key("message");
  body->mutable_value()->set_string_value("disk almost full");
  attribute(r, "disk.free")->set_int_value(12);
  attribute(r, "ratio")->set_double_value(0.5);
  attribute(r, "ok")->set_bool_value(false);
  attribute(r, "raw")->set_bytes_value(std::string("\x01\xff", 2));
  attribute(r, "path")->set_string_value("/var/lib");
  r->set_dropped_attributes_count(3);
  r->set_flags(1);
  r->set_trace_id(std::string(16, '\x0a'));
  r->set_span_id(std::string(8, '\x0b'));
  r->set_event_name("disk.warning");

  auto decoded = decode(request);
  ASSERT_EQ(decoded.size(), 1u);
  const auto& d = decoded[0];
  EXPECT_EQ(d.index, 0u);
  EXPECT_EQ(d.trace_id, std::string(16, '\x0a'));
  EXPECT_EQ(d.span_id, std::string(8, '\x0b'));
  EXPECT_EQ(d.time_ns, 1'700'000'000'000'000'123LL);
  EXPECT_EQ(d.observed_ns, 1'700'000'000'000'000'456LL);
  EXPECT_EQ(d.severity_number, 14);
  EXPECT_EQ(d.severity_text, "WARN2");
  EXPECT_EQ(json::parse(d.body_json), json({{"message", "disk almost full"}}));
  EXPECT_EQ(json::parse(d.attributes_json),
            json({{"disk.free", 12}, {"ratio", 0.5}, {"ok", false}, {"raw", {{"$bytes", "01ff"}}}, {"path", "/var/lib"}}));
  EXPECT_EQ(d.dropped_attributes_count, 3u);
  EXPECT_EQ(d.flags, 1u);
  EXPECT_EQ(d.event_name, "disk.warning");
  EXPECT_EQ(d.service, "svc");
  EXPECT_EQ(json::parse(d.resource_json), json({{"service.name", "svc"}}));
  EXPECT_EQ(json::parse(d.scope_json),
            json({{"name", "lib"}, {"version", "1.0"}, {"attributes", json::object()},
                  {"schema_url", "https://opentelemetry.io/schemas/1.27.0"}}));
  // Full text: the body, the event name and the string attribute values.
  EXPECT_NE(d.text.find("disk almost full"), std::string::npos);
  EXPECT_NE(d.text.find("disk.warning"), std::string::npos);
  EXPECT_NE(d.text.find("/var/lib"), std::string::npos);
}

TEST(LogDecoder, FallsBackWhereOtlpLeavesFieldsOptional) {
  std::vector<LogRecord*> records;
  auto request = request_with(4, records);
  request.mutable_resource_logs(0)->mutable_resource()->clear_attributes();
  // No time: the observed time orders it. A text severity without a number is read by name.
  records[0]->set_observed_time_unix_nano(77);
  records[0]->set_severity_text("error");
  records[0]->mutable_body()->set_string_value("plain body");
  attribute(records[0], "event.name")->set_string_value("gen_ai.evaluation.result");
  // Ids of the wrong size or all zero mean none; a span id without a trace id too.
  records[1]->set_trace_id(std::string(3, '\x01'));
  records[1]->set_span_id(std::string(8, '\x01'));
  records[1]->set_severity_text("Verbose");
  records[2]->set_trace_id(std::string(16, '\0'));
  records[3]->set_time_unix_nano(UINT64_MAX);  // past 2262: clamped, never negative

  auto decoded = decode(request);
  ASSERT_EQ(decoded.size(), 4u);
  EXPECT_EQ(decoded[0].time_ns, 77);
  EXPECT_EQ(decoded[0].severity_number, 17);
  EXPECT_EQ(decoded[0].body_json, "\"plain body\"");
  EXPECT_EQ(decoded[0].event_name, "gen_ai.evaluation.result");
  EXPECT_EQ(decoded[0].service, "unknown_service");
  EXPECT_TRUE(decoded[1].trace_id.empty());
  EXPECT_TRUE(decoded[1].span_id.empty());
  EXPECT_EQ(decoded[1].severity_number, 0);
  EXPECT_TRUE(decoded[1].body_json.empty());
  EXPECT_TRUE(decoded[2].trace_id.empty());
  EXPECT_EQ(decoded[3].time_ns, INT64_MAX);
  for (uint32_t i = 0; i < 4; ++i) EXPECT_EQ(decoded[i].index, i);
}

TEST(LogDecoder, IndexCountsRecordsAcrossResourcesAndScopes) {
  std::vector<LogRecord*> records;
  auto request = request_with(2, records);
  auto* second = request.add_resource_logs();
  auto* name = second->mutable_resource()->add_attributes();
  name->set_key("service.name");
  name->mutable_value()->set_string_value("other");
  second->add_scope_logs()->add_log_records()->mutable_body()->set_string_value("third");
  auto decoded = decode(request);
  ASSERT_EQ(decoded.size(), 3u);
  EXPECT_EQ(decoded[2].index, 2u);
  EXPECT_EQ(decoded[2].service, "other");
  EXPECT_EQ(decoded[0].service, "svc");
}

TEST(LogDecoder, CutsAttributesPastTheCountIntoTheDroppedCount) {
  std::vector<LogRecord*> records;
  auto request = request_with(1, records);
  for (int i = 0; i < 10; ++i) attribute(records[0], "k" + std::to_string(i))->set_int_value(i);
  records[0]->set_dropped_attributes_count(2);
  SpanLimits limits;
  limits.max_attributes_per_span = 4;
  LogDecodeReport report;
  auto decoded = decode(request, limits, &report);
  ASSERT_EQ(decoded.size(), 1u);
  EXPECT_EQ(json::parse(decoded[0].attributes_json).size(), 4u);
  EXPECT_EQ(decoded[0].dropped_attributes_count, 2u + 6u);
  EXPECT_EQ(report.records_trimmed, 1u);
  EXPECT_EQ(report.attributes_dropped, 6u);
}

TEST(LogDecoder, LeavesOutABodyNestedTooDeepOrTooLarge) {
  std::vector<LogRecord*> records;
  auto request = request_with(2, records);
  // 20 levels of arrays: past max_value_depth (16).
  auto* value = records[0]->mutable_body();
  for (int depth = 0; depth < 20; ++depth) value = value->mutable_array_value()->add_values();
  value->set_int_value(1);
  attribute(records[0], "kept")->set_string_value("yes");
  // 70,000 empty array elements: past the nested-value budget (65,536).
  auto* wide = records[1]->mutable_body()->mutable_array_value();
  for (int i = 0; i < 70'000; ++i) wide->add_values();
  LogDecodeReport report;
  auto decoded = decode(request, {}, &report);
  ASSERT_EQ(decoded.size(), 2u);
  EXPECT_TRUE(decoded[0].body_json.empty());
  EXPECT_EQ(json::parse(decoded[0].attributes_json), json({{"kept", "yes"}}));
  EXPECT_TRUE(decoded[1].body_json.empty());
  EXPECT_EQ(report.bodies_dropped, 2u);
}

TEST(LogDecoder, DropsAnAttributeNestedTooDeep) {
  std::vector<LogRecord*> records;
  auto request = request_with(1, records);
  auto* value = attribute(records[0], "deep");
  for (int depth = 0; depth < 20; ++depth) value = value->mutable_kvlist_value()->add_values()->mutable_value();
  attribute(records[0], "flat")->set_string_value("v");
  auto decoded = decode(request);
  ASSERT_EQ(decoded.size(), 1u);
  EXPECT_EQ(json::parse(decoded[0].attributes_json), json({{"flat", "v"}}));
  EXPECT_EQ(decoded[0].dropped_attributes_count, 1u);
}

TEST(LogDecoder, CutsResourceAttributesPastTheCount) {
  std::vector<LogRecord*> records;
  auto request = request_with(1, records);
  for (int i = 0; i < 6; ++i) {
    auto* kv = request.mutable_resource_logs(0)->mutable_resource()->add_attributes();
    kv->set_key("r" + std::to_string(i));
    kv->mutable_value()->set_int_value(i);
  }
  SpanLimits limits;
  limits.max_attributes_per_span = 3;
  LogDecodeReport report;
  auto decoded = decode(request, limits, &report);
  ASSERT_EQ(decoded.size(), 1u);
  EXPECT_EQ(json::parse(decoded[0].resource_json).size(), 3u);
  EXPECT_EQ(decoded[0].service, "svc");  // service.name came first
  EXPECT_EQ(report.resource_attributes_dropped, 4u);
}

TEST(LogDecoder, RefusesMalformedEntries) {
  std::vector<LogRecord*> records;
  auto request = request_with(3, records);
  for (auto* r : records) r->mutable_body()->set_string_value("x");
  const std::string bytes = request.SerializeAsString();
  // Cut in the middle: the walk finds a length past the end.
  for (size_t cut : {bytes.size() - 1, bytes.size() / 2, size_t{3}}) {
    auto decoded = decode_log_records(std::string_view(bytes).substr(0, cut));
    ASSERT_FALSE(decoded.is_ok()) << cut;
    EXPECT_EQ(decoded.status().code(), Code::invalid_argument);
    EXPECT_NE(decoded.status().message().find("ExportLogsServiceRequest"), std::string::npos);
  }
  EXPECT_FALSE(decode_log_records(std::string("\xff\xff\xff\xff", 4)).is_ok());
  // A log record whose body's bytes are not an AnyValue (a tag cut short).
  ExportLogsServiceRequest wrong;
  auto* record = wrong.add_resource_logs()->add_scope_logs()->add_log_records();
  record->set_severity_text("ok");
  ASSERT_TRUE(decode_log_records(wrong.SerializeAsString()).is_ok());
  const std::string bad_record = record->SerializeAsString() + std::string("\x2a\x02\xff\xff", 4);  // field 5, 2 bytes
  const std::string scope_logs = std::string("\x12", 1) + static_cast<char>(bad_record.size()) + bad_record;
  const std::string resource_logs = std::string("\x12", 1) + static_cast<char>(scope_logs.size()) + scope_logs;
  const std::string request_bytes = std::string("\x0a", 1) + static_cast<char>(resource_logs.size()) + resource_logs;
  EXPECT_FALSE(decode_log_records(request_bytes).is_ok());
  // An empty entry holds no record.
  auto empty = decode_log_records("");
  ASSERT_TRUE(empty.is_ok());
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace spanline::indexer::logs
