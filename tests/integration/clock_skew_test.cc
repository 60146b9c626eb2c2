// Clock skew and out-of-order arrival: services whose clocks disagree by hours
// or days, spans of one trace arriving in separate Exports children first, and
// impossible times. The trace summary the user sees is still right (the root
// is the span without a parent, start and end span every span, no negative
// duration) and impossible times are refused by name, not stored.
#include <gtest/gtest.h>

#include <random>

#include <nlohmann/json.hpp>

#include "tests/support/http_client.h"
#include "tests/support/otlp_client.h"
#include "tests/support/pipeline.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse;

constexpr uint64_t kSecond = 1'000'000'000ULL;

std::string random_id(std::mt19937_64& random, size_t bytes) {
  std::string id(bytes, '\0');
  for (char& c : id) c = static_cast<char>(random() | 1);
  return id;
}

ExportTraceServiceRequest one_span(const std::string& service, const std::string& trace_id, const std::string& span_id,
                                   const std::string& parent, const std::string& name, uint64_t start, uint64_t end) {
  ExportTraceServiceRequest request;
  auto* resource_spans = request.add_resource_spans();
  auto* attribute = resource_spans->mutable_resource()->add_attributes();
  attribute->set_key("service.name");
  attribute->mutable_value()->set_string_value(service);
  auto* span = resource_spans->add_scope_spans()->add_spans();
  span->set_trace_id(trace_id);
  span->set_span_id(span_id);
  span->set_parent_span_id(parent);
  span->set_name(name);
  span->set_start_time_unix_nano(start);
  span->set_end_time_unix_nano(end);
  return request;
}

TEST(ClockSkew, SkewedAndOutOfOrderSpansMakeOneRightSummaryAndImpossibleTimesAreRefused) {
  Pipeline pipeline({.indexers = {"0-3"}, .api = true});
  pipeline.start();
  OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  std::mt19937_64 random(std::random_device{}());
  const std::string trace_id = random_id(random, 16), root_id = random_id(random, 8);
  const uint64_t now = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                 std::chrono::system_clock::now().time_since_epoch())
                                                 .count());
  // A child on a host a day ahead, one an hour behind, then the root last.
  const uint64_t behind_start = now - 3600 * kSecond, ahead_end = now + 86401 * kSecond;
  ASSERT_TRUE(client.send(one_span("skew-ahead", trace_id, random_id(random, 8), root_id, "ahead", now + 86400 * kSecond, ahead_end)).ok());
  ASSERT_TRUE(client.send(one_span("skew-behind", trace_id, random_id(random, 8), root_id, "behind", behind_start, now - 3599 * kSecond)).ok());
  ASSERT_TRUE(client.send(one_span("skew-front", trace_id, root_id, "", "workflow", now, now + kSecond)).ok());

  // Impossible times: an end before its start, and times past 2262 (beyond a signed 64-bit nanosecond count).
  ExportTraceServiceRequest impossible = one_span("skew-front", random_id(random, 16), random_id(random, 8), "", "backwards", now, now - 1);
  *impossible.mutable_resource_spans(0)->mutable_scope_spans(0)->add_spans() =
      one_span("skew-front", random_id(random, 16), random_id(random, 8), "", "far future", UINT64_MAX - 10, UINT64_MAX)
          .resource_spans(0)
          .scope_spans(0)
          .spans(0);
  *impossible.mutable_resource_spans(0)->mutable_scope_spans(0)->add_spans() =
      one_span("skew-front", random_id(random, 16), random_id(random, 8), "", "straddles 2262", now,
               static_cast<uint64_t>(INT64_MAX) + 1)
          .resource_spans(0)
          .scope_spans(0)
          .spans(0);
  ExportTraceServiceResponse response;
  grpc::Status status = client.send(impossible, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.partial_success().rejected_spans(), 3);
  const std::string& why = response.partial_success().error_message();
  EXPECT_NE(why.find("'backwards': end_time_unix_nano is before start_time_unix_nano"), std::string::npos) << why;
  EXPECT_NE(why.find("'far future': start_time_unix_nano is past the year 2262"), std::string::npos) << why;
  EXPECT_NE(why.find("'straddles 2262': end_time_unix_nano is past the year 2262"), std::string::npos) << why;

  ASSERT_TRUE(pipeline.wait_indexed(3)) << pipeline.logs();
  HttpResponse list;
  wait_until([&] {  // until the api has found the indexer
    list = http_get(pipeline.api_port(), "/api/v1/traces?service=skew-front", pipeline.signed_in());
    return list.status == 200;
  }, 20s);
  ASSERT_EQ(list.status, 200) << list.body;
  json traces = json::parse(list.body)["traces"];
  ASSERT_EQ(traces.size(), 1u) << list.body;
  const json& summary = traces[0];
  EXPECT_EQ(summary["root_name"], "workflow") << "the root is the span without a parent, not the earliest";
  EXPECT_EQ(summary["root_service"], "skew-front");
  EXPECT_EQ(summary["span_count"], 3);
  EXPECT_EQ(summary["start_ns"].get<int64_t>(), static_cast<int64_t>(behind_start));
  EXPECT_EQ(summary["end_ns"].get<int64_t>(), static_cast<int64_t>(ahead_end));
  EXPECT_EQ(summary["duration_ns"].get<int64_t>(), static_cast<int64_t>(ahead_end - behind_start));

  HttpResponse detail = http_get(pipeline.api_port(), "/api/v1/traces/" + to_hex(trace_id), pipeline.signed_in());
  ASSERT_EQ(detail.status, 200) << detail.body;
  json spans = json::parse(detail.body)["spans"];
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(spans[0]["name"], "behind");
  EXPECT_EQ(spans[1]["name"], "workflow");
  EXPECT_EQ(spans[2]["name"], "ahead");
  for (const json& span : spans) EXPECT_GE(span["duration_ns"].get<int64_t>(), 0) << span.dump();
  EXPECT_EQ(pipeline.shard_sum("SELECT count(*) FROM spans WHERE start_ns < 0 OR end_ns < start_ns"), 0);
}

