// The wal process spoken to over the bus exactly as the gateway and the
// indexers will: appends, reads, long-poll, retention, the disk budget, and
// malformed messages.
#include <gtest/gtest.h>

#include <future>
#include <map>
#include <thread>

#include "bus/request_client.h"
#include "bus/sockets.h"
#include "protocol/wal/group_membership.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;

class WalBus : public ::testing::Test {
 protected:
  void start(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--data-dir", dir.path()};
    args.insert(args.end(), extra.begin(), extra.end());
    wal = std::make_unique<Process>(bin_path("spanline-wal"), args, dir / "wal.log");
    wal->start();
    client = std::make_unique<bus::RequestClient>(context, bus::ClientOptions{.endpoint = endpoint()});
    ASSERT_TRUE(wait_until([&] { return ping().is_ok(); })) << wal->log();
  }
  void TearDown() override {
    client.reset();
    if (wal) wal->stop();
  }
  std::string endpoint() const { return "ipc://" + dir.path() + "/run/wal.sock"; }
  // Another WAL on the same data folder that must refuse to start: it logs
  // `says` and exits 2 by itself.
  void expect_refused_start(const std::vector<std::string>& extra, const std::string& says) {
    std::vector<std::string> args = {"--data-dir", dir.path()};
    args.insert(args.end(), extra.begin(), extra.end());
    Process other(bin_path("spanline-wal"), args, dir / "wal-refused.log");
    other.start();
    EXPECT_TRUE(wait_until([&] { return other.log().find(says) != std::string::npos; })) << other.log();
    EXPECT_EQ(other.stop(), 2) << "exited by itself, refusing to start";
  }
  // One frame sent on a bare DEALER and the WAL's reply as it came, error
  // header and all (RequestClient turns an error into a Status).
  bus::Received exchange_raw(const std::string& frame) {
    zmq::socket_t raw = bus::connect_dealer(context, endpoint());
    std::this_thread::sleep_for(100ms);
    raw.send(zmq::buffer(frame), zmq::send_flags::none);
    zmq::pollitem_t item{raw.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, 2000ms);
    return bus::receive_message(raw, false);
  }
  Status ping() { return client->call(bus::make_header(bus::MessageType::ping), {}, {.timeout = 500ms}).status(); }

  Result<bus::Message> append(int partition, const std::string& bytes, uint64_t items = 1) {
    bus::Header header = bus::make_header(bus::MessageType::append);
    header.partition = partition;
    header.kind = static_cast<uint8_t>(bus::SignalKind::traces);
    header.count = items;
    std::vector<zmq::message_t> payload;
    payload.emplace_back(bytes.data(), bytes.size());
    return client->call(header, std::move(payload), {.timeout = 3s});
  }

  Result<bus::Message> read(int partition, uint64_t after, uint32_t wait_ms = 0, const std::string& consumer = "",
                            uint64_t committed = 0, uint64_t max_bytes = 0) {
    bus::Header header = bus::make_header(bus::MessageType::read);
    header.partition = partition;
    header.sequence = after;
    header.wait_ms = wait_ms;
    header.consumer = consumer;
    header.committed = committed;
    header.max_bytes = max_bytes;
    return client->call(header, {}, {.timeout = 5s});
  }

  TempDir dir;
  bus::Context context;
  std::unique_ptr<Process> wal;
  std::unique_ptr<bus::RequestClient> client;
};

