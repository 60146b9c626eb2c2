// Which WAL owns which partition, learned from what the WALs answer: two small
// stand-in WALs (real ROUTER sockets) that announce their count and owned
// partitions the way spanline-wal does, and record the appends they get.
#include "protocol/wal/wal_map.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "bus/envelope.h"
#include "bus/sockets.h"
#include "protocol/wal/wal_writer.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace spanline::wal {
namespace {

using namespace std::chrono_literals;
using spanline::testing::wait_until;

// A WAL as its peers see it: answers ping with its count (pc), owned list (ow)
// and instance; acks appends and remembers their partitions.
class StandInWal {
 public:
  StandInWal(bus::Context& context, std::string endpoint, std::string instance, uint32_t count, std::string owned)
      : context_(context), endpoint_(std::move(endpoint)), instance_(std::move(instance)), count_(count), owned_(std::move(owned)) {
    start();
  }
  ~StandInWal() { stop(); }

  void start() {
    stopping_ = false;
    socket_ = std::make_unique<zmq::socket_t>(bus::bind_router(context_, endpoint_));
    thread_ = std::thread([this] { serve(); });
  }
  void stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
    socket_.reset();
  }
  std::vector<uint32_t> appended() {
    std::lock_guard lock(mutex_);
    return appended_;
  }
  const std::string& endpoint() const { return endpoint_; }

 private:
  void serve() {
    zmq::pollitem_t item{socket_->handle(), 0, ZMQ_POLLIN, 0};
    while (!stopping_) {
      zmq::poll(&item, 1, 20ms);
      for (;;) {
        bus::Received received = bus::receive_message(*socket_, true);
        if (!received.got_message) break;
        const bus::Header& asked = received.message.header;
        bus::Header reply = bus::make_header(
            asked.message_type() == bus::MessageType::append ? bus::MessageType::append_ack : bus::MessageType::pong,
            asked.request_id);
        reply.partitions = count_;
        reply.owned = owned_;
        reply.instance = instance_;
        if (asked.message_type() == bus::MessageType::append) {
          std::lock_guard lock(mutex_);
          appended_.push_back(static_cast<uint32_t>(asked.partition));
        }
        (void)bus::send_message(*socket_, received.message.routing_id, reply);
      }
    }
  }

  bus::Context& context_;
  std::string endpoint_;
  std::string instance_;
  uint32_t count_;
  std::string owned_;
  std::unique_ptr<zmq::socket_t> socket_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::vector<uint32_t> appended_;
};

class WalMapTest : public ::testing::Test {
 protected:
  std::string endpoint(const std::string& name) { return "ipc://" + dir / (name + ".sock"); }

  testing::TempDir dir;
  bus::Context context;
};

std::vector<WalPart> parts_for(std::initializer_list<uint32_t> partitions) {
  std::vector<WalPart> parts;
  for (uint32_t p : partitions) parts.push_back({.partition = p, .items = 1, .bytes = "span of partition " + std::to_string(p)});
  return parts;
}

TEST(ParseWalEndpoints, TakesOneOrAListAndRefusesAnEmptyItem) {
  EXPECT_EQ(*parse_wal_endpoints("ipc:///run/wal.sock"), std::vector<std::string>{"ipc:///run/wal.sock"});
  EXPECT_EQ(*parse_wal_endpoints("tcp://a:7001, tcp://b:7001"), (std::vector<std::string>{"tcp://a:7001", "tcp://b:7001"}));
  for (const char* bad : {"", "tcp://a:7001,", ",tcp://b:7001", "tcp://a:7001,,tcp://b:7001"}) {
    auto parsed = parse_wal_endpoints(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.status().code(), Code::invalid_argument);
    EXPECT_NE(parsed.status().message().find("--wal-endpoint"), std::string::npos) << parsed.status().message();
  }
}

