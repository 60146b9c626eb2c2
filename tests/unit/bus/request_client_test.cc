#include "bus/request_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "bus/sockets.h"
#include "tests/support/temp_dir.h"

namespace spanline::bus {
namespace {

using namespace std::chrono_literals;

// A real ROUTER peer on its own thread; `policy` decides, per request, whether to answer.
class Peer {
 public:
  Peer(bus::Context& context, std::string endpoint, std::function<bool(const Header&)> policy)
      : context_(context), endpoint_(std::move(endpoint)), policy_(std::move(policy)) {
    start();
  }
  ~Peer() { stop(); }

  void start() {
    stopping_ = false;
    socket_ = std::make_unique<zmq::socket_t>(bind_router(context_, endpoint_));
    thread_ = std::thread([this] {
      zmq::pollitem_t item{socket_->handle(), 0, ZMQ_POLLIN, 0};
      while (!stopping_) {
        zmq::poll(&item, 1, 20ms);
        for (;;) {
          Received received = receive_message(*socket_, true);
          if (!received.got_message) break;
          seen_++;
          if (!policy_(received.message.header)) continue;
          Header reply = make_header(MessageType::pong, received.message.header.request_id);
          (void)send_message(*socket_, received.message.routing_id, reply, received.message.payload);
        }
      }
    });
  }
  void stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
    if (socket_) socket_->close();
    socket_.reset();
  }
  int seen() const { return seen_; }

 private:
  bus::Context& context_;
  std::string endpoint_;
  std::function<bool(const Header&)> policy_;
  std::unique_ptr<zmq::socket_t> socket_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> seen_{0};
  std::thread thread_;
};

class RequestClientTest : public ::testing::Test {
 protected:
  testing::TempDir dir;
  bus::Context context;
  std::string endpoint = "ipc://" + dir / "peer.sock";
};

TEST_F(RequestClientTest, MatchesManyConcurrentRepliesToTheirRequests) {
  Peer peer(context, endpoint, [](const Header&) { return true; });
  RequestClient client(context, {.endpoint = endpoint});
  std::vector<std::thread> callers;
  std::atomic<int> correct{0};
  for (int t = 0; t < 8; ++t) {
    callers.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        std::string body = std::to_string(t) + ":" + std::to_string(i);
        std::vector<zmq::message_t> payload;
        payload.emplace_back(body.data(), body.size());
        auto reply = client.call(make_header(MessageType::ping), std::move(payload), {.timeout = 2s});
        if (reply && reply->payload.size() == 1 && reply->payload[0].to_string() == body) ++correct;
      }
    });
  }
  for (auto& caller : callers) caller.join();
  EXPECT_EQ(correct.load(), 400);
  EXPECT_EQ(client.in_flight(), 0u);
}

TEST_F(RequestClientTest, SilentPeerGivesDeadlineExceededAfterTheTimeout) {
  Peer peer(context, endpoint, [](const Header&) { return false; });
  RequestClient client(context, {.endpoint = endpoint});
  auto started = std::chrono::steady_clock::now();
  auto reply = client.call(make_header(MessageType::ping), {}, {.timeout = 150ms});
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(reply.is_ok());
  EXPECT_EQ(reply.status().code(), Code::deadline_exceeded);
  EXPECT_GE(took, 150ms);
  EXPECT_LT(took, 2s);
}

TEST_F(RequestClientTest, NoPeerGivesUnavailable) {
  RequestClient client(context, {.endpoint = endpoint});
  auto reply = client.call(make_header(MessageType::ping), {}, {.timeout = 100ms});
  ASSERT_FALSE(reply.is_ok());
  EXPECT_EQ(reply.status().code(), Code::unavailable);
}

TEST_F(RequestClientTest, RetriesAnIdempotentRequestAfterALostReply) {
  std::atomic<int> calls{0};
  Peer peer(context, endpoint, [&](const Header&) { return ++calls > 1; });  // drops the first
  RequestClient client(context, {.endpoint = endpoint});
  auto reply = client.call(make_header(MessageType::ping), {}, {.timeout = 100ms, .attempts = 3});
  ASSERT_TRUE(reply.is_ok()) << reply.status().to_string();
  EXPECT_EQ(calls.load(), 2);
}

TEST_F(RequestClientTest, RefusesBeyondTheInFlightBound) {
  Peer peer(context, endpoint, [](const Header&) { return false; });
  RequestClient client(context, {.endpoint = endpoint, .max_in_flight = 2});
  std::atomic<int> finished{0};
  auto count = [&](Result<Message>) { ++finished; };
  ASSERT_TRUE(client.start_request(make_header(MessageType::ping), {}, {.timeout = 300ms}, count).is_ok());
  ASSERT_TRUE(client.start_request(make_header(MessageType::ping), {}, {.timeout = 300ms}, count).is_ok());
  Status third = client.start_request(make_header(MessageType::ping), {}, {.timeout = 300ms}, count);
  EXPECT_EQ(third.code(), Code::resource_exhausted);
  for (int i = 0; i < 200 && finished.load() < 2; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(finished.load(), 2);
  EXPECT_TRUE(client.start_request(make_header(MessageType::ping), {}, {.timeout = 50ms}, count).is_ok());
}

TEST_F(RequestClientTest, ReconnectsWhenThePeerRestarts) {
  auto peer = std::make_unique<Peer>(context, endpoint, [](const Header&) { return true; });
  RequestClient client(context, {.endpoint = endpoint});
  ASSERT_TRUE(client.call(make_header(MessageType::ping), {}, {.timeout = 2s}).is_ok());
  peer.reset();
  auto down = client.call(make_header(MessageType::ping), {}, {.timeout = 100ms});
  EXPECT_FALSE(down.is_ok());
  peer = std::make_unique<Peer>(context, endpoint, [](const Header&) { return true; });
  auto back = client.call(make_header(MessageType::ping), {}, {.timeout = 3s});
  EXPECT_TRUE(back.is_ok()) << back.status().to_string();
}

}  // namespace
}  // namespace spanline::bus