// A Junjo workflow whose start state is 200,000 nested arrays: stored as sent,
// and every view of the run answers (the state comes back as text) instead of
// overflowing the indexer's stack on each read.
TEST(HostileJunjo, ADeeplyNestedStateIsShownAsTextAndTheIndexerStaysUp) {
  Pipeline pipeline({.indexers = {"0-3"}, .api = true});
  pipeline.start();
  OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  std::mt19937_64 random(std::random_device{}());
  const std::string trace_id = random_id(random, 16), span_id = random_id(random, 8);
  ExportTraceServiceRequest request = one_span("hostile", trace_id, span_id, "", "workflow", 1'700'000'000'000'000'000ULL,
                                               1'700'000'001'000'000'000ULL);
  auto* span = request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0);
  auto add = [&](const std::string& key, const std::string& value) {
    auto* kv = span->add_attributes();
    kv->set_key(key);
    kv->mutable_value()->set_string_value(value);
  };
  const std::string deep = std::string(200'000, '[') + std::string(200'000, ']');
  add("junjo.span_type", "workflow");
  add("junjo.id", "store-1");
  add("junjo.workflow.state.start", deep);
  add("junjo.workflow.state.end", deep);
  ASSERT_TRUE(client.send(request).ok());
  ASSERT_TRUE(pipeline.wait_indexed(1)) << pipeline.logs();
  HttpResponse run;
  for (int view = 0; view < 2; ++view) {
    wait_until([&] {
      run = http_get(pipeline.api_port(), "/api/v1/workflows/" + to_hex(trace_id) + "/" + to_hex(span_id), pipeline.signed_in());
      return run.status != 503;
    }, 20s);
    ASSERT_EQ(run.status, 200) << run.body.substr(0, 300);
  }
  json body = json::parse(run.body);
  EXPECT_TRUE(body["run"]["state_start"].is_string());
  EXPECT_EQ(body["run"]["state_start"].get<std::string>().size(), deep.size());
  EXPECT_TRUE(pipeline.indexer(0).running()) << pipeline.indexer(0).log();
}

}  // namespace
}  // namespace spanline::testing
