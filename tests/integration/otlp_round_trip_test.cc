// What an SDK sends comes back from the api, field by field, through the real
// pipeline (gateway, WAL, indexer, api): NaN and infinite double attributes as
// OTLP/JSON writes them, the span's, its events' and its links' dropped counts,
// the scope's and the resource's schema URL and dropped counts. Sent four ways:
// an OTLP request built here with the protobuf classes (over gRPC, and as
// OTLP/JSON over HTTP), the real OpenTelemetry JS SDK (tests/js/otel-fields.mjs,
// over gRPC and HTTP/protobuf), and the real OpenTelemetry Python SDK from
// ../shared/clients/python (skipped, saying why, on a clone without ../shared;
// the request built here covers every field either way).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include <nlohmann/json.hpp>

#include "tests/support/http_client.h"
#include "tests/support/otlp_client.h"
#include "tests/support/pipeline.h"
#include "tests/support/shared_data.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::trace::v1::Span;

constexpr char kResourceSchemaUrl[] = "https://opentelemetry.io/schemas/1.26.0";
constexpr char kScopeSchemaUrl[] = "https://opentelemetry.io/schemas/1.24.0";

// One pipeline for the file: gateway (gRPC and HTTP), wal, one indexer for every partition, the api.
class OtlpRoundTrip : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    pipeline_ = new Pipeline({.indexers = {"0-3"}, .api = true});
    pipeline_->start();  // indexed_span() waits for the api to hear from the indexer
    HttpResponse spec = http_get(pipeline_->api_port(), "/api/openapi.json");
    ASSERT_EQ(spec.status, 200);
    schemas_ = new json(json::parse(spec.body)["components"]["schemas"]);
  }
  static void TearDownTestSuite() {
    delete pipeline_;
    pipeline_ = nullptr;
    delete schemas_;
    schemas_ = nullptr;
  }

  std::string logs() const { return pipeline_->logs(); }

  // The span as GET /api/v1/spans/{trace}/{span} answers it once indexed (an empty object if it never is).
  static json indexed_span(const std::string& trace_hex, const std::string& span_hex) {
    HttpResponse answer;
    wait_until([&] {
      answer = http_get(pipeline_->api_port(), "/api/v1/spans/" + trace_hex + "/" + span_hex, pipeline_->signed_in());
      return answer.status == 200;
    }, 30s);
    EXPECT_EQ(answer.status, 200) << answer.body << pipeline_->logs();
    return answer.status == 200 ? json::parse(answer.body) : json::object();
  }

  // `object` has every property its schema in openapi.json requires, and none it does not declare.
  static void expect_matches_schema(const json& object, const std::string& schema_name) {
    SCOPED_TRACE(schema_name);
    const json& schema = (*schemas_)[schema_name];
    for (const json& required : schema.value("required", json::array())) {
      EXPECT_TRUE(object.contains(required.get<std::string>())) << required << " missing in " << object.dump();
    }
    for (const auto& [key, value] : object.items()) {
      EXPECT_TRUE(schema["properties"].contains(key)) << key << " is not declared in openapi.json's " << schema_name;
    }
  }

  // The span, its events, links and scope as openapi.json describes them.
  static void expect_span_matches_schemas(const json& span) {
    expect_matches_schema(span, "Span");
    for (const json& event : span["events"]) expect_matches_schema(event, "SpanEvent");
    for (const json& link : span["links"]) expect_matches_schema(link, "SpanLink");
    expect_matches_schema(span["scope"], "Scope");
  }

  static Pipeline* pipeline_;
  static json* schemas_;
};

Pipeline* OtlpRoundTrip::pipeline_ = nullptr;
json* OtlpRoundTrip::schemas_ = nullptr;

