// Acknowledged means durable: under a steady stream of Exports the wal process
// is SIGKILLed at random moments and restarted; every span whose Export got OK
// must be in the log afterwards, and the gateway recovers without a restart.
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

}  // namespace
}  // namespace spanline::testing
