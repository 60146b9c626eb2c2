// Slow stages: when the indexers stop keeping up or the WAL's disk stalls, the
// client is told to back off (RESOURCE_EXHAUSTED or UNAVAILABLE), no stage's
// memory grows without bound, and once the stage moves again everything acked
// is indexed exactly once. A stage is made slow with SIGSTOP: to the rest of
// the pipeline that is what an fsync stuck on a dying disk looks like.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "tests/support/otlp_client.h"
#include "tests/support/pipeline.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;

// What "bounded" means here; AddressSanitizer's shadow memory and quarantine
// (the asan preset) roughly triple every process's resident size.
#if defined(__SANITIZE_ADDRESS__)
constexpr double kBoundedRssMb = 1024;
#else
constexpr double kBoundedRssMb = 300;
#endif

// Exports from two threads until stopped; remembers what was acked and how
// each failure was answered.
class Load {
 public:
  Load(const Pipeline& pipeline, int payload_bytes) {
    for (int t = 0; t < 2; ++t) {
      threads_.emplace_back([this, &pipeline, payload_bytes] {
        OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
        while (!stop_) {
          auto request = client.make_request(5, 10);
          for (auto& span : *request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans()) {
            auto* kv = span.add_attributes();
            kv->set_key("llm.prompt");
            kv->mutable_value()->set_string_value(std::string(static_cast<size_t>(payload_bytes), 'p'));
          }
          grpc::Status status = client.send(request, nullptr, 5s);
          std::lock_guard lock(mutex_);
          if (status.ok()) {
            auto keys = OtlpClient::keys_of(request);
            acked_.insert(keys.begin(), keys.end());
            ++ok_;
          } else {
            ++failed_by_code_[status.error_code()];
            last_failure_ = status.error_message();
            std::this_thread::sleep_for(50ms);
          }
        }
      });
    }
  }
  ~Load() { stop(); }
  void stop() {
    stop_ = true;
    for (auto& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }
  int ok() {
    std::lock_guard lock(mutex_);
    return ok_;
  }
  std::map<int, int> failures() {
    std::lock_guard lock(mutex_);
    return failed_by_code_;
  }
  std::string last_failure() {
    std::lock_guard lock(mutex_);
    return last_failure_;
  }
  std::set<SpanKey> acked() {
    std::lock_guard lock(mutex_);
    return acked_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::set<SpanKey> acked_;
  std::map<int, int> failed_by_code_;
  std::string last_failure_;
  int ok_ = 0;
  std::vector<std::thread> threads_;
};

struct Peaks {
  double gateway = 0, wal = 0;
};

// Samples the gateway's and the WAL's RSS every 200 ms for `how_long`.
Peaks watch_memory(Pipeline& pipeline, std::chrono::milliseconds how_long) {
  Peaks peaks;
  auto until = std::chrono::steady_clock::now() + how_long;
  while (std::chrono::steady_clock::now() < until) {
    peaks.gateway = std::max(peaks.gateway, pipeline.gateway().rss_mb());
    peaks.wal = std::max(peaks.wal, pipeline.wal().rss_mb());
    std::this_thread::sleep_for(200ms);
  }
  return peaks;
}

void expect_all_indexed_once(Pipeline& pipeline, const std::set<SpanKey>& acked, const char* label) {
  const Pipeline::IndexTally tally = pipeline.wait_for_acked(acked, 90s);
  std::printf("[%s] acked=%zu indexed=%zu lost=%zu duplicated=%zu\n", label, acked.size(), tally.indexed, tally.lost, tally.duplicated);
  EXPECT_EQ(tally.lost, 0u) << pipeline.logs();
  EXPECT_EQ(tally.duplicated, 0u);
}

TEST(Backpressure, AStoppedIndexerFillsTheWalBudgetThenClientsAreToldToBackOff) {
  // A small disk budget so the backlog reaches it within seconds.
  Pipeline pipeline({.wal_args = {"--wal-disk-budget", "8388608"}, .indexers = {"0-3"}});
  pipeline.start();
  Load load(pipeline, 2048);
  std::this_thread::sleep_for(1s);
  pipeline.indexer(0).pause();
  Peaks stalled = watch_memory(pipeline, 8s);
  auto failures = load.failures();
  const std::string refusal = load.last_failure();
  const int ok_while_stalled = load.ok();
  pipeline.indexer(0).resume();
  // Once the indexer drains the backlog the WAL frees its budget and accepts again.
  bool accepting = wait_until([&, before = load.ok()] { return load.ok() > before + 20; }, 60s);
  load.stop();
  std::printf("[slow indexer] peak RSS while stalled: gateway %.0f MB, wal %.0f MB; Exports refused with "
              "RESOURCE_EXHAUSTED=%d UNAVAILABLE=%d; last refusal: %s\n",
              stalled.gateway, stalled.wal, failures[grpc::StatusCode::RESOURCE_EXHAUSTED], failures[grpc::StatusCode::UNAVAILABLE],
              refusal.c_str());
  EXPECT_GT(failures[grpc::StatusCode::RESOURCE_EXHAUSTED], 0) << "the backlog must push back, not grow without end";
  EXPECT_NE(refusal.find("disk budget"), std::string::npos) << refusal;
  EXPECT_GT(ok_while_stalled, 0);
  EXPECT_LT(stalled.wal, kBoundedRssMb) << "the WAL keeps the backlog on disk, not in memory";
  EXPECT_LT(stalled.gateway, kBoundedRssMb);
  EXPECT_TRUE(accepting) << "ingest resumes once the indexer catches up\n" << pipeline.logs();
  expect_all_indexed_once(pipeline, load.acked(), "slow indexer");
}

TEST(Backpressure, AStalledWalMakesExportsFailRetryablyAndTheGatewayStaysSmall) {
  Pipeline pipeline({.gateway_args = {"--wal-timeout", "1s"}, .indexers = {"0-3"}});
  pipeline.start();
  Load load(pipeline, 2048);
  std::this_thread::sleep_for(1s);
  pipeline.wal().pause();
  Peaks stalled = watch_memory(pipeline, 5s);
  pipeline.wal().resume();
  bool accepting = wait_until([&, before = load.ok()] { return load.ok() > before + 20; }, 30s);
  load.stop();
  auto failures = load.failures();
  int retryable = failures[grpc::StatusCode::UNAVAILABLE] + failures[grpc::StatusCode::RESOURCE_EXHAUSTED] +
                  failures[grpc::StatusCode::DEADLINE_EXCEEDED];
  int total_failed = 0;
  for (const auto& [code, count] : failures) total_failed += count;
  std::printf("[slow wal] peak gateway RSS while the WAL was stalled: %.0f MB; Exports failed: %d (UNAVAILABLE=%d "
              "RESOURCE_EXHAUSTED=%d DEADLINE_EXCEEDED=%d); last: %s\n",
              stalled.gateway, total_failed, failures[grpc::StatusCode::UNAVAILABLE], failures[grpc::StatusCode::RESOURCE_EXHAUSTED],
              failures[grpc::StatusCode::DEADLINE_EXCEEDED], load.last_failure().c_str());
  EXPECT_GT(total_failed, 0);
  EXPECT_EQ(retryable, total_failed) << "every failure tells the client to retry";
  EXPECT_LT(stalled.gateway, kBoundedRssMb) << "the gateway holds at most its in-flight budget";
  EXPECT_TRUE(accepting) << pipeline.logs();
  expect_all_indexed_once(pipeline, load.acked(), "slow wal");
}

}  // namespace
}  // namespace spanline::testing