// A request holding every field this test is about, with counts that differ from each other.
ExportTraceServiceRequest request_with_every_field(OtlpClient& client, const std::string& service) {
  ExportTraceServiceRequest request = client.make_request(1, 1, service);
  auto* resource_spans = request.mutable_resource_spans(0);
  resource_spans->set_schema_url(kResourceSchemaUrl);
  resource_spans->mutable_resource()->set_dropped_attributes_count(4);
  auto* scope_spans = resource_spans->mutable_scope_spans(0);
  scope_spans->set_schema_url(kScopeSchemaUrl);
  scope_spans->mutable_scope()->set_name("round-trip");
  scope_spans->mutable_scope()->set_version("3.1");
  scope_spans->mutable_scope()->set_dropped_attributes_count(5);
  Span* span = scope_spans->mutable_spans(0);
  span->clear_attributes();
  auto add_double = [&](const std::string& key, double value) {
    auto* attribute = span->add_attributes();
    attribute->set_key(key);
    attribute->mutable_value()->set_double_value(value);
  };
  add_double("nan", std::numeric_limits<double>::quiet_NaN());
  add_double("inf", std::numeric_limits<double>::infinity());
  add_double("minus_inf", -std::numeric_limits<double>::infinity());
  add_double("half", 0.5);
  span->set_dropped_attributes_count(6);
  span->set_dropped_events_count(7);
  span->set_dropped_links_count(8);
  auto* event = span->add_events();
  event->set_name("first");
  event->set_time_unix_nano(span->start_time_unix_nano());
  event->set_dropped_attributes_count(9);
  auto* link = span->add_links();
  link->set_trace_id(std::string(16, '\xab'));
  link->set_span_id(std::string(8, '\xcd'));
  link->set_dropped_attributes_count(10);
  return request;
}

void expect_non_finite_doubles(const json& span) {
  EXPECT_EQ(span["attributes"]["nan"], "NaN") << span["attributes"].dump();
  EXPECT_EQ(span["attributes"]["inf"], "Infinity");
  EXPECT_EQ(span["attributes"]["minus_inf"], "-Infinity");
  EXPECT_EQ(span["attributes"]["half"], 0.5);
}

void expect_every_field_of_the_request(const json& span) {
  expect_non_finite_doubles(span);
  EXPECT_EQ(span["dropped_attributes_count"], 6);
  EXPECT_EQ(span["dropped_events_count"], 7);
  EXPECT_EQ(span["dropped_links_count"], 8);
  ASSERT_EQ(span["events"].size(), 1u);
  EXPECT_EQ(span["events"][0]["dropped_attributes_count"], 9);
  ASSERT_EQ(span["links"].size(), 1u);
  EXPECT_EQ(span["links"][0]["trace_id"], "abababababababababababababababab");
  EXPECT_EQ(span["links"][0]["span_id"], "cdcdcdcdcdcdcdcd");
  EXPECT_EQ(span["links"][0]["dropped_attributes_count"], 10);
  EXPECT_EQ(span["scope"], json::parse(R"({"name": "round-trip", "version": "3.1", "attributes": {},
      "dropped_attributes_count": 5, "schema_url": "https://opentelemetry.io/schemas/1.24.0",
      "resource_schema_url": "https://opentelemetry.io/schemas/1.26.0", "resource_dropped_attributes_count": 4})"))
      << span["scope"].dump();
}

TEST_F(OtlpRoundTrip, ARequestBuiltWithTheProtobufClassesOverGrpc) {
  OtlpClient client(pipeline_->grpc_target(), pipeline_->api_key());
  ExportTraceServiceRequest request = request_with_every_field(client, "round-trip-grpc");
  grpc::Status sent = client.send(request);
  ASSERT_TRUE(sent.ok()) << sent.error_message();
  const Span& span = request.resource_spans(0).scope_spans(0).spans(0);
  json shown = indexed_span(to_hex(span.trace_id()), to_hex(span.span_id()));
  expect_every_field_of_the_request(shown);
  expect_span_matches_schemas(shown);
  // The non-finite doubles are found by attr filters: NaN by its text, the infinities as numbers.
  for (std::string filter : {"nan:NaN", "inf%3E1e300", "minus_inf%3C-1e300", "inf:Infinity"}) {
    HttpResponse found = http_get(pipeline_->api_port(), "/api/v1/traces?service=round-trip-grpc&attr=" + filter, pipeline_->signed_in());
    ASSERT_EQ(found.status, 200) << filter << ": " << found.body;
    json traces = json::parse(found.body)["traces"];
    ASSERT_EQ(traces.size(), 1u) << filter << ": " << found.body;
    EXPECT_EQ(traces[0]["trace_id"], to_hex(span.trace_id())) << filter;
  }
  HttpResponse not_a_number = http_get(pipeline_->api_port(), "/api/v1/traces?service=round-trip-grpc&attr=nan%3E0", pipeline_->signed_in());
  ASSERT_EQ(not_a_number.status, 200) << not_a_number.body;
  EXPECT_EQ(json::parse(not_a_number.body)["traces"].size(), 0u) << "NaN compares as no number";
}