TEST_F(WalBus, AppendsAreAckedWithSequencesAndReadBackByteForByte) {
  start();
  auto first = append(2, std::string("\x00\x01 first", 8), 3);
  auto second = append(2, "second");
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  ASSERT_TRUE(second.is_ok());
  EXPECT_EQ(first->header.message_type(), bus::MessageType::append_ack);
  EXPECT_EQ(first->header.sequence, 1u);
  EXPECT_EQ(second->header.sequence, 2u);
  auto entries = read(2, 0);
  ASSERT_TRUE(entries.is_ok());
  EXPECT_EQ(entries->header.sequence, 2u) << "the durable head";
  ASSERT_EQ(entries->payload.size(), 2u);
  EXPECT_EQ(entries->payload[0].to_string(), std::string("\x00\x01 first", 8));
  EXPECT_EQ(entries->header.counts, (std::vector<uint32_t>{3, 1}));
  EXPECT_EQ(entries->header.sequences, (std::vector<uint64_t>{1, 2}));
  EXPECT_GT(entries->header.received_nanos[0], 0);
  EXPECT_TRUE(read(1, 0)->payload.empty()) << "partitions are separate";
  auto one = read(2, 0, 0, "", 0, 1);
  EXPECT_EQ(one->payload.size(), 1u) << "at least one entry even past the byte budget";
}

TEST_F(WalBus, ALongPollReadIsAnsweredAsSoonAsAnAppendIsSynced) {
  start();
  auto started = std::chrono::steady_clock::now();
  auto pending = std::async(std::launch::async, [&] { return read(0, 0, 3000); });
  std::this_thread::sleep_for(200ms);
  ASSERT_TRUE(append(0, "late").is_ok());
  auto reply = pending.get();
  auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(reply.is_ok());
  ASSERT_EQ(reply->payload.size(), 1u);
  EXPECT_EQ(reply->payload[0].to_string(), "late");
  EXPECT_LT(waited, 2000ms) << "answered by the append, not by the wait running out";

  auto empty_started = std::chrono::steady_clock::now();
  auto empty = read(0, 1, 300);
  ASSERT_TRUE(empty.is_ok());
  EXPECT_TRUE(empty->payload.empty());
  EXPECT_GE(std::chrono::steady_clock::now() - empty_started, 250ms);
}

TEST_F(WalBus, RetentionDeletesOnlyWhatEveryConsumerCommittedAndSequencesSurviveRestart) {
  start({"--wal-retention", "0s", "--wal-maintenance-interval", "1s"});
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(append(1, "entry " + std::to_string(i)).is_ok());
  ASSERT_TRUE(read(1, 3, 0, "index", 3).is_ok());  // committed through 3
  ASSERT_TRUE(wait_until([&] { return read(1, 0)->header.first_sequence == 4; }, 10s)) << wal->log();
  auto rest = read(1, 0);
  ASSERT_EQ(rest->payload.size(), 2u) << "entries 4 and 5 were not committed and must stay";
  EXPECT_EQ(rest->header.sequences.front(), 4u);
  wal->stop();
  wal->start();
  ASSERT_TRUE(wait_until([&] { return ping().is_ok(); }));
  auto after_restart = append(1, "new");
  ASSERT_TRUE(after_restart.is_ok());
  EXPECT_EQ(after_restart->header.sequence, 6u) << "sequences never repeat";
  std::string out;
  ASSERT_EQ(run_command({bin_path("spanline-wal"), "stat", "--json", "--data-dir", dir.path()}, &out), 0);
  EXPECT_NE(out.find("\"consumer\":\"index\",\"committed\":3"), std::string::npos) << out;
}

TEST_F(WalBus, PastTheDiskBudgetAppendsAreRefusedRetryably) {
  // A new log holds only its partition count (tens of bytes): under budget
  // until the first append is measured.
  start({"--wal-disk-budget", "1024"});
  ASSERT_TRUE(append(0, std::string(4096, 'x')).is_ok());
  size_t accepted = 1;
  Status refused;
  // The WAL measures its disk once a second; appends are taken until then.
  ASSERT_TRUE(wait_until([&] {
    refused = append(0, "more").status();
    if (refused.is_ok()) ++accepted;
    return !refused.is_ok();
  }, 5s));  // wait_until pauses 20 ms between tries: far fewer than one read's 1000 entries
  EXPECT_EQ(refused.code(), Code::resource_exhausted);
  EXPECT_NE(refused.message().find("disk budget"), std::string::npos) << refused.message();
  EXPECT_EQ(read(0, 0)->payload.size(), accepted) << "what was accepted stays";
}

