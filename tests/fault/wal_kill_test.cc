// Acknowledged means durable: under a steady stream of Exports the wal process
// is SIGKILLed at random moments and restarted; every span whose Export got OK
// must be in the log afterwards, and the gateway recovers without a restart.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/otlp_client.h"
#include "tests/support/pipeline.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;

TEST(WalFault, EveryAcknowledgedSpanSurvivesSigkillOfTheWal) {
  Pipeline pipeline({.gateway_args = {"--wal-timeout", "1s"}});
  pipeline.start();
  std::mutex mutex;
  std::set<SpanKey> acked;
  std::atomic<bool> stop{false};
  std::atomic<int> ok_count{0}, failed_count{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < 3; ++t) {
    senders.emplace_back([&] {
      OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
      while (!stop) {
        auto request = client.make_request(5, 4);
        grpc::Status status = client.send(request, nullptr, 5s);
        if (status.ok()) {
          auto keys = OtlpClient::keys_of(request);
          std::lock_guard lock(mutex);
          acked.insert(keys.begin(), keys.end());
          ++ok_count;
        } else {
          ++failed_count;
          // The retryable codes, never a silent loss or a crash.
          EXPECT_TRUE(status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                      status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED ||
                      status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
              << status.error_code() << " " << status.error_message();
        }
      }
    });
  }
  std::mt19937 random(std::random_device{}());
  constexpr int kKills = 4;
  for (int kill = 0; kill < kKills; ++kill) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + random() % 700));
    pipeline.wal().kill_hard();
    std::this_thread::sleep_for(std::chrono::milliseconds(random() % 300));
    pipeline.start_wal();
  }
  std::this_thread::sleep_for(500ms);
  stop = true;
  for (auto& sender : senders) sender.join();

  std::set<SpanKey> in_wal;
  for (const auto& span : pipeline.wal_spans()) in_wal.insert({span.trace_id, span.span_id});
  size_t lost = 0;
  for (const auto& key : acked) lost += in_wal.contains(key) ? 0 : 1;
  std::printf("[wal fault] kills=%d exports ok=%d failed=%d spans acked=%zu in wal=%zu lost=%zu\n", kKills, ok_count.load(),
              failed_count.load(), acked.size(), in_wal.size(), lost);
  EXPECT_EQ(lost, 0u) << pipeline.logs();
  EXPECT_GT(ok_count.load(), 20) << "the stream must keep flowing between kills";
  EXPECT_TRUE(pipeline.gateway().running()) << "the gateway recovers on its own";
  std::string out;
  EXPECT_EQ(run_command({bin_path("spanline-wal"), "stat", "--verify", "--data-dir", pipeline.data_dir()}, &out), 0) << out;
}

// A WAL whose disk was replaced starts a new log, whose sequences count from 1 again: the
// indexer's shards must read it from its start, not skip its entries up to their old cursors.
TEST(WalFault, ALogMadeAfreshIsIndexedFromItsStartNotSkippedByTheShardsOldCursors) {
  Pipeline pipeline({.indexers = {""}});
  pipeline.start();
  OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  std::set<SpanKey> acked;
  auto send = [&](int requests) {
    for (int i = 0; i < requests; ++i) {
      auto request = client.make_request(5, 4);
      ASSERT_TRUE(client.send(request).ok());
      auto keys = OtlpClient::keys_of(request);
      acked.insert(keys.begin(), keys.end());
    }
  };
  send(12);  // about 12 entries per partition: the cursors stand there
  auto before = pipeline.wait_for_acked(acked);
  ASSERT_EQ(before.lost, 0u) << pipeline.logs();
  ASSERT_EQ(pipeline.wal().stop(std::chrono::seconds(5)), 0);
  std::filesystem::remove_all(pipeline.data_dir() + "/wal");  // the disk is lost: a new, empty log
  pipeline.start_wal();
  send(3);  // sequences 1..3 or so again, below every cursor
  auto after = pipeline.wait_for_acked(acked);
  EXPECT_EQ(after.lost, 0u) << "entries of the new log skipped\n" << pipeline.logs();
  EXPECT_EQ(after.duplicated, 0u);
  const std::string indexer_log = pipeline.indexer(0).log();
  EXPECT_NE(indexer_log.find("reading the new log from its start"), std::string::npos) << indexer_log;
  // The shards' first reads of the new log carried their old cursors: the WAL must not have taken
  // them for its retention cursors (retention would delete entries nobody read).
  std::string out;
  ASSERT_EQ(run_command({bin_path("spanline-wal"), "stat", "--json", "--data-dir", pipeline.data_dir()}, &out), 0) << out;
  auto stat = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(stat.is_discarded()) << out;
  std::map<uint32_t, uint64_t> heads;
  for (const auto& partition : stat["partitions"]) heads[partition["partition"]] = partition["head"];
  for (const auto& cursor : stat["cursors"]) {
    EXPECT_LE(cursor["committed"].get<uint64_t>(), heads[cursor["partition"].get<uint32_t>()]) << out;
  }
}

}  // namespace
}  // namespace spanline::testing