TEST_F(WalMapTest, LearnsTheCountAndEachPartitionsOwnerFromTheWals) {
  StandInWal a(context, endpoint("a"), "wal-a", 4, "0-1");
  StandInWal b(context, endpoint("b"), "", 4, "2,3");
  WalMap map(context, {a.endpoint(), b.endpoint()}, "the test", 0, 64);
  auto count = map.wait(5s);
  ASSERT_TRUE(count) << count.status().to_string();
  EXPECT_EQ(*count, 4u);
  std::vector<bus::RequestClient*> clients = map.clients();
  ASSERT_EQ(clients.size(), 2u);
  for (uint32_t p : {0u, 1u}) EXPECT_EQ(*map.owner(p), clients[0]) << p;
  for (uint32_t p : {2u, 3u}) EXPECT_EQ(*map.owner(p), clients[1]) << p;
  EXPECT_EQ(map.owner(4).status().code(), Code::invalid_argument);
  std::vector<WalView> wals = map.wals();
  EXPECT_EQ(wals[0].instance, "wal-a");
  EXPECT_EQ(wals[1].instance, "") << "a WAL that does not say its instance is named by its endpoint";
  EXPECT_EQ(wals[1].owned, (std::vector<uint32_t>{2, 3}));
  EXPECT_TRUE(wals[0].answering && wals[1].answering);
  EXPECT_EQ(map.endpoints_text(), a.endpoint() + "," + b.endpoint());
}

TEST_F(WalMapTest, AWalThatSaysNothingOfOwnershipOwnsEveryPartition) {
  StandInWal only(context, endpoint("only"), "wal-1", 8, "");
  WalMap map(context, {only.endpoint()}, "the test", 8, 64);
  ASSERT_TRUE(map.wait(5s));
  for (uint32_t p = 0; p < 8; ++p) EXPECT_EQ(*map.owner(p), map.clients()[0]) << p;
  EXPECT_EQ(map.wals()[0].owned.size(), 8u);
}

TEST_F(WalMapTest, BeforeAnyWalAnswersEverythingIsUnavailableNamingTheEndpoints) {
  WalMap map(context, {endpoint("nobody")}, "the test", 0, 64);
  auto count = map.wait(300ms);
  ASSERT_FALSE(count);
  EXPECT_EQ(count.status().code(), Code::unavailable);
  EXPECT_NE(count.status().message().find(endpoint("nobody")), std::string::npos) << count.status().message();
  EXPECT_EQ(map.owner(0).status().code(), Code::unavailable);
}

// A caller that waits before each append (the api's playground runs) pays for
// a WAL that is down once, not on every wait.
TEST_F(WalMapTest, AWalThatIsDownDelaysOnlyTheFirstWait) {
  StandInWal a(context, endpoint("a"), "wal-a", 4, "0-1");
  WalMap map(context, {a.endpoint(), endpoint("down")}, "the test", 0, 64);
  ASSERT_TRUE(map.wait(5s));
  auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(map.wait(5s));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 500ms);
  EXPECT_EQ(*map.owner(0), map.clients()[0]);
  auto unknown = map.owner(2);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.status().message().find("not yet heard from: " + endpoint("down")), std::string::npos)
      << unknown.status().message();
}

TEST_F(WalMapTest, AWalThatStopsAnsweringKeepsItsPartitions) {
  StandInWal a(context, endpoint("a"), "wal-a", 4, "0-1");
  StandInWal b(context, endpoint("b"), "wal-b", 4, "2-3");
  WalMap map(context, {a.endpoint(), b.endpoint()}, "the test", 0, 64);
  ASSERT_TRUE(map.wait(5s));
  b.stop();
  ASSERT_TRUE(wait_until([&] { return !map.wals()[1].answering; }, 5s));
  EXPECT_EQ(*map.owner(2), map.clients()[1]) << "its parts go to it (and fail there), not to a WAL that would refuse them";
  EXPECT_EQ(map.wals()[1].owned, (std::vector<uint32_t>{2, 3}));
  b.start();
  EXPECT_TRUE(wait_until([&] { return map.wals()[1].answering; }, 5s));
}

TEST_F(WalMapTest, APartitionTwoWalsClaimIsUnavailableNamingBoth) {
  StandInWal a(context, endpoint("a"), "wal-a", 4, "0-2");
  StandInWal b(context, endpoint("b"), "wal-b", 4, "2-3");
  WalMap map(context, {a.endpoint(), b.endpoint()}, "the test", 0, 64);
  ASSERT_TRUE(map.wait(5s));
  auto two = map.owner(2);
  ASSERT_FALSE(two);
  EXPECT_EQ(two.status().code(), Code::unavailable);
  EXPECT_NE(two.status().message().find("claimed by two WALs"), std::string::npos) << two.status().message();
  EXPECT_NE(two.status().message().find("wal-a"), std::string::npos) << two.status().message();
  EXPECT_NE(two.status().message().find("wal-b"), std::string::npos) << two.status().message();
  EXPECT_EQ(*map.owner(1), map.clients()[0]) << "the other partitions still have their one owner";
  EXPECT_EQ(*map.owner(3), map.clients()[1]);
}