TEST_F(OtlpRoundTrip, TheSameRequestAsOtlpJsonOverHttp) {
  OtlpClient client(pipeline_->grpc_target(), pipeline_->api_key());
  ExportTraceServiceRequest request = request_with_every_field(client, "round-trip-json");
  const Span& span = request.resource_spans(0).scope_spans(0).spans(0);
  const std::string trace_hex = to_hex(span.trace_id()), span_hex = to_hex(span.span_id());
  // OTLP/JSON as the specification writes it: ids in hex, NaN and the infinities as strings.
  std::string body = R"({"resourceSpans":[{
    "resource":{"attributes":[{"key":"service.name","value":{"stringValue":"round-trip-json"}}],"droppedAttributesCount":4},
    "schemaUrl":"https://opentelemetry.io/schemas/1.26.0",
    "scopeSpans":[{"scope":{"name":"round-trip","version":"3.1","droppedAttributesCount":5},
      "schemaUrl":"https://opentelemetry.io/schemas/1.24.0",
      "spans":[{"traceId":")" + trace_hex + R"(","spanId":")" + span_hex + R"(","name":"fields",
        "startTimeUnixNano":")" + std::to_string(span.start_time_unix_nano()) + R"(",
        "endTimeUnixNano":")" + std::to_string(span.end_time_unix_nano()) + R"(",
        "attributes":[{"key":"nan","value":{"doubleValue":"NaN"}},{"key":"inf","value":{"doubleValue":"Infinity"}},
                      {"key":"minus_inf","value":{"doubleValue":"-Infinity"}},{"key":"half","value":{"doubleValue":0.5}}],
        "droppedAttributesCount":6,"droppedEventsCount":7,"droppedLinksCount":8,
        "events":[{"name":"first","timeUnixNano":")" + std::to_string(span.start_time_unix_nano()) + R"(","droppedAttributesCount":9}],
        "links":[{"traceId":"abababababababababababababababab","spanId":"cdcdcdcdcdcdcdcd","droppedAttributesCount":10}]}]}]}]})";
  HttpResponse answer = http_request(pipeline_->http_port(), "POST", "/v1/traces",
                                     {{"Content-Type", "application/json"}, {"x-junjo-api-key", pipeline_->api_key()}}, body);
  ASSERT_EQ(answer.status, 200) << answer.body;
  json shown = indexed_span(trace_hex, span_hex);
  expect_every_field_of_the_request(shown);
  expect_span_matches_schemas(shown);
}

// What otel-fields.mjs / otel_fields.py print, checked against the api's answer.
void expect_what_the_sdk_counted(const json& sent, const json& shown) {
  const json& sdk = sent["sdk"];
  // Each count is what the SDK itself recorded, and the limits there make each non-zero.
  for (const char* count : {"dropped_attributes_count", "dropped_events_count", "dropped_links_count"}) {
    EXPECT_GT(sdk[count].get<int>(), 0) << count;
    EXPECT_EQ(shown[count], sdk[count]) << count;
  }
  EXPECT_EQ(shown["scope"].value("resource_schema_url", ""), sent["resource_schema_url"]) << shown["scope"].dump();
  EXPECT_EQ(shown["scope"]["name"], "spanline-otel-fields");
  EXPECT_EQ(shown["scope"]["version"], "2.0.0");
}

