// The parse-cost estimate that lets the gateway refuse an expansion bomb before
// parsing it: an upper bound of what ParseFromString really allocates, near
// enough to it that ordinary requests pass, and the same verdict as protobuf on
// malformed bytes.
#include <gtest/gtest.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "stages/gateway/request_cost.h"
#include "tests/support/otlp_wire.h"

namespace spanline::gateway {
namespace {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

ExportTraceServiceRequest typical_request(int spans, int attributes, size_t value_bytes) {
  ExportTraceServiceRequest request;
  auto* scope = request.add_resource_spans()->add_scope_spans();
  for (int i = 0; i < spans; ++i) {
    auto* span = scope->add_spans();
    span->set_trace_id(std::string(16, static_cast<char>(i + 1)));
    span->set_span_id(std::string(8, static_cast<char>(i + 1)));
    span->set_name("span-" + std::to_string(i));
    span->set_start_time_unix_nano(1);
    span->set_end_time_unix_nano(2);
    for (int a = 0; a < attributes; ++a) {
      auto* attribute = span->add_attributes();
      attribute->set_key("attribute.key." + std::to_string(a));
      attribute->mutable_value()->set_string_value(std::string(value_bytes, 'v'));
    }
  }
  return request;
}

constexpr uint64_t kNoBudget = UINT64_MAX;

TEST(RequestCost, IsAnUpperBoundOfWhatParsingTakesAndNotFarAboveIt) {
  for (auto [spans, attributes, value_bytes] : {std::tuple{100, 8, 32}, std::tuple{1000, 0, 0}, std::tuple{10, 64, 1000}}) {
    std::string bytes = typical_request(spans, attributes, value_bytes).SerializeAsString();
    ExportTraceServiceRequest parsed;
    ASSERT_TRUE(parsed.ParseFromString(bytes));
    uint64_t actual = parsed.SpaceUsedLong() + bytes.size();
    auto cost = estimate_protobuf_parse(bytes, ExportTraceServiceRequest::descriptor(), kNoBudget);
    ASSERT_TRUE(cost.is_ok()) << cost.status().to_string();
    EXPECT_GE(cost->memory_bytes, actual) << spans << " spans x " << attributes << " attributes";
    EXPECT_LE(cost->memory_bytes, 4 * actual) << spans << " spans x " << attributes << " attributes";
  }
}

TEST(RequestCost, AMillionEmptySpansAreOverBudgetWithoutBeingParsed) {
  // Resource spans { scope spans { span {} x 1M } }: 2 bytes a span on the wire.
  std::string spans;
  for (int i = 0; i < 1'000'000; ++i) spans += std::string("\x12\x00", 2);
  std::string request = testing::length_delimited(1, testing::length_delimited(2, spans));
  ASSERT_LT(request.size(), 2'100'000u);
  auto cost = estimate_protobuf_parse(request, ExportTraceServiceRequest::descriptor(), 64ULL << 20);
  ASSERT_TRUE(cost.is_ok());
  EXPECT_TRUE(cost->over_budget) << "2 MB of empty spans would parse into well over 64 MiB";
  auto unbounded = estimate_protobuf_parse(request, ExportTraceServiceRequest::descriptor(), kNoBudget);
  ASSERT_TRUE(unbounded.is_ok());
  EXPECT_GT(unbounded->memory_bytes, 100ULL << 20) << "1M Span objects";
  EXPECT_EQ(unbounded->messages, 1'000'002u);
}

TEST(RequestCost, MalformedBytesAreRefusedLikeProtobufRefusesThem) {
  std::string good = typical_request(3, 2, 8).SerializeAsString();
  for (const std::string& bad : {good.substr(0, good.size() - 3), std::string("\x0a\x05\x12\x10", 4),
                                 std::string("\x0f\x01", 2), std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11)}) {
    ExportTraceServiceRequest parsed;
    ASSERT_FALSE(parsed.ParseFromString(bad));
    auto cost = estimate_protobuf_parse(bad, ExportTraceServiceRequest::descriptor(), kNoBudget);
    ASSERT_FALSE(cost.is_ok());
    EXPECT_EQ(cost.status().code(), Code::invalid_argument);
    EXPECT_EQ(cost.status().message(), "the request is not a valid ExportTraceServiceRequest protobuf");
  }
  EXPECT_TRUE(estimate_protobuf_parse(good, ExportTraceServiceRequest::descriptor(), kNoBudget).is_ok());
  EXPECT_TRUE(estimate_protobuf_parse("", ExportTraceServiceRequest::descriptor(), kNoBudget).is_ok());
}

TEST(RequestCost, NestingDeeperThanProtobufAllowsIsRefused) {
  // An attribute value of arrays in arrays, 200 deep.
  opentelemetry::proto::common::v1::AnyValue value;
  value.set_string_value("leaf");
  for (int i = 0; i < 200; ++i) {
    opentelemetry::proto::common::v1::AnyValue outer;
    *outer.mutable_array_value()->add_values() = value;
    value = outer;
  }
  ExportTraceServiceRequest request = typical_request(1, 0, 0);
  auto* attribute = request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->add_attributes();
  attribute->set_key("deep");
  *attribute->mutable_value() = value;
  std::string bytes = request.SerializeAsString();
  auto cost = estimate_protobuf_parse(bytes, ExportTraceServiceRequest::descriptor(), kNoBudget);
  EXPECT_FALSE(cost.is_ok());
}

TEST(RequestCost, JsonEstimateGrowsWithStructureNotJustBytes) {
  std::string flat = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":\"" + std::string(100'000, 'x') + "\"}]}]}]}";
  std::string empty_objects = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[";
  for (int i = 0; i < 100'000; ++i) empty_objects += i == 0 ? "{}" : ",{}";
  empty_objects += "]}]}]}";
  ParseCost flat_cost = estimate_json_parse(flat);
  ParseCost bomb_cost = estimate_json_parse(empty_objects);
  EXPECT_GT(bomb_cost.memory_bytes, 20 * empty_objects.size()) << "each 3-byte {} is a JSON object and a Span";
  EXPECT_LT(flat_cost.memory_bytes, 4 * flat.size());
}

}  // namespace
}  // namespace spanline::gateway