TEST_F(WalBus, MalformedAndUnknownMessagesGetErrorsAndTheWalStaysUp) {
  start();
  bus::Received reply = exchange_raw(std::string("\xc1 not msgpack"));
  ASSERT_TRUE(reply.got_message);
  EXPECT_EQ(reply.message.header.message_type(), bus::MessageType::error);
  EXPECT_EQ(reply.message.header.code, static_cast<uint8_t>(Code::invalid_argument));

  auto unknown = client->call(bus::make_header(static_cast<bus::MessageType>(999)), {}, {.timeout = 2s});
  EXPECT_EQ(unknown.status().code(), Code::invalid_argument);
  bus::Header no_payload = bus::make_header(bus::MessageType::append);
  no_payload.partition = 0;
  no_payload.kind = 1;
  EXPECT_EQ(client->call(no_payload, {}, {.timeout = 2s}).status().code(), Code::invalid_argument);
  bus::Header bad_partition = bus::make_header(bus::MessageType::read);
  bad_partition.partition = -5;
  EXPECT_EQ(client->call(bad_partition, {}, {.timeout = 2s}).status().code(), Code::invalid_argument);
  EXPECT_TRUE(append(0, "still fine").is_ok());
  EXPECT_TRUE(wal->running());
}

// The WAL owns the partition count: chosen for a new log, kept in it, announced
// in every reply, and never changed by a later start.
TEST_F(WalBus, OwnsItsPartitionCountAndAnnouncesItInEveryReply) {
  start({"--partitions", "8"});
  auto pong = client->call(bus::make_header(bus::MessageType::ping), {}, {.timeout = 2s});
  ASSERT_TRUE(pong.is_ok()) << pong.status().to_string();
  EXPECT_EQ(pong->header.partitions, 8u);
  auto ack = append(7, "last partition");
  ASSERT_TRUE(ack.is_ok()) << ack.status().to_string();
  EXPECT_EQ(ack->header.partitions, 8u);
  EXPECT_EQ(read(7, 0)->header.partitions, 8u);
  Status past = append(8, "one too far").status();
  EXPECT_EQ(past.code(), Code::invalid_argument);
  EXPECT_NE(past.message().find("partitions are 0 to 7"), std::string::npos) << past.message();
  EXPECT_EQ(read(8, 0).status().code(), Code::invalid_argument);
  // An append split by another count would put spans where lookups never look.
  bus::Header split_for_four = bus::make_header(bus::MessageType::append);
  split_for_four.partition = 1;
  split_for_four.partitions = 4;
  split_for_four.kind = static_cast<uint8_t>(bus::SignalKind::traces);
  std::vector<zmq::message_t> payload;
  payload.emplace_back(std::string_view("x"));
  Status refused = client->call(split_for_four, std::move(payload), {.timeout = 2s}).status();
  EXPECT_EQ(refused.code(), Code::failed_precondition);
  EXPECT_NE(refused.message().find("split for 4 partitions, but the WAL has 8"), std::string::npos) << refused.message();

  // Restarted without --partitions: the log's count.
  client.reset();
  EXPECT_EQ(wal->stop(), 0);
  start();
  EXPECT_EQ(client->call(bus::make_header(bus::MessageType::ping), {}, {.timeout = 2s})->header.partitions, 8u);
  client.reset();
  EXPECT_EQ(wal->stop(), 0);

  // Restarted with another count: it does not start, and says both.
  expect_refused_start({"--partitions", "4"}, "has 8 partitions, but --partitions is 4");
}

