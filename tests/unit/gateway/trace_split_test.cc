#include "stages/gateway/trace_split.h"

#include <gtest/gtest.h>

#include "protocol/wal/partitions.h"

namespace spanline::gateway {
namespace {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::trace::v1::Span;

std::string trace_id(int n) {
  std::string id(16, '\0');
  id[15] = static_cast<char>(n);
  id[0] = 1;
  return id;
}

Span* add_span(ExportTraceServiceRequest& request, const std::string& tid, int n, const std::string& name = "op") {
  if (request.resource_spans_size() == 0) {
    auto* resource = request.add_resource_spans();
    auto* attribute = resource->mutable_resource()->add_attributes();
    attribute->set_key("service.name");
    attribute->mutable_value()->set_string_value("checkout");
    resource->add_scope_spans()->mutable_scope()->set_name("junjo");
  }
  Span* span = request.mutable_resource_spans(0)->mutable_scope_spans(0)->add_spans();
  span->set_trace_id(tid);
  span->set_span_id(std::string(7, '\0') + static_cast<char>(n));
  span->set_name(name);
  span->set_start_time_unix_nano(100);
  span->set_end_time_unix_nano(200);
  return span;
}

TEST(TraceSplit, GroupsSpansByTracePartitionKeepingResourceAndScope) {
  ExportTraceServiceRequest request;
  for (int t = 0; t < 20; ++t) {
    for (int s = 1; s <= 3; ++s) add_span(request, trace_id(t), s);
  }
  SplitTraces split = split_traces(request, 4);
  EXPECT_EQ(split.accepted, 60u);
  EXPECT_EQ(split.rejected, 0u);
  uint64_t total = 0;
  for (const wal::WalPart& part : split.parts) {
    ExportTraceServiceRequest decoded;
    ASSERT_TRUE(decoded.ParseFromString(part.bytes));
    ASSERT_EQ(decoded.resource_spans_size(), 1);
    const auto& resource = decoded.resource_spans(0);
    EXPECT_EQ(resource.resource().attributes(0).value().string_value(), "checkout");
    EXPECT_EQ(resource.scope_spans(0).scope().name(), "junjo");
    uint64_t in_part = 0;
    for (const Span& span : resource.scope_spans(0).spans()) {
      EXPECT_EQ(wal::partition_of(span.trace_id(), 4), part.partition);
      ++in_part;
    }
    EXPECT_EQ(in_part, part.items);
    total += in_part;
  }
  EXPECT_EQ(total, 60u);
  EXPECT_GT(split.parts.size(), 1u);
}

TEST(TraceSplit, RejectsInvalidSpansAndKeepsTheValidOnes) {
  ExportTraceServiceRequest request;
  add_span(request, trace_id(1), 1, "good");
  add_span(request, std::string(16, '\0'), 2, "zero-trace");
  add_span(request, "short", 3, "short-trace");
  add_span(request, trace_id(1), 0, "zero-span")->set_span_id(std::string(8, '\0'));
  add_span(request, trace_id(1), 5, "backwards")->set_end_time_unix_nano(50);
  add_span(request, trace_id(1), 6, "bad-span-len")->set_span_id("abc");
  SplitTraces split = split_traces(request, 4);
  EXPECT_EQ(split.accepted, 1u);
  EXPECT_EQ(split.rejected, 5u);
  EXPECT_NE(split.rejected_message.find("zero-trace': trace_id is all zeroes"), std::string::npos) << split.rejected_message;
  EXPECT_NE(split.rejected_message.find("trace_id must be 16 bytes, got 5"), std::string::npos);
  EXPECT_NE(split.rejected_message.find("and 2 more"), std::string::npos);
  ASSERT_EQ(split.parts.size(), 1u);
  ExportTraceServiceRequest decoded;
  ASSERT_TRUE(decoded.ParseFromString(split.parts[0].bytes));
  EXPECT_EQ(decoded.resource_spans(0).scope_spans(0).spans(0).name(), "good");
}

TEST(TraceSplit, ForwardsTheOriginalBytesWhenOnePartitionHoldsEverything) {
  ExportTraceServiceRequest request;
  add_span(request, trace_id(9), 1);
  add_span(request, trace_id(9), 2);
  std::string original = request.SerializeAsString();
  SplitTraces split = split_traces(request, 4, original);
  ASSERT_EQ(split.parts.size(), 1u);
  EXPECT_EQ(split.parts[0].bytes, original);
  EXPECT_EQ(split.parts[0].partition, wal::partition_of(trace_id(9), 4));
}

TEST(TraceSplit, AllInvalidMeansNothingToAppend) {
  ExportTraceServiceRequest request;
  add_span(request, std::string(16, '\0'), 1);
  SplitTraces split = split_traces(request, 4);
  EXPECT_TRUE(split.parts.empty());
  EXPECT_EQ(split.rejected, 1u);
}

TEST(TraceSplit, TheRejectionMessageIsValidUtf8WhenANameIsCutMidCharacter) {
  ExportTraceServiceRequest request;
  std::string euros;
  for (int i = 0; i < 30; ++i) euros += "\xe2\x82\xac";  // U+20AC, 3 bytes each: 64 bytes end inside one
  add_span(request, std::string(16, '\0'), 1, euros);
  SplitTraces split = split_traces(request, 4, "");
  ASSERT_EQ(split.rejected, 1u);
  // What a client does with the reply: parse it (proto3 strings must be UTF-8).
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse response;
  response.mutable_partial_success()->set_error_message(split.rejected_message);
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse decoded;
  EXPECT_TRUE(decoded.ParseFromString(response.SerializeAsString())) << split.rejected_message;
  EXPECT_NE(split.rejected_message.find("span '" + euros.substr(0, 63) + "': trace_id is all zeroes"), std::string::npos);
}

}  // namespace
}  // namespace spanline::gateway
