#include "stages/api/query/indexer_fanout.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "bus/sockets.h"
#include "protocol/stage_stats.h"
#include "tests/support/temp_dir.h"

namespace spanline::api {
namespace {

using namespace std::chrono_literals;
namespace query = protocol::query;

// How a fake indexer treats the queries it gets.
enum class Behaviour { answer, never_answer, fail_partitions, refuse_query };

// An indexer's query ROUTER, faked on its own thread: it answers each asked
// partition with {"by": "<instance>"} (after `delay`), or never, or with a
// per-partition error, or refuses the whole query as invalid_argument.
class FakeIndexer {
 public:
  FakeIndexer(bus::Context& context, std::string instance, std::string endpoint, Behaviour behaviour,
              std::chrono::milliseconds delay = 0ms)
      : instance_(std::move(instance)), endpoint_(std::move(endpoint)), behaviour_(behaviour), delay_(delay),
        socket_(bus::bind_router(context, endpoint_)) {
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeIndexer() {
    stopping_ = true;
    thread_.join();
    socket_.close();
  }

  const std::string& instance() const { return instance_; }
  const std::string& endpoint() const { return endpoint_; }
  int requests() const { return requests_; }

 private:
  void serve() {
    zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
    while (!stopping_) {
      zmq::poll(&item, 1, 10ms);
      for (;;) {
        bus::Received received = bus::receive_message(socket_, true);
        if (!received.got_message) break;
        ++requests_;
        if (behaviour_ != Behaviour::never_answer) answer(received.message);
      }
    }
  }

  void answer(bus::Message& message) {
    std::this_thread::sleep_for(delay_);
    auto request = query::decode_request(message.payload.at(0).to_string_view());
    ASSERT_TRUE(request.is_ok()) << request.status().to_string();
    if (behaviour_ == Behaviour::refuse_query) {
      (void)bus::send_message(socket_, message.routing_id,
                              bus::make_error(message.header.request_id, Status(Code::invalid_argument, "no such kind")));
      return;
    }
    std::vector<query::PartitionResult> results;
    for (uint32_t partition : request->partitions) {
      query::PartitionResult result{.partition = partition};
      if (behaviour_ == Behaviour::fail_partitions) {
        result.error = Status(Code::failed_precondition, "partition " + std::to_string(partition) + " is not owned by this indexer");
      } else {
        result.data = R"({"by":")" + instance_ + R"("})";
      }
      results.push_back(std::move(result));
    }
    std::vector<zmq::message_t> payload;
    payload.push_back(bus::frame_taking(query::encode_results(results)));
    (void)bus::send_message(socket_, message.routing_id, bus::make_header(bus::MessageType::query_reply, message.header.request_id), payload);
  }

  std::string instance_;
  std::string endpoint_;
  Behaviour behaviour_;
  std::chrono::milliseconds delay_;
  zmq::socket_t socket_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

// An indexer's stats as the directory hears them: its partitions, their states and lags.
bus::StatsSnapshot indexer_stats(const FakeIndexer& indexer, const std::string& partitions, const std::string& states,
                                 double lag_seconds) {
  bus::StatsSnapshot snapshot{.stage = "indexer", .instance = indexer.instance(), .pid = 7};
  snapshot.info["query_endpoint"] = indexer.endpoint();
  snapshot.info["partitions"] = partitions;
  if (!states.empty()) snapshot.info[std::string(stats_names::kIndexerReplicaStates)] = states;
  for (uint32_t partition : parse_partition_list(partitions)) {
    snapshot.gauges[std::string(stats_names::kIndexerLagSeconds) + ".p" + std::to_string(partition)] = lag_seconds;
  }
  return snapshot;
}

// Which replica answered each partition, in partition order.
std::vector<std::string> answered_by(const FanoutResult& result) {
  std::vector<std::string> by;
  for (const PartitionAnswer& answer : result.answers) by.push_back(std::to_string(answer.partition) + ":" + json::parse(answer.data)["by"].get<std::string>());
  return by;
}

class IndexerFanoutTest : public ::testing::Test {
 protected:
  std::string endpoint(const std::string& name) { return "ipc://" + dir / name; }
  // A fake indexer the directory has heard announce `partitions` with `states` and `lag_seconds`.
  std::unique_ptr<FakeIndexer> indexer(const std::string& instance, Behaviour behaviour, const std::string& partitions,
                                       const std::string& states, double lag_seconds, std::chrono::milliseconds delay = 0ms) {
    auto fake = std::make_unique<FakeIndexer>(context, instance, endpoint(instance), behaviour, delay);
    directory.observe(indexer_stats(*fake, partitions, states, lag_seconds));
    return fake;
  }
  // The services query over `partitions`, and how long it took.
  std::pair<Result<FanoutResult>, std::chrono::steady_clock::duration> timed_query(IndexerFanout& fanout, std::vector<uint32_t> partitions) {
    const auto started = std::chrono::steady_clock::now();
    auto result = fanout.query(services, partitions);
    return {std::move(result), std::chrono::steady_clock::now() - started};
  }

  testing::TempDir dir;
  bus::Context context;
  StageDirectory directory;
  const query::Query services = query::ServicesQuery{};
};

TEST_F(IndexerFanoutTest, AReplicaThatNeverAnswersIsHedgedToTheNextOne) {
  // The silent one is the better candidate (less lag): it is asked first.
  auto silent = indexer("ix-silent", Behaviour::never_answer, "0-1", "0:ready,1:ready", 0);
  auto answering = indexer("ix-answering", Behaviour::answer, "0-1", "", 5);
  IndexerFanout fanout(context, directory, {.timeout = 3000ms, .hedge = 200ms});

  auto [result, took] = timed_query(fanout, {0, 1});
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  EXPECT_TRUE(result->missing.empty()) << ::testing::PrintToString(result->reasons);
  EXPECT_EQ(answered_by(*result), (std::vector<std::string>{"0:ix-answering", "1:ix-answering"}));
  EXPECT_GE(took, 200ms) << "the second replica is asked only after the hedge time";
  EXPECT_LT(took, 1500ms) << "the answer does not wait for the silent replica's deadline";
  EXPECT_EQ(silent->requests(), 1) << "both partitions went to the first replica in one request";
  EXPECT_EQ(answering->requests(), 1);
}

TEST_F(IndexerFanoutTest, WithoutHedgingASilentReplicaCostsItsPartitions) {
  auto silent = indexer("ix-silent", Behaviour::never_answer, "0", "", 0);
  auto answering = indexer("ix-answering", Behaviour::answer, "0", "", 5);
  IndexerFanout fanout(context, directory, {.timeout = 400ms, .hedge = 0ms});

  auto result = fanout.query(services, {0});
  ASSERT_TRUE(result.is_ok());
  EXPECT_EQ(result->missing, std::vector<uint32_t>{0});
  ASSERT_EQ(result->reasons.size(), 1u);
  // Said by the fan-out at its deadline, or by the client a hair before it.
  EXPECT_NE(result->reasons[0].find("within 400 ms"), std::string::npos) << result->reasons[0];
  EXPECT_EQ(answering->requests(), 0);
}

TEST_F(IndexerFanoutTest, WhenBothReplicasAnswerEachPartitionIsMergedOnce) {
  auto a = indexer("ix-a", Behaviour::answer, "0-3", "", 0, 100ms);
  auto b = indexer("ix-b", Behaviour::answer, "0-3", "", 1, 100ms);
  // A hedge far below the answer time: every partition is asked of both.
  IndexerFanout fanout(context, directory, {.timeout = 3000ms, .hedge = 1ms});

  auto result = fanout.query(services, {0, 1, 2, 3});
  ASSERT_TRUE(result.is_ok());
  EXPECT_TRUE(result->missing.empty());
  ASSERT_EQ(result->answers.size(), 4u);
  for (uint32_t partition = 0; partition < 4; ++partition) EXPECT_EQ(result->answers[partition].partition, partition);
  EXPECT_EQ(a->requests(), 1);
  EXPECT_EQ(b->requests(), 1);
}

TEST_F(IndexerFanoutTest, ABuildingReplicaIsNeverAsked) {
  auto building = indexer("ix-building", Behaviour::answer, "0-1", "0:building,1:building", 0);
  auto ready = indexer("ix-ready", Behaviour::answer, "0-1", "0:ready,1:leaving", 9, 50ms);
  IndexerFanout fanout(context, directory, {.timeout = 3000ms, .hedge = 1ms});

  auto result = fanout.query(services, {0, 1});
  ASSERT_TRUE(result.is_ok());
  EXPECT_EQ(answered_by(*result), (std::vector<std::string>{"0:ix-ready", "1:ix-ready"}));
  EXPECT_EQ(building->requests(), 0);
}

TEST_F(IndexerFanoutTest, AFailingReplicaIsPassedOverAtOnceAndOnlyEveryFailureIsPartial) {
  auto failing = indexer("ix-failing", Behaviour::fail_partitions, "0-1", "", 0);
  auto answering = indexer("ix-answering", Behaviour::answer, "0", "", 5);
  IndexerFanout fanout(context, directory, {.timeout = 3000ms, .hedge = 0ms});

  auto [result, took] = timed_query(fanout, {0, 1});
  ASSERT_TRUE(result.is_ok());
  EXPECT_LT(took, 1000ms) << "a failure does not wait for a hedge or the deadline";
  EXPECT_EQ(answered_by(*result), std::vector<std::string>{"0:ix-answering"});
  EXPECT_EQ(result->missing, std::vector<uint32_t>{1}) << "partition 1's only replica failed";
  ASSERT_EQ(result->reasons.size(), 1u);
  EXPECT_NE(result->reasons[0].find("is not owned by this indexer"), std::string::npos) << result->reasons[0];
}

TEST_F(IndexerFanoutTest, AnInvalidQueryEndsTheQueryInsteadOfTryingOtherReplicas) {
  auto refusing = indexer("ix-refusing", Behaviour::refuse_query, "0", "", 0);
  auto answering = indexer("ix-answering", Behaviour::answer, "0", "", 5, 200ms);
  IndexerFanout fanout(context, directory, {.timeout = 3000ms, .hedge = 0ms});

  auto result = fanout.query(services, {0});
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.status().code(), Code::invalid_argument);
  EXPECT_EQ(answering->requests(), 0);
}

TEST(StageDirectoryReplicas, CandidatesLeaveOutBuildingAndPutReadyAndLowLagFirst) {
  StageDirectory directory;
  auto indexer = [&](const std::string& instance, const std::string& states, double lag) {
    bus::StatsSnapshot snapshot{.stage = "indexer", .instance = instance, .pid = 1};
    snapshot.info["query_endpoint"] = "tcp://" + instance + ":5560";
    snapshot.info["partitions"] = "0";
    if (!states.empty()) snapshot.info[std::string(stats_names::kIndexerReplicaStates)] = states;
    snapshot.gauges["lag_seconds.p0"] = lag;
    directory.observe(snapshot);
  };
  indexer("leaving-fast", "0:leaving", 0);
  indexer("ready-slow", "0:ready", 8);
  indexer("building", "0:building", 0);
  indexer("static", "", 2);  // announces no states: ready

  auto candidates = directory.query_replicas(10s);
  ASSERT_EQ(candidates.count(0), 1u);
  std::vector<std::string> order;
  for (const PartitionReplica& replica : candidates[0]) order.push_back(replica.instance + "/" + replica.state);
  EXPECT_EQ(order, (std::vector<std::string>{"static/ready", "ready-slow/ready"}))
      << "with a fresh ready replica a leaving one is not asked at all: it may have stopped indexing";
}

TEST(StageDirectoryReplicas, LeavingReplicasAreAskedOnlyWithoutAFreshReadyOneAndUnknownStatesNever) {
  StageDirectory directory;
  auto indexer = [&](const std::string& instance, const std::string& states) {
    bus::StatsSnapshot snapshot{.stage = "indexer", .instance = instance, .pid = 1};
    snapshot.info["query_endpoint"] = "tcp://" + instance + ":5560";
    snapshot.info["partitions"] = "0,1";
    snapshot.info[std::string(stats_names::kIndexerReplicaStates)] = states;
    directory.observe(snapshot);
  };
  indexer("cut-off", "0:leaving,1:leaving");  // e.g. its WAL is down: every replica of those partitions is leaving
  indexer("odd", "0:sideways,1:building");
  auto candidates = directory.query_replicas(10s);
  ASSERT_EQ(candidates[0].size(), 1u) << "a state this build does not know is never asked";
  EXPECT_EQ(candidates[0][0].instance, "cut-off");
  ASSERT_EQ(candidates[1].size(), 1u);
  EXPECT_EQ(candidates[1][0].state, "leaving") << "without a ready replica the leaving one answers: better than partial";
}

TEST(StageDirectoryReplicas, ReplicaStatesParseAndSkipWhatIsMalformed) {
  EXPECT_EQ(parse_replica_states("0:ready,3:building,12:leaving"),
            (std::map<uint32_t, std::string>{{0, "ready"}, {3, "building"}, {12, "leaving"}}));
  EXPECT_EQ(parse_replica_states("x:ready,4,5:,:ready,6:ready"), (std::map<uint32_t, std::string>{{6, "ready"}}));
  EXPECT_TRUE(parse_replica_states("").empty());
}

}  // namespace
}  // namespace spanline::api