// A WAL owning some partitions: it serves those, refuses the others
// retryably (the sender's map sends them to their owner), and says which it
// owns in every reply.
TEST_F(WalBus, OwnsOnlyItsPartitionsAndAnnouncesThemInEveryReply) {
  start({"--partitions", "4", "--owned-partitions", "0-1", "--instance", "wal-a"});
  auto pong = client->call(bus::make_header(bus::MessageType::ping), {}, {.timeout = 2s});
  ASSERT_TRUE(pong.is_ok()) << pong.status().to_string();
  EXPECT_EQ(pong->header.owned, "0-1");
  EXPECT_EQ(pong->header.instance, "wal-a");
  EXPECT_EQ(pong->header.partitions, 4u);
  auto ack = append(0, "mine");
  ASSERT_TRUE(ack.is_ok()) << ack.status().to_string();
  EXPECT_EQ(ack->header.owned, "0-1");
  Status refused = append(2, "not mine").status();
  EXPECT_EQ(refused.code(), Code::unavailable);
  EXPECT_NE(refused.message().find("WAL wal-a does not own partition 2; it owns 0-1"), std::string::npos) << refused.message();
  EXPECT_EQ(read(3, 0).status().code(), Code::unavailable);
  EXPECT_EQ(read(1, 0).status().code(), Code::ok);
  // The refusal itself carries the list, so the sender learns where to go.
  bus::Header header = bus::make_header(bus::MessageType::read);
  header.partition = 2;
  bus::Received error = exchange_raw(bus::encode_header(header));
  ASSERT_TRUE(error.got_message);
  EXPECT_EQ(error.message.header.message_type(), bus::MessageType::error);
  EXPECT_EQ(error.message.header.owned, "0-1");

  client.reset();
  EXPECT_EQ(wal->stop(), 0);
  expect_refused_start({"--owned-partitions", "3-4"}, "names partition 4, but the log has 4 partitions");
}

// Two members join one WAL over the bus: the first gets every partition, the
// second builds its half while the first keeps it, and once the second has
// caught up the first's reads of that half are refused (fencing).
TEST_F(WalBus, AFreshLogAssignsTheFirstMemberAtOnce) {
  start({"--partitions", "4", "--wal-member-timeout", "2s"});
  bus::Header header = bus::make_header(bus::MessageType::join);
  header.consumer = "index";
  header.instance = "ix-a";
  std::vector<zmq::message_t> payload;
  payload.push_back(bus::frame_taking(wal::encode(wal::JoinRequest{.query_endpoint = "tcp://ix-a:7010", .held = {}})));
  auto reply = client->call(header, std::move(payload), {.timeout = 2s});
  ASSERT_TRUE(reply.is_ok()) << reply.status().to_string();
  auto joined = wal::decode_join_reply(reply->payload.at(0).to_string());
  ASSERT_TRUE(joined.is_ok());
  EXPECT_FALSE(joined->settling) << "nothing in the log that a member could hold: no reason to listen first";
  EXPECT_EQ(joined->assigned.size(), 4u) << "a fresh `spanline up` indexes from its first second";
}

