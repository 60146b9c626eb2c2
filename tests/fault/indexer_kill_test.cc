// Exactly once in the index: under a steady stream, indexers are SIGKILLed at
// random moments and restarted; after catch-up every acknowledged span is in
// the shards exactly once and every trace summary agrees with its spans.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <random>
#include <thread>

#include "tests/support/otlp_client.h"
#include "tests/support/pipeline.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;

TEST(IndexerFault, KilledIndexersResumeExactlyWhereTheyLeftOff) {
  Pipeline pipeline({.indexers = {"0,1", "2,3"}});
  pipeline.start();
  std::mutex mutex;
  std::set<SpanKey> acked;
  std::atomic<bool> stop{false};
  std::vector<std::thread> senders;
  for (int t = 0; t < 2; ++t) {
    senders.emplace_back([&] {
      OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
      while (!stop) {
        auto request = client.make_request(10, 5);
        if (client.send(request).ok()) {
          auto keys = OtlpClient::keys_of(request);
          std::lock_guard lock(mutex);
          acked.insert(keys.begin(), keys.end());
        }
      }
    });
  }
  std::mt19937 random(std::random_device{}());
  constexpr int kKills = 8;
  for (int kill = 0; kill < kKills; ++kill) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + random() % 500));
    size_t victim = random() % 2;
    pipeline.indexer(victim).kill_hard();
    std::this_thread::sleep_for(std::chrono::milliseconds(random() % 200));
    pipeline.start_indexer(victim);
  }
  stop = true;
  for (auto& sender : senders) sender.join();

  const Pipeline::IndexTally tally = pipeline.wait_for_acked(acked);
  const int64_t rows = pipeline.shard_sum("SELECT count(*) FROM spans");
  std::printf("[indexer fault] kills=%d spans acked=%zu indexed rows=%lld distinct=%zu missing=%zu duplicated=%zu\n", kKills,
              acked.size(), static_cast<long long>(rows), tally.indexed, tally.lost, tally.duplicated);
  EXPECT_EQ(tally.lost, 0u) << pipeline.logs();
  EXPECT_EQ(rows, static_cast<int64_t>(tally.indexed)) << "no span twice";
  EXPECT_EQ(pipeline.shard_sum("SELECT sum(span_count) FROM traces"), rows) << "summaries agree with spans";
  EXPECT_EQ(pipeline.shard_sum("SELECT count(*) FROM traces WHERE span_count <> 5"), 0);
  EXPECT_EQ(pipeline.shard_integrity_problems(), "");
}

}  // namespace
}  // namespace spanline::testing
