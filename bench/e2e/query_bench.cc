// Query benchmark: requests/s and latency of the api's main queries (trace by
// id, search by service and time, by attribute, full text) on an index of many
// spans over 4 partitions, through the api and the bus to two indexers, beside
// the same queries run directly on the shard files in one process (the cost of
// the bus hop and the HTTP layer as a ratio).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "protocol/wal/partitions.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "base/hex.h"
#include "base/options.h"
#include "stages/indexer/query/shard_queries.h"
#include "stages/indexer/shard.h"
#include "stages/indexer/span_decoder.h"
#include "tests/support/http_client.h"
#include "tests/support/pipeline.h"

namespace spanline::bench {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
constexpr uint32_t kPartitions = 4;
constexpr int kSpansPerTrace = 10;

struct Figures {
  double per_second = 0, p50_ms = 0, p99_ms = 0;
};

Figures measure(int requests, int threads, const std::function<void(int)>& one) {
  std::vector<std::vector<double>> latencies(static_cast<size_t>(threads));
  std::atomic<int> next{0};
  auto started = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i; (i = next.fetch_add(1)) < requests;) {
        auto begin = Clock::now();
        one(i);
        latencies[static_cast<size_t>(t)].push_back(std::chrono::duration<double, std::milli>(Clock::now() - begin).count());
      }
    });
  }
  for (auto& worker : workers) worker.join();
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto at = [&](double p) { return all.empty() ? 0 : all[std::min(all.size() - 1, static_cast<size_t>(p * static_cast<double>(all.size())))]; };
  return {static_cast<double>(requests) / seconds, at(0.5), at(0.99)};
}

// Builds the shards straight from generated spans (no WAL): services, names,
// a user id with 5000 values (attribute search), and a message with words
// from a small vocabulary plus a rare one (full text).
std::vector<std::string> build_index(const std::string& data_dir, int64_t spans, int64_t now_ns) {
  std::vector<std::unique_ptr<indexer::Shard>> shards;
  for (uint32_t p = 0; p < kPartitions; ++p) shards.push_back(std::move(indexer::Shard::open(indexer::shard_path(data_dir, p), p).value()));
  std::vector<std::vector<indexer::BatchEntry>> batches(kPartitions);
  std::vector<uint64_t> sequences(kPartitions, 0);
  std::mt19937_64 random(42);
  std::vector<std::string> trace_ids;
  const char* words[] = {"retrieval", "summarise", "plan", "answer", "tool", "search", "cache", "prompt"};
  const int64_t traces = spans / kSpansPerTrace;
  auto started = Clock::now();
  for (int64_t t = 0; t < traces; ++t) {
    ExportTraceServiceRequest request;
    auto* resource = request.add_resource_spans();
    auto* service = resource->mutable_resource()->add_attributes();
    service->set_key("service.name");
    service->mutable_value()->set_string_value("svc-" + std::to_string(t % 5));
    auto* scope = resource->add_scope_spans();
    std::string trace_id(16, '\0'), root(8, '\0');
    for (auto& c : trace_id) c = static_cast<char>(random());
    // Spread over the last 24 hours, newest traces last.
    const uint64_t start = static_cast<uint64_t>(now_ns - (traces - t) * (86'400'000'000'000 / traces));
    for (int s = 0; s < kSpansPerTrace; ++s) {
      auto* span = scope->add_spans();
      span->set_trace_id(trace_id);
      std::string span_id(8, '\0');
      for (auto& c : span_id) c = static_cast<char>(random() | 1);
      span->set_span_id(span_id);
      if (s == 0) root = span_id;
      else span->set_parent_span_id(root);
      span->set_name(s == 0 ? "workflow" : "node " + std::to_string(s));
      span->set_start_time_unix_nano(start + static_cast<uint64_t>(s) * 1'000'000);
      span->set_end_time_unix_nano(start + static_cast<uint64_t>(s) * 1'000'000 + 800'000);
      auto add = [&](const char* key, const std::string& value) {
        auto* kv = span->add_attributes();
        kv->set_key(key);
        kv->mutable_value()->set_string_value(value);
      };
      add("user.id", "user-" + std::to_string(random() % 5000));
      std::string message = std::string(words[random() % 8]) + " " + words[random() % 8] + " step " + std::to_string(s);
      if (t % 10000 == 7) message += " zanzibar";
      add("message", message);
    }
    trace_ids.push_back(to_hex(trace_id));
    uint32_t p = wal::partition_of(trace_id, kPartitions);
    auto records = indexer::decode_spans(request.SerializeAsString());
    batches[p].push_back({++sequences[p], now_ns, std::move(records.value())});
    if (batches[p].size() == 100) {
      (void)shards[p]->apply(batches[p], sequences[p]);
      batches[p].clear();
    }
    if (t % 20000 == 0 && t > 0) {
      double rate = static_cast<double>(t * kSpansPerTrace) / std::chrono::duration<double>(Clock::now() - started).count();
      std::fprintf(stderr, "building index: %lld of %lld spans (%.0f spans/s)\n", static_cast<long long>(t * kSpansPerTrace),
                   static_cast<long long>(spans), rate);
    }
  }
  for (uint32_t p = 0; p < kPartitions; ++p) {
    if (!batches[p].empty()) (void)shards[p]->apply(batches[p], sequences[p]);
  }
  return trace_ids;
}

}  // namespace
}  // namespace spanline::bench

