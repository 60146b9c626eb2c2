// End-to-end Export benchmark: starts a real wal and gateway on a temp folder,
// sends 100-span Export requests over gRPC from 1 client (one request in flight)
// and from N concurrent clients, and prints acked spans/s and latency
// percentiles beside the limits measured in the same run on the same requests:
// protobuf parse (spans/s per core) and a synced RocksDB append of one request
// per write (what the WAL would do without group commit).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "stages/common/options.h"
#include "stages/wal/log_store.h"
#include "tests/support/otlp_client.h"
#include "tests/support/pipeline.h"

namespace spanline::bench {
namespace {

using Clock = std::chrono::steady_clock;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

double percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t index = std::min(values.size() - 1, static_cast<size_t>(p / 100.0 * static_cast<double>(values.size())));
  return values[index];
}

struct RunResult {
  double spans_per_second = 0;
  double p50_ms = 0, p90_ms = 0, p99_ms = 0;
  uint64_t errors = 0;
};

RunResult run_clients(const std::string& target, const std::string& api_key, int clients, int spans_per_request, std::chrono::seconds duration) {
  std::vector<std::vector<double>> latencies(static_cast<size_t>(clients));
  std::atomic<uint64_t> spans{0}, errors{0};
  auto deadline = Clock::now() + duration;
  std::vector<std::thread> threads;
  auto started = Clock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      testing::OtlpClient client(target, api_key);
      // Prepared ahead so the measurement is the pipeline, not request building.
      std::vector<ExportTraceServiceRequest> requests;
      for (int i = 0; i < 64; ++i) requests.push_back(client.make_request(spans_per_request / 10, 10));
      size_t next = 0;
      while (Clock::now() < deadline) {
        auto t0 = Clock::now();
        grpc::Status status = client.send(requests[next++ % requests.size()]);
        double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (status.ok()) {
          spans += static_cast<uint64_t>(spans_per_request);
          latencies[static_cast<size_t>(c)].push_back(ms);
        } else {
          ++errors;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  RunResult result;
  result.spans_per_second = static_cast<double>(spans.load()) / seconds;
  result.p50_ms = percentile(all, 50);
  result.p90_ms = percentile(all, 90);
  result.p99_ms = percentile(all, 99);
  result.errors = errors.load();
  return result;
}

double parse_limit(const ExportTraceServiceRequest& request, int spans) {
  std::string bytes = request.SerializeAsString();
  ExportTraceServiceRequest parsed;
  int iterations = 0;
  auto started = Clock::now();
  while (Clock::now() - started < std::chrono::seconds(2)) {
    parsed.ParseFromString(bytes);
    ++iterations;
  }
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return iterations * spans / seconds;
}

double rocksdb_single_append_limit(const std::string& dir, const ExportTraceServiceRequest& request, int spans) {
  auto store = wal::LogStore::open(dir + "/limit-wal");
  if (!store) return 0;
  std::string bytes = request.SerializeAsString();
  int writes = 0;
  auto started = Clock::now();
  while (Clock::now() - started < std::chrono::seconds(2)) {
    std::vector<wal::AppendRecord> records = {{0, {bus::SignalKind::traces, 0, static_cast<uint32_t>(spans)}, bytes, 0}};
    if (!(*store)->append(records).is_ok()) return 0;
    ++writes;
  }
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return writes * spans / seconds;
}

}  // namespace
}  // namespace spanline::bench

int main(int argc, char** argv) {
  using namespace spanline;
  uint32_t seconds = 5;
  uint32_t spans = 100;
  uint32_t concurrency = 16;
  Options options("spanline-bench-export",
                  "Measures acked Export throughput and latency through a real gateway and wal, beside the raw\n"
                  "protobuf-parse and synced-RocksDB-append limits of the same requests.");
  options.add("seconds", &seconds, "Duration of each load phase.")
      .add("spans-per-request", &spans, "Spans per Export request (a multiple of 10).")
      .add("concurrency", &concurrency, "Clients in the concurrent phase.");
  auto parsed = options.parse(argc, argv);
  if (!parsed) {
    std::fprintf(stderr, "%s\n", parsed.status().message().c_str());
    return 2;
  }
  if (parsed->exit_now) return 0;
  int n = static_cast<int>(std::max<uint32_t>(10, spans / 10 * 10));

  testing::Pipeline pipeline({.http = false, .gateway_args = {"--log-level", "warn"}});
  pipeline.start();
  testing::OtlpClient maker(pipeline.grpc_target(), pipeline.api_key());
  auto request = maker.make_request(n / 10, 10);
  double parse = bench::parse_limit(request, n);
  double rocks = bench::rocksdb_single_append_limit(pipeline.data_dir(), request, n);
  auto one = bench::run_clients(pipeline.grpc_target(), pipeline.api_key(), 1, n, std::chrono::seconds(seconds));
  auto many = bench::run_clients(pipeline.grpc_target(), pipeline.api_key(), static_cast<int>(concurrency), n, std::chrono::seconds(seconds));
  std::printf("# Export benchmark: %d spans per request, %u s per phase, %u cores\n\n", n, seconds,
              std::thread::hardware_concurrency());
  std::printf("| measurement | spans/s | p50 ms | p90 ms | p99 ms | errors |\n|---|---|---|---|---|---|\n");
  std::printf("| limit: protobuf parse, 1 core | %.0f | | | | |\n", parse);
  std::printf("| limit: RocksDB synced append, 1 request per write | %.0f | | | | |\n", rocks);
  std::printf("| pipeline: 1 client, 1 request in flight | %.0f | %.2f | %.2f | %.2f | %llu |\n", one.spans_per_second,
              one.p50_ms, one.p90_ms, one.p99_ms, static_cast<unsigned long long>(one.errors));
  std::printf("| pipeline: %u clients | %.0f | %.2f | %.2f | %.2f | %llu |\n", concurrency, many.spans_per_second,
              many.p50_ms, many.p90_ms, many.p99_ms, static_cast<unsigned long long>(many.errors));
  std::printf("\n1 client reaches %.0f%% of the single-append limit; %u clients reach %.0f%% of it (group commit).\n",
              100 * one.spans_per_second / rocks, concurrency, 100 * many.spans_per_second / rocks);
  return 0;
}
