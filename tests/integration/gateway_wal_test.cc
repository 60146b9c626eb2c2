// The gateway and the wal as real processes, a real gRPC client, the WAL read back
// with spanline-wal dump: what an OTLP user sends is what the log holds.
#include <gtest/gtest.h>

#include <map>

#include "protocol/wal/partitions.h"
#include "tests/support/otlp_client.h"
#include "tests/support/pipeline.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;

std::string unhex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

std::set<SpanKey> keys_in(const std::vector<WalSpan>& spans) {
  std::set<SpanKey> keys;
  for (const auto& span : spans) keys.insert({span.trace_id, span.span_id});
  return keys;
}

TEST(GatewayWal, AcknowledgedSpansAreInTheWalInTheirTracesPartition) {
  Pipeline pipeline;
  pipeline.start();
  OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  std::set<SpanKey> sent;
  for (int i = 0; i < 5; ++i) {
    auto request = client.make_request(10, 10);
    grpc::Status status = client.send(request);
    ASSERT_TRUE(status.ok()) << status.error_message() << pipeline.logs();
    auto keys = OtlpClient::keys_of(request);
    sent.insert(keys.begin(), keys.end());
  }
  auto spans = pipeline.wal_spans();
  EXPECT_EQ(spans.size(), 500u);
  EXPECT_EQ(keys_in(spans), sent);
  std::set<uint32_t> partitions_used;
  for (const auto& span : spans) {
    EXPECT_EQ(span.partition, wal::partition_of(unhex(span.trace_id), 4)) << span.trace_id;
    partitions_used.insert(span.partition);
  }
  EXPECT_EQ(partitions_used.size(), 4u);
}

TEST(GatewayWal, MalformedProtobufGetsInvalidArgumentAndLosesNothing) {
  Pipeline pipeline;
  pipeline.start();
  OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  auto before = client.make_request(3, 3);
  ASSERT_TRUE(client.send(before).ok());
  grpc::Status status = client.send_raw(std::string("\x0a\xff\xff\xff\xff\x0f garbage", 15));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("ExportTraceServiceRequest"), std::string::npos) << status.error_message();
  auto after = client.make_request(1, 1);
  EXPECT_TRUE(client.send(after).ok()) << "the gateway must stay up";
  auto keys = keys_in(pipeline.wal_spans());
  for (const auto& key : OtlpClient::keys_of(before)) EXPECT_TRUE(keys.contains(key));
  EXPECT_EQ(keys.size(), 10u);
}

// Too large can never succeed, so the answer is one OTLP SDKs do not retry:
// INVALID_ARGUMENT from the gateway up to twice the limit (gRPC reads that
// much), RESOURCE_EXHAUSTED from gRPC itself beyond (which SDKs do retry).
TEST(GatewayWal, OversizedRequestGetsInvalidArgumentNotARetryableStatus) {
  Pipeline pipeline({.gateway_args = {"--max-request-bytes", "64KiB"}});
  pipeline.start();
  OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  auto big = client.make_request(1, 1);
  big.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->set_name(std::string(100'000, 'x'));
  grpc::Status status = client.send(big);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_NE(status.error_message().find("; the limit is 65536 (--max-request-bytes): send smaller batches"), std::string::npos)
      << status.error_message();
  big.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->set_name(std::string(200'000, 'x'));
  grpc::Status beyond = client.send(big);
  EXPECT_EQ(beyond.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << beyond.error_message();
  EXPECT_TRUE(client.send(client.make_request(1, 1)).ok());
  EXPECT_EQ(pipeline.wal_spans().size(), 1u);
}

TEST(GatewayWal, InvalidSpansArePartialSuccessAndValidOnesAreKept) {
  Pipeline pipeline;
  pipeline.start();
  OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  auto request = client.make_request(2, 2);
  auto* spans = request.mutable_resource_spans(0)->mutable_scope_spans(0);
  spans->mutable_spans(0)->set_trace_id(std::string(16, '\0'));
  spans->mutable_spans(1)->set_span_id("short");
  spans->mutable_spans(2)->set_end_time_unix_nano(1);
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse response;
  grpc::Status status = client.send(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.partial_success().rejected_spans(), 3);
  EXPECT_NE(response.partial_success().error_message().find("trace_id is all zeroes"), std::string::npos);
  auto spans_in_wal = pipeline.wal_spans();
  ASSERT_EQ(spans_in_wal.size(), 1u);
  EXPECT_EQ(spans_in_wal[0].span_id, to_hex(spans->spans(3).span_id()));
}

TEST(GatewayWal, WalDownMeansUnavailableThenRecoversWithoutGatewayRestart) {
  Pipeline pipeline({.gateway_args = {"--wal-timeout", "500ms"}});
  pipeline.start();
  OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  auto acked = client.make_request(2, 2);
  ASSERT_TRUE(client.send(acked).ok());
  pipeline.wal().kill_hard();
  grpc::Status down = client.send(client.make_request(1, 1));
  EXPECT_EQ(down.error_code(), grpc::StatusCode::UNAVAILABLE) << down.error_message();
  EXPECT_NE(down.error_message().find("retry"), std::string::npos) << down.error_message();
  pid_t gateway_pid = pipeline.gateway().pid();
  pipeline.start_wal();
  auto later = client.make_request(2, 2);
  ASSERT_TRUE(wait_until([&] { return client.send(later).ok(); }, 10s));
  EXPECT_EQ(pipeline.gateway().pid(), gateway_pid);
  EXPECT_TRUE(pipeline.gateway().running());
  auto keys = keys_in(pipeline.wal_spans());
  for (const auto& key : OtlpClient::keys_of(acked)) EXPECT_TRUE(keys.contains(key));
  for (const auto& key : OtlpClient::keys_of(later)) EXPECT_TRUE(keys.contains(key));
}

TEST(GatewayWal, SigtermStopsBothStagesCleanly) {
  Pipeline pipeline({.gateway_args = {"--shutdown-grace", "1s"}});
  pipeline.start();
  OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  ASSERT_TRUE(client.send(client.make_request(1, 3)).ok());
  EXPECT_EQ(pipeline.gateway().stop(5s), 0) << pipeline.logs();
  EXPECT_EQ(pipeline.wal().stop(5s), 0) << pipeline.logs();
  EXPECT_NE(pipeline.wal().log().find("\"msg\":\"stopped\""), std::string::npos);
  EXPECT_EQ(pipeline.wal_spans().size(), 3u);
}

}  // namespace
}  // namespace spanline::testing
