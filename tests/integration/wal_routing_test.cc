// Two WAL instances, each owning half the partitions, behind one gateway given
// both (--wal-endpoint a,b): every span lands in the WAL owning its trace's
// partition; with one WAL down, only the Exports that touch its partitions
// fail (UNAVAILABLE, retryable) and nothing acknowledged is lost; once it is
// back everything is acknowledged again. And a stage's stats reach every api
// listed in its --stats-endpoint.
#include <gtest/gtest.h>

#include <set>

#include "bus/envelope.h"
#include "bus/sockets.h"
#include "bus/stats.h"
#include "protocol/wal/partitions.h"
#include "tests/support/otlp_client.h"
#include "tests/support/pipeline.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

constexpr uint32_t kPartitions = 4;  // WAL 1 owns 0-1, WAL 2 owns 2-3 (Pipeline's even split)

uint32_t partition_of_hex(const std::string& hex) {
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return wal::partition_of(bytes, kPartitions);
}

// One Export with a two-span trace in each of `partitions` (fresh random ids).
ExportTraceServiceRequest request_touching(OtlpClient& client, std::initializer_list<uint32_t> partitions) {
  ExportTraceServiceRequest request;
  for (uint32_t wanted : partitions) {
    for (;;) {
      ExportTraceServiceRequest one = client.make_request(1, 2);
      const auto& spans = one.resource_spans(0).scope_spans(0).spans();
      if (wal::partition_of(spans[0].trace_id(), kPartitions) != wanted) continue;
      if (request.resource_spans_size() == 0) {
        request = one;
      } else {
        for (const auto& span : spans) *request.mutable_resource_spans(0)->mutable_scope_spans(0)->add_spans() = span;
      }
      break;
    }
  }
  return request;
}

std::set<SpanKey> keys_in(const std::vector<WalSpan>& spans) {
  std::set<SpanKey> keys;
  for (const auto& span : spans) keys.insert({span.trace_id, span.span_id});
  return keys;
}

class WalRouting : public ::testing::Test {
 protected:
  WalRouting() : pipeline({.partitions = kPartitions, .wals = 2, .http = false, .gateway_args = {"--wal-timeout", "1s"}}) {}

  // Every span each WAL holds is of a partition it owns.
  void expect_each_span_in_its_owner() {
    for (const WalSpan& span : pipeline.wal_spans(0)) EXPECT_LT(partition_of_hex(span.trace_id), 2u) << span.trace_id;
    for (const WalSpan& span : pipeline.wal_spans(1)) EXPECT_GE(partition_of_hex(span.trace_id), 2u) << span.trace_id;
  }

  Pipeline pipeline;
};

TEST_F(WalRouting, EverySpanLandsInTheWalOwningItsPartition) {
  pipeline.start();
  OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  // One Export of 50 traces: parts for every partition, so for both WALs.
  auto request = client.make_request(50, 10);
  grpc::Status status = client.send(request);
  ASSERT_TRUE(status.ok()) << status.error_message() << pipeline.logs();
  const std::set<SpanKey> sent = OtlpClient::keys_of(request);
  std::vector<WalSpan> first = pipeline.wal_spans(0), second = pipeline.wal_spans(1);
  EXPECT_FALSE(first.empty());
  EXPECT_FALSE(second.empty());
  EXPECT_EQ(first.size() + second.size(), 500u) << "each span once, in one WAL";
  std::set<SpanKey> held = keys_in(first);
  held.merge(keys_in(second));
  EXPECT_EQ(held, sent);
  for (const WalSpan& span : first) EXPECT_EQ(span.partition, partition_of_hex(span.trace_id));
  expect_each_span_in_its_owner();
}

TEST_F(WalRouting, AWalDownFailsOnlyTheExportsTouchingItsPartitionsUntilItIsBack) {
  pipeline.start();
  OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  std::set<SpanKey> acked;
  auto send = [&](const ExportTraceServiceRequest& request) {
    grpc::Status status = client.send(request);
    if (status.ok()) {
      auto keys = OtlpClient::keys_of(request);
      acked.insert(keys.begin(), keys.end());
    }
    return status;
  };
  ASSERT_TRUE(send(request_touching(client, {0, 1, 2, 3})).ok()) << pipeline.logs();

  ASSERT_EQ(pipeline.wal(1).stop(), 0);
  // Only WAL 1's partitions: acknowledged as before.
  for (int i = 0; i < 3; ++i) {
    grpc::Status status = send(request_touching(client, {0, 1}));
    EXPECT_TRUE(status.ok()) << status.error_message() << pipeline.logs();
  }
  // Any part for WAL 2's partitions: the whole Export fails, retryably.
  for (auto partitions : {std::initializer_list<uint32_t>{2}, {3}, {0, 3}, {1, 2}}) {
    grpc::Status status = send(request_touching(client, partitions));
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  }

  pipeline.wal(1).start();
  EXPECT_TRUE(wait_until([&] { return send(request_touching(client, {2, 3})).ok(); }, 20s)) << pipeline.logs();
  for (int i = 0; i < 3; ++i) {
    grpc::Status status = send(request_touching(client, {0, 1, 2, 3}));
    EXPECT_TRUE(status.ok()) << status.error_message() << pipeline.logs();
  }

  std::set<SpanKey> held = keys_in(pipeline.wal_spans());
  for (const SpanKey& key : acked) EXPECT_TRUE(held.contains(key)) << "acknowledged and lost: " << key.first;
  expect_each_span_in_its_owner();
}

// With several apis every stage publishes its stats to each one's endpoint.
TEST(StatsEndpoints, AGatewayPublishesItsStatsToEveryEndpointOfTheList) {
  TempDir dir;
  bus::Context context;
  const std::string a = "ipc://" + dir / "stats-a.sock", b = "ipc://" + dir / "stats-b.sock";
  zmq::socket_t sub_a = bus::bind_subscriber(context, a), sub_b = bus::bind_subscriber(context, b);
  Pipeline pipeline({.http = false, .gateway_args = {"--stats-endpoint", a + "," + b}});
  pipeline.start();
  for (zmq::socket_t* sub : {&sub_a, &sub_b}) {
    bool heard = wait_until([&] {
      zmq::pollitem_t item{sub->handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, 100ms);
      for (;;) {
        bus::Received received = bus::receive_message(*sub, false);
        if (!received.got_message) return false;
        if (received.message.payload.empty()) continue;
        auto stats = bus::decode_stats(received.message.payload[0].data(), received.message.payload[0].size());
        if (stats && stats->stage == "gateway") return true;
      }
    }, 10s);
    EXPECT_TRUE(heard) << (sub == &sub_a ? a : b) << "\n" << pipeline.logs();
  }
}

}  // namespace
}  // namespace spanline::testing
