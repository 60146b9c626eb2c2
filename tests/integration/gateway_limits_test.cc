// Gateway behaviour that needs a WAL that misbehaves on purpose: a real ROUTER
// socket in the test that answers pings (so the gateway learns its partition
// count) and takes appends without ever acking them. Also gzip over gRPC and
// the gRPC health service.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "bus/envelope.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "bus/sockets.h"
#include "protocol/wal/partitions.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/support/auth_stage.h"
#include "tests/support/otlp_client.h"
#include "tests/support/pipeline.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;

TEST(GatewayLimits, BytesInFlightPastTheBudgetGetResourceExhaustedAtOnce) {
  TempDir dir;
  bus::Context context;
  std::string endpoint = "ipc://" + dir / "silent-wal.sock";
  zmq::socket_t silent_wal = bus::bind_router(context, endpoint);
  std::atomic<bool> stop_wal{false};
  std::thread wal_thread([&] {
    while (!stop_wal) {
      zmq::pollitem_t item{silent_wal.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, std::chrono::milliseconds(50));
      bus::Received received = bus::receive_message(silent_wal, true);
      if (!received.got_message || received.message.header.message_type() != bus::MessageType::ping) continue;
      bus::Header pong = bus::make_header(bus::MessageType::pong, received.message.header.request_id);
      pong.partitions = wal::kDefaultPartitions;
      (void)bus::send_message(silent_wal, received.message.routing_id, pong);
    }
  });
  struct JoinAtEnd {
    std::atomic<bool>& stop;
    std::thread& thread;
    ~JoinAtEnd() { stop = true; thread.join(); }
  } join_at_end{stop_wal, wal_thread};
  AuthStage auth(dir.path());
  auth.start();
  int port = free_port();
  Process gateway(bin_path("spanline-gateway"),
                  {"--data-dir", dir.path(), "--wal-endpoint", endpoint, "--grpc-address", "127.0.0.1:" + std::to_string(port),
                   "--http-address", "", "--max-bytes-in-flight", "1KiB", "--wal-timeout", "3s"},
                  dir / "gateway.log");
  gateway.start();
  ASSERT_TRUE(wait_until([&] { return port_open(port); })) << gateway.log();
  OtlpClient client("127.0.0.1:" + std::to_string(port), auth.api_key());
  auto stuck = std::async(std::launch::async, [&] { return client.send(client.make_request(5, 10)); });
  std::this_thread::sleep_for(500ms);  // the first request now waits for the silent WAL
  auto started = std::chrono::steady_clock::now();
  grpc::Status refused = client.send(client.make_request(5, 10));
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << refused.error_message() << gateway.log();
  EXPECT_NE(refused.error_message().find("retry later"), std::string::npos);
  // RESOURCE_EXHAUSTED is retryable to an OTLP client only with RetryInfo in the details.
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(refused.error_details())) << "grpc-status-details-bin";
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::RetryInfo retry;
  ASSERT_TRUE(details.details(0).UnpackTo(&retry));
  EXPECT_EQ(retry.retry_delay().seconds(), 1);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s) << "refused at once, not after a wait";
  grpc::Status timed_out = stuck.get();
  EXPECT_EQ(timed_out.error_code(), grpc::StatusCode::UNAVAILABLE) << timed_out.error_message();
  EXPECT_NE(timed_out.error_message().find("did not confirm"), std::string::npos) << timed_out.error_message();
}

TEST(GatewayLimits, GzipCompressedGrpcRequestsAreAccepted) {
  Pipeline pipeline({.http = false});
  pipeline.start();
  OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  auto request = client.make_request(4, 5);
  grpc::Status status = client.send(request, nullptr, 10s, /*gzip=*/true);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(pipeline.wal_spans().size(), 20u);
}

TEST(GatewayLimits, GrpcHealthServiceSaysServing) {
  Pipeline pipeline({.http = false});
  pipeline.start();
  auto channel = grpc::CreateChannel(pipeline.grpc_target(), grpc::InsecureChannelCredentials());
  auto health = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 5s);
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = health->Check(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

}  // namespace
}  // namespace spanline::testing
