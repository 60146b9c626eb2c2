// Exactly once in the index: under a steady stream, indexers are SIGKILLed at
// random moments and restarted; after catch-up every acknowledged span is in
// the shards exactly once and every trace summary agrees with its spans.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <random>
#include <thread>

#include "stages/indexer/shard.h"
#include "tests/support/otlp_client.h"
#include "tests/support/pipeline.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;

std::set<SpanKey> indexed_keys(const Pipeline& pipeline, int64_t& rows) {
  std::set<SpanKey> keys;
  rows = 0;
  for (uint32_t p = 0; p < pipeline.partitions(); ++p) {
    auto db = Database::open(indexer::shard_path(pipeline.data_dir(), p), true);
    if (!db) continue;
    auto statement = (*db)->prepare("SELECT lower(hex(trace_id)), lower(hex(span_id)) FROM spans");
    while (statement && *statement->step()) {
      keys.insert({statement->column_text(0), statement->column_text(1)});
      ++rows;
    }
  }
  return keys;
}

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

  int64_t rows = 0;
  ASSERT_TRUE(wait_until([&] { return indexed_keys(pipeline, rows).size() >= acked.size(); }, 60s)) << pipeline.logs();
  std::set<SpanKey> keys = indexed_keys(pipeline, rows);
  size_t missing = 0;
  for (const auto& key : acked) missing += keys.contains(key) ? 0 : 1;
  std::printf("[indexer fault] kills=%d spans acked=%zu indexed rows=%lld distinct=%zu missing=%zu duplicated=%lld\n", kKills,
              acked.size(), static_cast<long long>(rows), keys.size(), missing, static_cast<long long>(rows) - static_cast<long long>(keys.size()));
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(rows, static_cast<int64_t>(keys.size())) << "no span twice";
  EXPECT_EQ(pipeline.shard_sum("SELECT sum(span_count) FROM traces"), rows) << "summaries agree with spans";
  EXPECT_EQ(pipeline.shard_sum("SELECT count(*) FROM traces WHERE span_count <> 5"), 0);
  for (uint32_t p = 0; p < pipeline.partitions(); ++p) {
    auto db = Database::open(indexer::shard_path(pipeline.data_dir(), p), true);
    ASSERT_TRUE(db.is_ok());
    auto check = (*db)->prepare("PRAGMA integrity_check");
    ASSERT_TRUE(check.is_ok() && *check->step());
    EXPECT_EQ(check->column_text(0), "ok") << "shard " << p;
  }
}

}  // namespace
}  // namespace spanline::testing