TEST_F(WalBus, JoinedMembersSplitThePartitionsAndAMovedPartitionIsFenced) {
  start({"--partitions", "4", "--wal-member-timeout", "2s"});
  ASSERT_TRUE(append(0, "before the group").is_ok());
  // A log that has taken entries listens for a member timeout after each start
  // (a fresh one assigns at once: nobody can hold any of it).
  client.reset();
  wal->stop();
  start({"--partitions", "4", "--wal-member-timeout", "2s"});
  auto join = [&](const std::string& instance) -> Result<wal::JoinReply> {
    bus::Header header = bus::make_header(bus::MessageType::join);
    header.consumer = "index";
    header.instance = instance;
    std::vector<zmq::message_t> payload;
    payload.push_back(bus::frame_taking(wal::encode(wal::JoinRequest{.query_endpoint = "tcp://" + instance + ":7010", .held = {}})));
    auto reply = client->call(header, std::move(payload), {.timeout = 2s});
    if (!reply) return reply.status();
    EXPECT_EQ(reply->header.owned, "0-3");
    if (reply->payload.size() != 1) return Status(Code::internal, "join_reply without its frame");
    return wal::decode_join_reply(reply->payload[0].to_string());
  };
  std::map<uint32_t, uint64_t> epochs;  // the last epoch each partition was assigned under
  auto states = [&](const std::string& instance) {
    std::map<uint32_t, wal::ReplicaState> out;
    auto reply = join(instance);
    EXPECT_TRUE(reply.is_ok()) << reply.status().to_string();
    if (reply) {
      EXPECT_FALSE(reply->settling);
      for (const wal::PartitionAssignment& a : reply->assigned) {
        out[a.partition] = static_cast<wal::ReplicaState>(a.state);
        epochs[a.partition] = a.epoch;
      }
    }
    return out;
  };
  // A member's read carries the epoch it reads under; a static reader's none.
  auto member_read = [&](const std::string& instance, int partition, uint64_t committed, uint64_t epoch) {
    bus::Header header = bus::make_header(bus::MessageType::read);
    header.partition = partition;
    header.consumer = "index";
    header.instance = instance;
    header.committed = committed;
    header.epoch = epoch;
    return client->call(header, {}, {.timeout = 2s}).status();
  };

  // For a member timeout after its start the WAL only listens.
  auto settling = join("ix-a");
  ASSERT_TRUE(settling.is_ok()) << settling.status().to_string();
  EXPECT_TRUE(settling->settling) << "just started: hearing who is alive first";
  EXPECT_TRUE(settling->assigned.empty());
  ASSERT_TRUE(wait_until([&] { return !join("ix-a")->settling; }, 5s)) << wal->log();
  auto a = states("ix-a");
  ASSERT_EQ(a.size(), 4u);
  for (const auto& [p, state] : a) EXPECT_EQ(state, wal::ReplicaState::ready) << p;
  auto b = states("ix-b");
  ASSERT_EQ(b.size(), 2u) << "half of the four";
  for (const auto& [p, state] : b) EXPECT_EQ(state, wal::ReplicaState::building) << p;
  a = states("ix-a");
  ASSERT_EQ(a.size(), 4u) << "ix-a keeps them while ix-b builds";
  for (const auto& [p, state] : b) {
    EXPECT_EQ(a[p], wal::ReplicaState::leaving) << p;
    EXPECT_TRUE(member_read("ix-a", static_cast<int>(p), 0, epochs[p]).is_ok()) << "a leaving replica still reads";
    // Caught up to the head as of its adding (1 in partition 0, else 0).
    EXPECT_TRUE(member_read("ix-b", static_cast<int>(p), p == 0 ? 1 : 0, epochs[p]).is_ok());
  }
  EXPECT_EQ(states("ix-a").size(), 4u) << "kept for the handover grace, while the apis learn that ix-b answers";
  EXPECT_TRUE(wait_until([&] {
    (void)join("ix-b");  // both stay members meanwhile
    return states("ix-a").size() == 2u;
  }, wal::kHandoverGrace + 2s))
      << "dropped from the moved half once the grace has passed";
  for (const auto& [p, state] : states("ix-b")) EXPECT_EQ(state, wal::ReplicaState::ready) << p;
  const auto moved = static_cast<int>(b.begin()->first);
  Status fenced = member_read("ix-a", moved, 0, epochs[b.begin()->first]);
  EXPECT_EQ(fenced.code(), Code::failed_precondition);
  EXPECT_NE(fenced.message().find("is assigned to ix-b"), std::string::npos) << fenced.message();
  EXPECT_TRUE(member_read("static-1", moved, 0, 0).is_ok()) << "a read without an epoch keeps the lease path";
  EXPECT_EQ(member_read("static-2", moved, 0, 0).code(), Code::failed_precondition) << "and its lease";

  // A join without its request is refused and counted; the WAL stays up.
  bus::Header bare = bus::make_header(bus::MessageType::join);
  bare.consumer = "index";
  bare.instance = "ix-c";
  EXPECT_EQ(client->call(bare, {}, {.timeout = 2s}).status().code(), Code::invalid_argument);
  std::vector<zmq::message_t> junk;
  junk.emplace_back(std::string_view("\xc1"));
  EXPECT_EQ(client->call(bare, std::move(junk), {.timeout = 2s}).status().code(), Code::invalid_argument);
  EXPECT_TRUE(wal->running());
}

}  // namespace
}  // namespace spanline::testing
