// Index benchmark: how fast the indexers turn the WAL into shards, beside the
// limit of the same work done in one process straight into SQLite, and the
// index lag (Export acknowledged -> span queryable in its shard) at a steady rate.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

#include "bus/partition.h"
#include "stages/common/options.h"
#include "stages/indexer/shard.h"
#include "stages/indexer/span_decoder.h"
#include "tests/support/otlp_client.h"
#include "tests/support/pipeline.h"

namespace spanline::bench {
namespace {

using Clock = std::chrono::steady_clock;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(p / 100.0 * static_cast<double>(values.size())))];
}

std::vector<ExportTraceServiceRequest> make_requests(int count) {
  testing::OtlpClient maker("127.0.0.1:1");
  std::vector<ExportTraceServiceRequest> requests;
  for (int i = 0; i < count; ++i) requests.push_back(maker.make_request(10, 10));
  return requests;
}

// The same spans decoded and written into one shard in one process: the limit.
double sqlite_limit(const std::string& dir, const std::vector<ExportTraceServiceRequest>& requests) {
  auto shard = indexer::Shard::open(dir + "/limit.sqlite", 0);
  if (!shard) return 0;
  auto started = Clock::now();
  uint64_t spans = 0, sequence = 0;
  std::vector<indexer::BatchEntry> batch;
  for (const auto& request : requests) {
    auto records = indexer::decode_spans(request.SerializeAsString());
    spans += records->size();
    batch.push_back({++sequence, 1, std::move(records.value())});
    if (batch.size() == 50) {
      (void)(*shard)->apply(batch, sequence);
      batch.clear();
    }
  }
  if (!batch.empty()) (void)(*shard)->apply(batch, sequence);
  return static_cast<double>(spans) / std::chrono::duration<double>(Clock::now() - started).count();
}

void fill(testing::Pipeline& pipeline, const std::vector<ExportTraceServiceRequest>& requests) {
  std::atomic<size_t> next{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < 8; ++t) {
    senders.emplace_back([&] {
      testing::OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
      for (size_t i = next++; i < requests.size(); i = next++) (void)client.send(requests[i]);
    });
  }
  for (auto& s : senders) s.join();
}

double indexing_rate(const std::vector<std::string>& layout, const std::vector<ExportTraceServiceRequest>& requests) {
  testing::Pipeline pipeline({.http = false, .indexers = layout, .indexer_args = {"--log-level", "warn"}});
  pipeline.start_wal();
  pipeline.start_gateway();
  fill(pipeline, requests);
  int64_t total = static_cast<int64_t>(requests.size()) * 100;
  auto started = Clock::now();
  for (size_t i = 0; i < layout.size(); ++i) pipeline.start_indexer(i);
  if (!pipeline.wait_indexed(total, std::chrono::minutes(5))) return 0;
  return static_cast<double>(total) / std::chrono::duration<double>(Clock::now() - started).count();
}

struct LagResult {
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  size_t samples = 0;
  double sent_rate = 0;
};

LagResult steady_lag(int spans_per_second, int seconds) {
  testing::Pipeline pipeline({.http = false, .indexers = {"0-3"}, .indexer_args = {"--log-level", "warn"}});
  pipeline.start();
  testing::OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  int requests_per_second = spans_per_second / 100;
  auto requests = make_requests(requests_per_second * seconds);
  std::mutex mutex;
  std::vector<std::pair<std::string, Clock::time_point>> probes;  // trace id acked at
  std::vector<double> lags;
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    std::vector<std::unique_ptr<Database>> shards(4);
    while (!done || !probes.empty()) {
      std::pair<std::string, Clock::time_point> probe;
      {
        std::lock_guard lock(mutex);
        if (probes.empty()) {
          if (done) break;
        } else {
          probe = probes.front();
        }
      }
      if (probe.first.empty()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      uint32_t p = bus::partition_of(probe.first, 4);
      if (!shards[p]) {
        auto db = Database::open(indexer::shard_path(pipeline.data_dir(), p), true);
        if (db) shards[p] = std::move(db.value());
      }
      bool found = false;
      if (shards[p]) {
        auto query = shards[p]->prepare("SELECT count(*) FROM spans WHERE trace_id = ?");
        if (query) {
          query->bind_blob(1, probe.first);
          found = query->step().is_ok() && query->column_int(0) > 0;
        }
      }
      if (found) {
        lags.push_back(std::chrono::duration<double, std::milli>(Clock::now() - probe.second).count());
        std::lock_guard lock(mutex);
        probes.erase(probes.begin());
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
  });
  auto started = Clock::now();
  for (size_t i = 0; i < requests.size(); ++i) {
    auto due = started + std::chrono::microseconds(static_cast<int64_t>(i) * 1'000'000 / requests_per_second);
    std::this_thread::sleep_until(due);
    if (client.send(requests[i]).ok() && i % 10 == 0) {
      std::lock_guard lock(mutex);
      probes.emplace_back(requests[i].resource_spans(0).scope_spans(0).spans(0).trace_id(), Clock::now());
    }
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
  done = true;
  watcher.join();
  LagResult result;
  result.samples = lags.size();
  result.p50_ms = percentile(lags, 50);
  result.p99_ms = percentile(lags, 99);
  result.max_ms = lags.empty() ? 0 : *std::max_element(lags.begin(), lags.end());
  result.sent_rate = static_cast<double>(requests.size()) * 100 / elapsed;
  return result;
}

}  // namespace
}  // namespace spanline::bench

int main(int argc, char** argv) {
  using namespace spanline;
  uint32_t requests = 2000;
  uint32_t rate = 10000;
  uint32_t seconds = 10;
  Options options("spanline-bench-index",
                  "Measures indexed spans/s for 1 and 2 indexers (WAL pre-filled, then indexers started) beside the\n"
                  "single-process SQLite limit of the same spans, and index lag at a steady Export rate.");
  options.add("requests", &requests, "Export requests of 100 spans to pre-fill the WAL with.")
      .add("rate", &rate, "Spans per second for the lag phase.")
      .add("seconds", &seconds, "Duration of the lag phase.");
  auto parsed = options.parse(argc, argv);
  if (!parsed) {
    std::fprintf(stderr, "%s\n", parsed.status().message().c_str());
    return 2;
  }
  if (parsed->exit_now) return 0;
  auto batch = bench::make_requests(static_cast<int>(requests));
  testing::TempDir scratch;
  double limit = bench::sqlite_limit(scratch.path(), batch);
  double one = bench::indexing_rate({"0-3"}, batch);
  double two = bench::indexing_rate({"0,1", "2,3"}, batch);
  auto lag = bench::steady_lag(static_cast<int>(rate), static_cast<int>(seconds));
  std::printf("# Index benchmark: %u requests x 100 spans (one string attribute each), %u cores\n\n", requests,
              std::thread::hardware_concurrency());
  std::printf("| measurement | spans/s | share of limit |\n|---|---|---|\n");
  std::printf("| limit: decode + SQLite shard write, one process, one shard | %.0f | 100%% |\n", limit);
  std::printf("| pipeline: 1 indexer, 4 partitions | %.0f | %.0f%% |\n", one, 100 * one / limit);
  std::printf("| pipeline: 2 indexers, 2 partitions each | %.0f | %.0f%% |\n", two, 100 * two / limit);
  std::printf("\nIndex lag at a steady %.0f spans/s for %u s (Export acked -> trace queryable in its shard), %zu samples:\n",
              lag.sent_rate, seconds, lag.samples);
  std::printf("p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", lag.p50_ms, lag.p99_ms, lag.max_ms);
  return 0;
}
