// Chaos: the whole pipeline (auth, api, wal, gateway, two indexers over four
// partitions) under a steady stream of Exports, while a driver SIGKILLs a
// random stage at random moments and restarts it. At the end every span whose
// Export got OK is in the index exactly once, and the WAL and every shard pass
// their integrity checks. SPANLINE_CHAOS_KILLS sets the number of kills
// (20 in the suite; 200 for a release check).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <random>
#include <thread>

#include "tests/support/otlp_client.h"
#include "tests/support/pipeline.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;

int kills_wanted() {
  const char* value = std::getenv("SPANLINE_CHAOS_KILLS");
  return value != nullptr && std::atoi(value) > 0 ? std::atoi(value) : 20;
}

bool retryable(grpc::StatusCode code) {
  return code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::RESOURCE_EXHAUSTED ||
         code == grpc::StatusCode::DEADLINE_EXCEEDED;
}

TEST(Chaos, EveryAckedSpanIsIndexedExactlyOnceWhileRandomStagesAreKilled) {
  Pipeline pipeline({.gateway_args = {"--wal-timeout", "1s"}, .indexers = {"0,1", "2,3"}, .api = true});
  pipeline.start();

  std::mutex mutex;
  std::set<SpanKey> acked;
  std::map<std::string, int> failures;  // by status code name and message start
  std::atomic<bool> stop{false};
  std::atomic<int> exports_ok{0}, exports_failed{0}, exports_wrong{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < 2; ++t) {
    senders.emplace_back([&] {
      OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
      while (!stop) {
        auto request = client.make_request(4, 5);
        grpc::Status status = client.send(request, nullptr, 5s);
        std::lock_guard lock(mutex);
        if (status.ok()) {
          auto keys = OtlpClient::keys_of(request);
          acked.insert(keys.begin(), keys.end());
          ++exports_ok;
          continue;
        }
        ++exports_failed;
        if (!retryable(status.error_code())) {
          ++exports_wrong;
          ++failures[std::to_string(status.error_code()) + " " + status.error_message().substr(0, 60)];
        }
        std::this_thread::sleep_for(20ms);  // a client's retry backoff
      }
    });
  }

  const std::vector<std::string> stages = {"gateway", "wal", "indexer 0", "indexer 1", "auth", "api"};
  std::map<std::string, int> kills_by_stage;
  std::mt19937 random(std::random_device{}());
  const int kills = kills_wanted();
  for (int kill = 0; kill < kills; ++kill) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200 + random() % 600));
    const std::string& victim = stages[random() % stages.size()];
    ++kills_by_stage[victim];
    if (victim == "gateway") pipeline.gateway().kill_hard();
    if (victim == "wal") pipeline.wal().kill_hard();
    if (victim == "indexer 0") pipeline.indexer(0).kill_hard();
    if (victim == "indexer 1") pipeline.indexer(1).kill_hard();
    if (victim == "auth") pipeline.auth().process().kill_hard();
    if (victim == "api") pipeline.api().kill_hard();
    std::this_thread::sleep_for(std::chrono::milliseconds(random() % 300));
    if (victim == "gateway") pipeline.start_gateway();
    if (victim == "wal") pipeline.start_wal();
    if (victim == "indexer 0") pipeline.start_indexer(0);
    if (victim == "indexer 1") pipeline.start_indexer(1);
    if (victim == "auth") pipeline.start_auth();
    if (victim == "api") pipeline.start_api();
  }
  std::this_thread::sleep_for(1s);  // some Exports after the last restart
  stop = true;
  for (auto& sender : senders) sender.join();

  // Every acked span reaches the index; spans written but not acked (the
  // client saw an error) may be there too, but nothing more than once.
  const Pipeline::IndexTally tally = pipeline.wait_for_acked(acked);
  std::string by_stage;
  for (const auto& [stage, count] : kills_by_stage) by_stage += " " + stage + "=" + std::to_string(count);
  std::printf("[chaos] kills=%d (%s ) exports ok=%d failed=%d; spans acked=%zu indexed=%zu lost=%zu duplicated=%zu\n", kills,
              by_stage.c_str() + 1, exports_ok.load(), exports_failed.load(), acked.size(), tally.indexed, tally.lost, tally.duplicated);

  EXPECT_EQ(tally.lost, 0u) << pipeline.logs();
  EXPECT_EQ(tally.duplicated, 0u);
  EXPECT_GT(exports_ok.load(), kills) << "the stream keeps flowing between kills";
  EXPECT_EQ(exports_wrong.load(), 0) << "a failed Export says retry (UNAVAILABLE, RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED); got "
                                     << ::testing::PrintToString(failures);
  // Each trace's summary counts the spans its shard holds.
  EXPECT_EQ(pipeline.shard_sum("SELECT count(*) FROM traces t WHERE span_count != (SELECT count(*) FROM spans s WHERE "
                               "s.trace_id = t.trace_id)"),
            0);
  EXPECT_EQ(pipeline.shard_integrity_problems(), "");
  std::string out;
  EXPECT_EQ(run_command({bin_path("spanline-wal"), "stat", "--verify", "--data-dir", pipeline.data_dir()}, &out), 0) << out;
  for (size_t i = 0; i < 2; ++i) EXPECT_TRUE(pipeline.indexer(i).running()) << pipeline.indexer(i).log();
}

}  // namespace
}  // namespace spanline::testing