TEST_F(WalMapTest, WalsThatDisagreeOnTheCountMakeEverythingUnavailableNamingBoth) {
  StandInWal a(context, endpoint("a"), "wal-a", 4, "0-1");
  StandInWal b(context, endpoint("b"), "wal-b", 8, "2-3");
  WalMap map(context, {a.endpoint(), b.endpoint()}, "the test", 0, 64);
  auto count = map.wait(5s);
  ASSERT_FALSE(count);
  EXPECT_EQ(count.status().code(), Code::unavailable);
  EXPECT_NE(count.status().message().find("disagree on the partition count"), std::string::npos) << count.status().message();
  EXPECT_NE(count.status().message().find("wal-a"), std::string::npos) << count.status().message();
  EXPECT_NE(count.status().message().find("wal-b"), std::string::npos) << count.status().message();
  EXPECT_EQ(map.owner(0).status().code(), Code::unavailable);
}

TEST_F(WalMapTest, ACountOtherThanTheConfiguredOneIsFailedPrecondition) {
  StandInWal a(context, endpoint("a"), "wal-a", 4, "");
  WalMap map(context, {a.endpoint()}, "the test", 8, 64);
  auto count = map.wait(5s);
  ASSERT_FALSE(count);
  EXPECT_EQ(count.status().code(), Code::failed_precondition);
  EXPECT_NE(count.status().message().find("configured with --partitions 8, but the WAL has 4"), std::string::npos)
      << count.status().message();
}

TEST_F(WalMapTest, APartitionNoWalOwnsIsUnavailable) {
  StandInWal a(context, endpoint("a"), "wal-a", 4, "0-1");
  WalMap map(context, {a.endpoint()}, "the test", 0, 64);
  ASSERT_TRUE(map.wait(5s));
  auto none = map.owner(3);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.status().code(), Code::unavailable);
  EXPECT_NE(none.status().message().find("no WAL owns partition 3"), std::string::npos) << none.status().message();
}

TEST_F(WalMapTest, TheWriterSendsEachPartToItsOwnerAndFailsWhenAnOwnerIsDown) {
  StandInWal a(context, endpoint("a"), "wal-a", 4, "0-1");
  StandInWal b(context, endpoint("b"), "wal-b", 4, "2-3");
  WalWriter writer(context, a.endpoint() + "," + b.endpoint(), 64, 0, "the test");
  ASSERT_TRUE(writer.wait_for_partitions(5s));
  ASSERT_TRUE(writer.append_all(parts_for({0, 1, 2, 3, 3}), 2s).is_ok());
  EXPECT_EQ(a.appended(), (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(b.appended(), (std::vector<uint32_t>{2, 3, 3}));

  b.stop();
  ASSERT_TRUE(wait_until([&] { return !writer.map().wals()[1].answering; }, 5s));
  Status failed = writer.append_all(parts_for({1, 2}), 300ms);
  EXPECT_TRUE(failed.code() == Code::unavailable || failed.code() == Code::deadline_exceeded) << failed.to_string();
  EXPECT_TRUE(writer.append_all(parts_for({0, 1}), 2s).is_ok()) << "the other WAL's partitions still take parts";
  b.start();
  EXPECT_TRUE(wait_until([&] { return writer.append_all(parts_for({2}), 1s).is_ok(); }, 10s));
}

TEST_F(WalMapTest, TheWriterSendsNothingWhenAPartHasNoOwner) {
  StandInWal a(context, endpoint("a"), "wal-a", 4, "0-1");
  WalWriter writer(context, a.endpoint(), 64, 0, "the test");
  ASSERT_TRUE(writer.wait_for_partitions(5s));
  Status failed = writer.append_all(parts_for({0, 3}), 1s);
  EXPECT_EQ(failed.code(), Code::unavailable);
  EXPECT_NE(failed.message().find("no WAL owns partition 3"), std::string::npos) << failed.message();
  EXPECT_TRUE(a.appended().empty()) << "the Export failed before any part landed";
}

}  // namespace
}  // namespace spanline::wal
