// The span limits at the gateway: what is past a limit is dropped and counted
// in the span's own dropped_* fields and in the partial_success message;
// ordinary spans are left exactly as sent.
#include <gtest/gtest.h>

#include "stages/gateway/span_trim.h"

namespace spanline::gateway {
namespace {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::trace::v1::Span;

Span& one_span(ExportTraceServiceRequest& request) {
  return *request.add_resource_spans()->add_scope_spans()->add_spans();
}

TEST(SpanTrim, OrdinarySpansAreLeftAsSent) {
  ExportTraceServiceRequest request;
  Span& span = one_span(request);
  for (int i = 0; i < 50; ++i) {
    auto* a = span.add_attributes();
    a->set_key("k" + std::to_string(i));
    a->mutable_value()->set_string_value("value");
  }
  span.add_events()->set_name("event");
  std::string before = request.SerializeAsString();
  TrimReport report = apply_span_limits(request, SpanLimits{});
  EXPECT_TRUE(report.empty());
  EXPECT_EQ(request.SerializeAsString(), before);
}

TEST(SpanTrim, AttributesEventsAndLinksPastTheLimitsAreDroppedAndCounted) {
  ExportTraceServiceRequest request;
  Span& span = one_span(request);
  span.set_dropped_attributes_count(3);  // the SDK already dropped some
  for (int i = 0; i < 2000; ++i) span.add_attributes()->set_key("k" + std::to_string(i));
  for (int i = 0; i < 5000; ++i) {
    auto* event = span.add_events();
    event->set_name("e" + std::to_string(i));
    if (i == 0) {
      for (int a = 0; a < 200; ++a) event->add_attributes()->set_key("ea" + std::to_string(a));
    }
  }
  for (int i = 0; i < 1500; ++i) span.add_links()->set_span_id(std::string(8, 'l'));
  SpanLimits limits;
  TrimReport report = apply_span_limits(request, limits);
  EXPECT_EQ(report.spans_trimmed, 1u);
  EXPECT_EQ(span.attributes_size(), 1024);
  EXPECT_EQ(span.attributes(1023).key(), "k1023") << "the first ones are kept";
  EXPECT_EQ(span.dropped_attributes_count(), 3u + 976u);
  EXPECT_EQ(span.events_size(), 1024);
  EXPECT_EQ(span.dropped_events_count(), 5000u - 1024u);
  EXPECT_EQ(span.events(0).attributes_size(), 128);
  EXPECT_EQ(span.events(0).dropped_attributes_count(), 72u);
  EXPECT_EQ(span.links_size(), 1024);
  EXPECT_EQ(span.dropped_links_count(), 1500u - 1024u);
  std::string message = report.message(limits);
  EXPECT_NE(message.find("1 span was trimmed"), std::string::npos) << message;
  EXPECT_NE(message.find("1048 attributes dropped"), std::string::npos) << message;
  EXPECT_NE(message.find("3976 events dropped (at most 1024 per span)"), std::string::npos) << message;
  EXPECT_NE(message.find("476 links dropped"), std::string::npos) << message;
}

TEST(SpanTrim, LongValuesAreCutOnACharacterBoundaryAndDeepValuesDropped) {
  ExportTraceServiceRequest request;
  Span& span = one_span(request);
  auto* text = span.add_attributes();
  text->set_key("prompt");
  std::string euros;
  for (int i = 0; i < 10; ++i) euros += "\xe2\x82\xac";  // 30 bytes of 3-byte characters
  text->mutable_value()->set_string_value(euros);
  auto* nested = span.add_attributes();
  nested->set_key("nested");
  opentelemetry::proto::common::v1::AnyValue value;
  value.set_int_value(1);
  for (int i = 0; i < 5; ++i) {
    opentelemetry::proto::common::v1::AnyValue outer;
    *outer.mutable_kvlist_value()->add_values()->mutable_value() = value;
    value = outer;
  }
  *nested->mutable_value() = value;  // depth 6
  SpanLimits limits;
  limits.max_attribute_value_bytes = 10;
  limits.max_value_depth = 4;
  TrimReport report = apply_span_limits(request, limits);
  ASSERT_EQ(span.attributes_size(), 1);
  EXPECT_EQ(span.attributes(0).value().string_value(), euros.substr(0, 9)) << "3 whole characters, not 3 and a third";
  EXPECT_EQ(span.dropped_attributes_count(), 1u);
  EXPECT_EQ(report.values_cut, 1u);
  EXPECT_EQ(report.attributes_dropped, 1u);
}

}  // namespace
}  // namespace spanline::gateway