// Runs an SDK sender (`argv`), then checks what every sender shows; the sender's output and the api's span.
std::pair<json, json> send_with_an_sdk(OtlpRoundTrip& test, const std::vector<std::string>& argv) {
  std::string out;
  int rc = run_command(argv, &out);
  EXPECT_EQ(rc, 0) << out << test.logs();
  json sent = json::parse(out, nullptr, false);
  if (rc != 0 || sent.is_discarded()) return {};
  json shown = test.indexed_span(sent["trace_id"], sent["span_id"]);
  expect_non_finite_doubles(shown);
  expect_what_the_sdk_counted(sent, shown);
  return {sent, shown};
}

class OtlpRoundTripJs : public OtlpRoundTrip, public ::testing::WithParamInterface<std::string> {};

TEST_P(OtlpRoundTripJs, TheOpenTelemetryJsSdk) {
  ASSERT_TRUE(std::filesystem::exists(std::string(SPANLINE_SOURCE_DIR) + "/tests/js/node_modules"))
      << "run 'make test' (it installs tests/js with npm ci)";
  const std::string protocol = GetParam();
  std::string endpoint = protocol == "grpc" ? "http://" + pipeline_->grpc_target() : pipeline_->http_base();
  auto [sent, shown] = send_with_an_sdk(*this, {"node", std::string(SPANLINE_SOURCE_DIR) + "/tests/js/otel-fields.mjs",
                                                 "--protocol", protocol, "--endpoint", endpoint, "--service",
                                                 "round-trip-js-" + protocol, "--header", "x-junjo-api-key=" + pipeline_->api_key()});
  ASSERT_FALSE(shown.is_null());
  EXPECT_EQ(shown["scope"].value("schema_url", ""), sent["scope_schema_url"]);
  // The JS SDK (2.x) does not apply its per-event and per-link attribute limits: both counts are 0, and sent.
  ASSERT_FALSE(shown["events"].empty());
  EXPECT_EQ(shown["events"][0]["dropped_attributes_count"], sent["sdk"]["event_dropped_attributes_count"]);
  ASSERT_FALSE(shown["links"].empty());
  EXPECT_EQ(shown["links"][0]["dropped_attributes_count"], sent["sdk"]["link_dropped_attributes_count"]);
  expect_span_matches_schemas(shown);
}

// The SDK's OTLP/JSON exporter is left out: JSON.stringify writes NaN and the infinities as null.
INSTANTIATE_TEST_SUITE_P(Protocols, OtlpRoundTripJs, ::testing::Values("grpc", "http-protobuf"), [](const auto& info) {
  std::string name = info.param;
  for (auto& c : name) c = c == '-' ? '_' : c;
  return name;
});

TEST_F(OtlpRoundTrip, TheOpenTelemetryPythonSdk) {
  const PythonKit kit = python_kit(pipeline_->data_dir());
  if (kit.python_path.empty()) GTEST_SKIP() << kit.missing_reason;
  auto [sent, shown] = send_with_an_sdk(*this, {"env", "PYTHONPATH=" + kit.python_path, "PYTHONDONTWRITEBYTECODE=1", "python3",
                                                 std::string(SPANLINE_SOURCE_DIR) + "/tests/integration/otel_fields.py",
                                                 pipeline_->grpc_target(), pipeline_->api_key(), "round-trip-python"});
  ASSERT_FALSE(shown.is_null());
  // The Python SDK applies the per-event and per-link limits, keeping the last events and links.
  ASSERT_FALSE(shown["events"].empty());
  EXPECT_GT(sent["sdk"]["event_dropped_attributes_count"].get<int>(), 0);
  EXPECT_EQ(shown["events"].back()["dropped_attributes_count"], sent["sdk"]["event_dropped_attributes_count"]);
  ASSERT_FALSE(shown["links"].empty());
  EXPECT_GT(sent["sdk"]["link_dropped_attributes_count"].get<int>(), 0);
  EXPECT_EQ(shown["links"].back()["dropped_attributes_count"], sent["sdk"]["link_dropped_attributes_count"]);
  expect_span_matches_schemas(shown);
}

}  // namespace
}  // namespace spanline::testing
