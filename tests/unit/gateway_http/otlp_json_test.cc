#include "stages/gateway/http/otlp_json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "google/rpc/status.pb.h"
#include "tests/support/junjo_workflow.h"
#include "tests/support/otlp_json_data.h"
#include "tests/support/shared_data.h"

namespace spanline::gateway {
namespace {

// One of the official examples in ../shared/fixtures/otlp (tests that read them skip without it).
std::string fixture(const std::string& name) {
  std::ifstream in(*testing::shared_file("fixtures/otlp/" + name));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TEST(OtlpJson, OfficialTraceExampleDecodesWithUpperCaseHexIds) {
  SPANLINE_SKIP_WITHOUT_SHARED("fixtures/otlp/trace.json");
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
  Status parsed = parse_traces_json(fixture("trace.json"), request);
  ASSERT_TRUE(parsed.is_ok()) << parsed.to_string();
  const auto& resource = request.resource_spans(0);
  EXPECT_EQ(resource.resource().attributes(0).key(), "service.name");
  EXPECT_EQ(resource.resource().attributes(0).value().string_value(), "my.service");
  const auto& scope = resource.scope_spans(0);
  EXPECT_EQ(scope.scope().name(), "my.library");
  EXPECT_EQ(scope.scope().version(), "1.0.0");
  const auto& span = scope.spans(0);
  EXPECT_EQ(span.trace_id(), std::string("\x5b\x8e\xff\xf7\x98\x03\x81\x03\xd2\x69\xb6\x33\x81\x3f\xc6\x0c", 16));
  EXPECT_EQ(span.span_id(), std::string("\xee\xe1\x9b\x7e\xc3\xc1\xb1\x74", 8));
  EXPECT_EQ(span.parent_span_id(), std::string("\xee\xe1\x9b\x7e\xc3\xc1\xb1\x73", 8));
  EXPECT_EQ(span.start_time_unix_nano(), 1544712660000000000ULL);
  EXPECT_EQ(span.end_time_unix_nano(), 1544712661000000000ULL);
  EXPECT_GT(span.attributes_size(), 0);
}

TEST(OtlpJson, OfficialLogsMetricsAndEventsExamplesDecode) {
  for (const char* name : {"logs.json", "metrics.json", "events.json"}) SPANLINE_SKIP_WITHOUT_SHARED(std::string("fixtures/otlp/") + name);
  opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest logs;
  EXPECT_TRUE(parse_logs_json(fixture("logs.json"), logs).is_ok());
  EXPECT_GT(logs.resource_logs(0).scope_logs(0).log_records_size(), 0);
  opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest metrics;
  Status parsed = parse_metrics_json(fixture("metrics.json"), metrics);
  EXPECT_TRUE(parsed.is_ok()) << parsed.to_string();
  EXPECT_GT(metrics.resource_metrics(0).scope_metrics(0).metrics_size(), 0);
  opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest events;
  parsed = parse_logs_json(fixture("events.json"), events);
  EXPECT_TRUE(parsed.is_ok()) << parsed.to_string();
}

// The project's own OTLP/JSON (upper-case hex ids, typed attributes, scope
// attributes, events, a Junjo run) decodes back to exactly the request it was written from.
TEST(OtlpJson, ProjectTracesWithUpperCaseHexIdsDecodeToTheSameRequest) {
  for (const auto& sent : {testing::example_trace_request(), testing::junjo_workflow_request(),
                           testing::junjo_concurrent_workflow_request()}) {
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest decoded;
    Status parsed = parse_traces_json(testing::to_otlp_json(sent, {.upper_case_ids = true}), decoded);
    ASSERT_TRUE(parsed.is_ok()) << parsed.to_string();
    EXPECT_EQ(decoded.DebugString(), sent.DebugString());
  }
}

TEST(OtlpJson, ProjectLogsAndMetricsDecode) {
  opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest logs;
  Status parsed = parse_logs_json(testing::example_logs_json(), logs);
  ASSERT_TRUE(parsed.is_ok()) << parsed.to_string();
  const auto& record = logs.resource_logs(0).scope_logs(0).log_records(0);
  EXPECT_EQ(record.body().string_value(), "order 42 shipped");
  EXPECT_EQ(record.severity_number(), 9);
  EXPECT_EQ(record.span_id(), std::string("\xc0\xff\xee\x00\x00\x00\x00\x02", 8));
  EXPECT_EQ(record.attributes(0).value().int_value(), 42);
  opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest metrics;
  parsed = parse_metrics_json(testing::example_metrics_json(), metrics);
  ASSERT_TRUE(parsed.is_ok()) << parsed.to_string();
  const auto& list = metrics.resource_metrics(0).scope_metrics(0).metrics();
  ASSERT_EQ(list.size(), 3);
  EXPECT_EQ(list[0].gauge().data_points(0).as_int(), 7);
  EXPECT_TRUE(list[1].sum().is_monotonic());
  EXPECT_EQ(list[2].histogram().data_points(0).bucket_counts_size(), 3);
}

TEST(OtlpJson, InvalidHexIdIsRejectedNamingTheField) {
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
  Status parsed = parse_traces_json(
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5B8EFFF7980381","spanId":"XYZ19B7EC3C1B174"}]}]}]})",
      request);
  EXPECT_EQ(parsed.code(), Code::invalid_argument);
  EXPECT_NE(parsed.message().find("resourceSpans[0].scopeSpans[0].spans[0].spanId"), std::string::npos)
      << parsed.message();
}

TEST(OtlpJson, MalformedAndMismatchedJsonAreInvalidArgument) {
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
  EXPECT_EQ(parse_traces_json("{\"resourceSpans\": [", request).code(), Code::invalid_argument);
  EXPECT_EQ(parse_traces_json("[1,2,3]", request).code(), Code::invalid_argument);
  Status wrong_type = parse_traces_json(R"({"resourceSpans": "not a list"})", request);
  EXPECT_EQ(wrong_type.code(), Code::invalid_argument);
  EXPECT_NE(wrong_type.message().find("OTLP schema"), std::string::npos);
}

TEST(OtlpJson, SnakeCaseNamesAreAcceptedToo) {
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
  Status parsed = parse_traces_json(
      R"({"resource_spans":[{"scope_spans":[{"spans":[{"trace_id":"0102030405060708090a0b0c0d0e0f10","span_id":"0102030405060708","name":"s"}]}]}]})",
      request);
  ASSERT_TRUE(parsed.is_ok()) << parsed.to_string();
  EXPECT_EQ(request.resource_spans(0).scope_spans(0).spans(0).span_id(), std::string("\x01\x02\x03\x04\x05\x06\x07\x08"));
}

TEST(OtlpJson, NonFiniteDoublesAndEveryDroppedCountAndSchemaUrlArrive) {
  // The OTLP/JSON encoding (protobuf's JSON mapping) writes NaN and the infinities as strings.
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
  Status parsed = parse_traces_json(R"({"resourceSpans":[{
    "resource":{"attributes":[{"key":"r","value":{"doubleValue":"-Infinity"}}],"droppedAttributesCount":4},
    "schemaUrl":"https://opentelemetry.io/schemas/1.26.0",
    "scopeSpans":[{"scope":{"name":"lib","droppedAttributesCount":5},"schemaUrl":"https://example.com/scope",
      "spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"s",
        "attributes":[{"key":"nan","value":{"doubleValue":"NaN"}},{"key":"inf","value":{"doubleValue":"Infinity"}},
                      {"key":"minus","value":{"doubleValue":"-Infinity"}},{"key":"d","value":{"doubleValue":1.25}}],
        "droppedAttributesCount":6,"droppedEventsCount":7,"droppedLinksCount":8,
        "events":[{"name":"e","droppedAttributesCount":9}],
        "links":[{"traceId":"0102030405060708090a0b0c0d0e0f11","spanId":"0102030405060709","droppedAttributesCount":10}]}]}]}]})",
                                    request);
  ASSERT_TRUE(parsed.is_ok()) << parsed.to_string();
  const auto& resource_spans = request.resource_spans(0);
  EXPECT_EQ(resource_spans.schema_url(), "https://opentelemetry.io/schemas/1.26.0");
  EXPECT_EQ(resource_spans.resource().dropped_attributes_count(), 4u);
  EXPECT_TRUE(std::isinf(resource_spans.resource().attributes(0).value().double_value()));
  EXPECT_LT(resource_spans.resource().attributes(0).value().double_value(), 0);
  EXPECT_EQ(resource_spans.scope_spans(0).schema_url(), "https://example.com/scope");
  EXPECT_EQ(resource_spans.scope_spans(0).scope().dropped_attributes_count(), 5u);
  const auto& span = resource_spans.scope_spans(0).spans(0);
  ASSERT_EQ(span.attributes_size(), 4);
  EXPECT_TRUE(span.attributes(0).value().has_double_value());
  EXPECT_TRUE(std::isnan(span.attributes(0).value().double_value()));
  EXPECT_EQ(span.attributes(1).value().double_value(), std::numeric_limits<double>::infinity());
  EXPECT_EQ(span.attributes(2).value().double_value(), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(span.attributes(3).value().double_value(), 1.25);
  EXPECT_EQ(span.dropped_attributes_count(), 6u);
  EXPECT_EQ(span.dropped_events_count(), 7u);
  EXPECT_EQ(span.dropped_links_count(), 8u);
  EXPECT_EQ(span.events(0).dropped_attributes_count(), 9u);
  EXPECT_EQ(span.links(0).dropped_attributes_count(), 10u);
}

TEST(OtlpJson, ResponsesUseLowerCamelCase) {
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse response;
  response.mutable_partial_success()->set_rejected_spans(2);
  response.mutable_partial_success()->set_error_message("bad ids");
  std::string json = to_json(response);
  EXPECT_NE(json.find("\"partialSuccess\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"rejectedSpans\""), std::string::npos) << json;
  EXPECT_EQ(to_json(opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse()), "{}");
}

}  // namespace
}  // namespace spanline::gateway
