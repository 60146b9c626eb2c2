// The indexer's bounded decode (span_bounds.h): a span past the span limits is
// cut on the wire before it is parsed, keeping the first N of each part and
// adding the rest to its dropped counts, in memory that does not grow with
// what the span holds.
#include "stages/indexer/span_bounds.h"

#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "stages/indexer/span_decoder.h"
#include "tests/support/otlp_wire.h"

namespace spanline::indexer {
namespace {

using testing::append_varint;
using testing::length_delimited;

using nlohmann::json;
using opentelemetry::proto::trace::v1::Span;

// The decode of one hostile span may raise this process's peak resident memory
// by at most this much (README, "Hostile WAL entries"). Before the bound, 2
// million empty events took about 1.8 GB. AddressSanitizer (the asan preset)
// keeps freed memory in quarantine, so it gets more room.
// One span at every default limit (2.9 MB of attributes, events and links full
// of distinct attributes) may take this much while it is decoded (~60 MB seen).
#if defined(__SANITIZE_ADDRESS__)
constexpr double kMaxDecodeGrowthMb = 64;
constexpr double kMaxSpanAtTheLimitsMb = 256;
#else
constexpr double kMaxDecodeGrowthMb = 16;
constexpr double kMaxSpanAtTheLimitsMb = 80;
#endif

// An ExportTraceServiceRequest holding `span_bytes` as its one span.
std::string request_of(const std::string& span_bytes) {
  opentelemetry::proto::resource::v1::Resource resource;
  auto* service = resource.add_attributes();
  service->set_key("service.name");
  service->mutable_value()->set_string_value("svc");
  return length_delimited(1, length_delimited(1, resource.SerializeAsString()) + length_delimited(2, length_delimited(2, span_bytes)));
}

Span base_span() {
  Span span;
  span.set_trace_id(std::string(16, '\x01'));
  span.set_span_id(std::string(8, '\x02'));
  span.set_name("op");
  return span;
}

// `count` copies of an empty message in repeated field `field`.
std::string empty_items(uint32_t field, uint32_t count) {
  std::string item;
  append_varint(item, (field << 3) | 2);
  item.push_back('\0');
  std::string out;
  out.reserve(item.size() * count);
  for (uint32_t i = 0; i < count; ++i) out += item;
  return out;
}

// This process's peak resident memory in MB, and a way to start it afresh
// (writing 5 to clear_refs resets VmHWM to the current RSS, Linux 4.0+).
double peak_mb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return -1;
}
void reset_peak() { std::ofstream("/proc/self/clear_refs") << "5"; }

TEST(SpanBounds, TwoMillionEmptyEventsDecodeInAFewMegabytesKeepingTheFirstOnes) {
  const uint32_t events = 2'000'000;
  const std::string entry = request_of(base_span().SerializeAsString() + empty_items(11, events));
  reset_peak();
  const double before = peak_mb();
  DecodeReport report;
  std::vector<SpanRecord> records;
  Status decoded = for_each_span(entry, SpanLimits{}, [&](SpanRecord&& record) {
    records.push_back(std::move(record));
    return Status::ok();
  }, &report);
  const double growth = peak_mb() - before;
  ASSERT_TRUE(decoded.is_ok()) << decoded.to_string();
  ASSERT_EQ(records.size(), 1u);
  const SpanLimits limits;
  EXPECT_EQ(json::parse(records[0].events_json).size(), limits.max_events_per_span);
  EXPECT_EQ(records[0].dropped_events_count, events - limits.max_events_per_span);
  EXPECT_EQ(report.spans_trimmed, 1u);
  EXPECT_EQ(report.items_dropped, events - limits.max_events_per_span);
  std::printf("peak RSS growth decoding %u empty events: %.1f MB\n", events, growth);
  EXPECT_LT(growth, kMaxDecodeGrowthMb) << "the decode's peak memory";
}

TEST(SpanBounds, LinksAttributesAndEventAttributesAreCutAndAddedToWhatTheSenderDropped) {
  Span span = base_span();
  span.set_dropped_attributes_count(5);
  span.set_dropped_links_count(7);
  auto* event = span.add_events();
  event->set_name("crowded");
  event->set_dropped_attributes_count(1);
  for (int i = 0; i < 200; ++i) {
    auto* kv = event->add_attributes();
    kv->set_key("e" + std::to_string(i));
    kv->mutable_value()->set_int_value(i);
  }
  for (int i = 0; i < 1500; ++i) {
    auto* kv = span.add_attributes();
    kv->set_key("a" + std::to_string(i));
    kv->mutable_value()->set_int_value(i);
  }
  std::string bytes = span.SerializeAsString() + empty_items(13, 3000);
  SpanTrim trim;
  std::string scratch;
  auto bounded = bound_span(bytes, SpanLimits{}, scratch, trim);
  ASSERT_TRUE(bounded.is_ok()) << bounded.status().to_string();
  EXPECT_EQ(trim.attributes, 1500u - 1024u);
  EXPECT_EQ(trim.links, 3000u - 1024u);
  EXPECT_EQ(trim.event_attributes, 200u - 128u);
  Span parsed;
  ASSERT_TRUE(parsed.ParseFromArray(bounded->data(), static_cast<int>(bounded->size())));
  EXPECT_EQ(parsed.attributes_size(), 1024);
  EXPECT_EQ(parsed.attributes(1023).key(), "a1023") << "the first ones are kept, in order";
  EXPECT_EQ(parsed.links_size(), 1024);
  EXPECT_EQ(parsed.dropped_attributes_count(), 5u + 476u);
  EXPECT_EQ(parsed.dropped_links_count(), 7u + 1976u);
  EXPECT_EQ(parsed.dropped_events_count(), 0u);
  ASSERT_EQ(parsed.events_size(), 1);
  EXPECT_EQ(parsed.events(0).name(), "crowded");
  EXPECT_EQ(parsed.events(0).attributes_size(), 128);
  EXPECT_EQ(parsed.events(0).dropped_attributes_count(), 1u + 72u);
}

TEST(SpanBounds, ASpanWithinTheLimitsIsPassedOnAsItIs) {
  Span span = base_span();
  for (int i = 0; i < 10; ++i) span.add_events()->set_name("e");
  auto* array = span.add_attributes();
  array->set_key("embedding");
  for (int i = 0; i < 3072; ++i) array->mutable_value()->mutable_array_value()->add_values()->set_double_value(i);
  const std::string bytes = span.SerializeAsString();
  SpanTrim trim;
  std::string scratch;
  auto bounded = bound_span(bytes, SpanLimits{}, scratch, trim);
  ASSERT_TRUE(bounded.is_ok());
  EXPECT_FALSE(trim.any());
  EXPECT_EQ(bounded->data(), bytes.data()) << "no copy";
}

TEST(SpanBounds, ValuesNestedTooDeepOrHoldingTooManyValuesAreDroppedAndCounted) {
  Span span = base_span();
  auto* deep = span.add_attributes();
  deep->set_key("deep");
  auto* value = deep->mutable_value();
  for (int i = 0; i < 20; ++i) value = value->mutable_array_value()->add_values();
  value->set_int_value(1);
  auto* fine = span.add_attributes();
  fine->set_key("fine");
  fine->mutable_value()->set_string_value("kept");
  // 8 million empty array elements in one attribute: as costly as 8 million events.
  std::string wide_value = length_delimited(5, empty_items(1, static_cast<uint32_t>(kMaxNestedValuesPerSpan) + 1));
  std::string wide = length_delimited(9, length_delimited(1, "wide") + length_delimited(2, wide_value));
  const std::string bytes = span.SerializeAsString() + wide;
  SpanTrim trim;
  std::string scratch;
  auto bounded = bound_span(bytes, SpanLimits{}, scratch, trim);
  ASSERT_TRUE(bounded.is_ok()) << bounded.status().to_string();
  EXPECT_EQ(trim.attributes, 2u);
  Span parsed;
  ASSERT_TRUE(parsed.ParseFromArray(bounded->data(), static_cast<int>(bounded->size())));
  ASSERT_EQ(parsed.attributes_size(), 1);
  EXPECT_EQ(parsed.attributes(0).key(), "fine");
  EXPECT_EQ(parsed.dropped_attributes_count(), 2u);
}

TEST(SpanBounds, MalformedBytesAreRefusedAndNothingIsDecoded) {
  std::string span = base_span().SerializeAsString() + empty_items(11, 10);
  std::string entry = request_of(span);
  entry.resize(entry.size() - 1);  // the last event's length runs past the end
  EXPECT_EQ(decode_spans(entry).status().code(), Code::invalid_argument);
  SpanTrim trim;
  std::string scratch;
  EXPECT_EQ(bound_span(span.substr(0, span.size() - 1) + "\x5a\x05", SpanLimits{}, scratch, trim).status().code(),
            Code::invalid_argument);
}

TEST(SpanBounds, MillionsOfEmptyResourceSpansAreWalkedNotParsed) {
  std::string entry;
  for (int i = 0; i < 1'000'000; ++i) entry += length_delimited(1, "");
  entry += request_of(base_span().SerializeAsString());
  auto records = decode_spans(entry);
  ASSERT_TRUE(records.is_ok()) << records.status().to_string();
  EXPECT_EQ(records->size(), 1u);
  EXPECT_EQ(records->front().service, "svc");
}

}  // namespace
}  // namespace spanline::indexer