int main(int argc, char** argv) {
  using namespace spanline;
  using namespace spanline::bench;
  int64_t spans = 1'000'000;
  uint32_t requests = 400;
  uint32_t threads = 4;
  Options options("spanline-bench-query", "Query latency through the api and the bus beside the same queries on the shard files.");
  options.add("spans", &spans, "Spans in the index (10 per trace, over 4 partitions).")
      .add("requests", &requests, "Requests per query kind.")
      .add("threads", &threads, "Concurrent clients.");
  auto parsed = options.parse(argc, argv);
  if (!parsed) {
    std::fprintf(stderr, "%s\n", parsed.status().message().c_str());
    return 2;
  }
  if (parsed->exit_now) return 0;
  testing::Pipeline pipeline({.partitions = kPartitions, .http = false, .indexers = {"0,1", "2,3"}, .api = true});
  const int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto build_started = Clock::now();
  std::vector<std::string> trace_ids = build_index(pipeline.data_dir(), spans, now_ns);
  double build_seconds = std::chrono::duration<double>(Clock::now() - build_started).count();
  pipeline.start();
  const int port = pipeline.api_port();
  testing::wait_until([&] {
    auto response = testing::http_get(port, "/api/v1/services", pipeline.signed_in());
    return response.status == 200 && response.body.find("\"partial\":false") != std::string::npos;
  }, std::chrono::seconds(30));

  const std::string hour_ago = std::to_string((now_ns - 3'600'000'000'000) / 1'000'000);
  struct Kind {
    const char* name;
    std::function<std::string(int)> target;
    std::function<json(int)> direct;  // kind + params for the shard readers
    bool one_partition;
  };
  std::vector<Kind> kinds = {
      {"trace by id", [&](int i) { return "/api/v1/traces/" + trace_ids[static_cast<size_t>(i * 7919) % trace_ids.size()]; },
       [&](int i) { return json{{"kind", "trace"}, {"trace_id", trace_ids[static_cast<size_t>(i * 7919) % trace_ids.size()]}}; }, true},
      {"search: service + last hour", [&](int i) { return "/api/v1/traces?service=svc-" + std::to_string(i % 5) + "&start=" + hour_ago + "&limit=20"; },
       [&](int i) { return json{{"kind", "search"}, {"service", "svc-" + std::to_string(i % 5)}, {"from_ns", now_ns - 3'600'000'000'000}, {"limit", 20}}; }, false},
      {"search: attribute user.id", [&](int i) { return "/api/v1/traces?attr=user.id:user-" + std::to_string(i % 5000) + "&limit=20"; },
       [&](int i) { return json{{"kind", "search"}, {"attrs", json::array({{{"key", "user.id"}, {"op", "="}, {"value", "user-" + std::to_string(i % 5000)}}})}, {"limit", 20}}; }, false},
      {"search: full text (rare word)", [&](int) { return std::string("/api/v1/traces?q=zanzibar&limit=20"); },
       [&](int) { return json{{"kind", "search"}, {"q", "zanzibar"}, {"limit", 20}}; }, false},
  };
  std::printf("# Query benchmark: %lld spans (%zu traces) over %u partitions, 2 indexers, %u clients, %u requests per kind\n\n",
              static_cast<long long>(spans), trace_ids.size(), kPartitions, threads, requests);
  std::printf("Index built directly in %.1f s (%.0f spans/s).\n\n", build_seconds, static_cast<double>(spans) / build_seconds);
  std::printf("| query | api req/s | api p50 ms | api p99 ms | shards direct req/s | direct p50 ms | direct p99 ms | bus+http cost (p50 ratio) |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (const Kind& kind : kinds) {
    std::atomic<int> failures{0};
    Figures api = measure(static_cast<int>(requests), static_cast<int>(threads), [&](int i) {
      if (testing::http_get(port, kind.target(i), pipeline.signed_in()).status != 200) failures.fetch_add(1);
    });
    // Direct: each client thread has its own read-only connections, as an indexer's readers do.
    std::vector<std::vector<std::unique_ptr<indexer::query::ShardReader>>> readers(threads);
    for (auto& set : readers) {
      for (uint32_t p = 0; p < kPartitions; ++p) set.push_back(std::move(indexer::query::ShardReader::open(indexer::shard_path(pipeline.data_dir(), p), p).value()));
    }
    std::atomic<int> slot{0};
    thread_local int my_slot = -1;
    Figures direct = measure(static_cast<int>(requests), static_cast<int>(threads), [&](int i) {
      if (my_slot < 0) my_slot = slot.fetch_add(1);
      json request = kind.direct(i);
      std::string query_kind = request["kind"];
      auto deadline = Clock::now() + std::chrono::seconds(10);
      if (kind.one_partition) {
        uint32_t p = wal::partition_of(*from_hex(request["trace_id"].get<std::string>()), kPartitions);
        (void)readers[static_cast<size_t>(my_slot)][p]->run(query_kind, request, deadline);
      } else {
        for (uint32_t p = 0; p < kPartitions; ++p) (void)readers[static_cast<size_t>(my_slot)][p]->run(query_kind, request, deadline);
      }
    });
    my_slot = -1;
    std::printf("| %s | %.0f | %.2f | %.2f | %.0f | %.2f | %.2f | %.1fx |%s\n", kind.name, api.per_second, api.p50_ms, api.p99_ms,
                direct.per_second, direct.p50_ms, direct.p99_ms, direct.p50_ms > 0 ? api.p50_ms / direct.p50_ms : 0.0,
                failures.load() ? (" (" + std::to_string(failures.load()) + " failed)").c_str() : "");
    std::fflush(stdout);
  }
  std::printf("\nTargets: trace by id p99 <= 10 ms; searches p99 <= 50 ms; attribute and full-text p99 <= 100 ms.\n");
  return 0;
}