namespace spanline::indexer {
namespace {

// The costliest span the limits allow: every event and link full of distinct
// attributes. Its decode is bounded by the limits, not by the entry.
TEST(SpanBounds, ASpanAtEveryLimitDecodesWithinItsBound) {
  const SpanLimits limits;
  Span span = base_span();
  for (uint32_t i = 0; i < limits.max_attributes_per_span; ++i) {
    auto* kv = span.add_attributes();
    kv->set_key("a" + std::to_string(i));
    kv->mutable_value()->set_int_value(i);
  }
  for (uint32_t e = 0; e < limits.max_events_per_span; ++e) {
    auto* event = span.add_events();
    for (uint32_t i = 0; i < limits.max_attributes_per_event; ++i) {
      auto* kv = event->add_attributes();
      kv->set_key("e" + std::to_string(i));
      kv->mutable_value()->set_int_value(i);
    }
  }
  for (uint32_t l = 0; l < limits.max_links_per_span; ++l) {
    auto* link = span.add_links();
    for (uint32_t i = 0; i < limits.max_attributes_per_link; ++i) {
      auto* kv = link->add_attributes();
      kv->set_key("l" + std::to_string(i));
      kv->mutable_value()->set_int_value(i);
    }
  }
  const std::string entry = request_of(span.SerializeAsString());
  span.Clear();
  reset_peak();
  const double before = peak_mb();
  auto records = decode_spans(entry);
  const double growth = peak_mb() - before;
  ASSERT_TRUE(records.is_ok());
  EXPECT_EQ(records->front().dropped_events_count, 0u);
  std::printf("peak RSS growth decoding one span at every limit (%zu bytes): %.1f MB\n", entry.size(), growth);
  EXPECT_LT(growth, kMaxSpanAtTheLimitsMb) << "one span's decode at the default limits";
}

}  // namespace
}  // namespace spanline::indexer
