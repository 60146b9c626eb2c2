// Query benchmark: requests/s and latency of the api's main queries (trace by
// id, search by service and time, by attribute, full text, LLM usage over the
// last hour, 24 h and 7 days, the sessions list and one session) on an index of many spans over 4
// partitions, through the api and the bus to two indexers, beside the same
// queries run directly on the shard files in one process (the cost of the bus
// hop and the HTTP layer as a ratio). One span in ten is an LLM call, so the
// LLM usage's cost can be compared at 1M and 10M spans for the same windows.
// With --index-dir the shards are built once and reused by later runs (the
// 10M index takes many minutes to build); the queries' "now" is the build's.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "protocol/wal/partitions.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "base/hex.h"
#include "base/options.h"
#include "protocol/query/query_messages.h"
#include "stages/indexer/query/shard_queries.h"
#include "stages/indexer/llm/usage_rollup.h"
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
constexpr int kLlmSpan = 3;  // the trace's one LLM call: 10% of the spans
constexpr int64_t kHourNs = 3'600'000'000'000;

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

// An LLM call as the GenAI conventions send it: several models (gpt-4o also
// answered under a dated response model, one model group), providers, tokens,
// a sent cost on a third of the calls, a session on half, 2% errors, a
// latency from 0.2 to 6 s.
void add_llm_call(opentelemetry::proto::trace::v1::Span& span, std::mt19937_64& random, int64_t trace) {
  static const char* const kModels[][3] = {{"gpt-4o", "gpt-4o-2024-08-06", "openai"}, {"gpt-4o-mini", "gpt-4o-mini", "openai"},
                                           {"claude-sonnet-4", "claude-sonnet-4-20250514", "anthropic"},
                                           {"gemini-2.5-pro", "gemini-2.5-pro", "gcp.gemini"}};
  const auto& model = kModels[random() % 4];
  auto text = [&](const char* key, const std::string& value) {
    auto* kv = span.add_attributes();
    kv->set_key(key);
    kv->mutable_value()->set_string_value(value);
  };
  auto number = [&](const char* key, int64_t value) {
    auto* kv = span.add_attributes();
    kv->set_key(key);
    kv->mutable_value()->set_int_value(value);
  };
  text("gen_ai.operation.name", "chat");
  text("gen_ai.provider.name", model[2]);
  text("gen_ai.request.model", model[0]);
  text("gen_ai.response.model", random() % 2 ? model[1] : model[0]);
  const int64_t input = 200 + static_cast<int64_t>(random() % 4000), output = 20 + static_cast<int64_t>(random() % 800);
  number("gen_ai.usage.input_tokens", input);
  number("gen_ai.usage.output_tokens", output);
  if (random() % 4 == 0) number("gen_ai.usage.cache_read.input_tokens", input / 2);
  if (random() % 3 == 0) {
    auto* kv = span.add_attributes();
    kv->set_key("gen_ai.usage.cost");
    kv->mutable_value()->set_double_value(static_cast<double>(input) * 2.5e-6 + static_cast<double>(output) * 1e-5);
  }
  if (random() % 2 == 0) text("session.id", "session-" + std::to_string(trace / 8));
  if (random() % 50 == 0) span.mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
  const uint64_t latency = 200'000'000 + random() % 5'800'000'000;
  span.set_end_time_unix_nano(span.start_time_unix_nano() + latency);
}

// Builds the shards straight from generated spans (no WAL): services, names,
// a user id with 5000 values (attribute search), a message with words from a
// small vocabulary plus a rare one (full text), and one LLM call per trace.
// `apply_seconds` gets the time spent in Shard::apply; without `usage_rollup`
// the rollup's triggers are dropped first (what the rollup costs at indexing).
std::vector<std::string> build_index(const std::string& data_dir, int64_t spans, int64_t now_ns, double* apply_seconds = nullptr,
                                     bool usage_rollup = true) {
  std::vector<std::unique_ptr<indexer::Shard>> shards;
  for (uint32_t p = 0; p < kPartitions; ++p) {
    shards.push_back(std::move(indexer::Shard::open(indexer::shard_path(data_dir, p), p).value()));
    for (std::string_view trigger : indexer::llm::kUsageRollupTriggers) {
      if (!usage_rollup) (void)shards.back()->db().exec("DROP TRIGGER " + std::string(trigger));
    }
  }
  std::vector<std::vector<indexer::BatchEntry>> batches(kPartitions);
  std::vector<uint64_t> sequences(kPartitions, 0);
  Clock::duration applying{};
  auto apply = [&](uint32_t p) {
    auto begin = Clock::now();
    (void)shards[p]->apply(batches[p], sequences[p]);
    applying += Clock::now() - begin;
    batches[p].clear();
  };
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
      if (s == kLlmSpan) add_llm_call(*span, random, t);
      std::string message = std::string(words[random() % 8]) + " " + words[random() % 8] + " step " + std::to_string(s);
      if (t % 10000 == 7) message += " zanzibar";
      if (t % 1000 == 3) message += " 東京タワーの夜景";  // a rare term in a language without spaces
      add("message", message);
    }
    trace_ids.push_back(to_hex(trace_id));
    uint32_t p = wal::partition_of(trace_id, kPartitions);
    auto records = indexer::decode_spans(request.SerializeAsString());
    batches[p].push_back({++sequences[p], now_ns, std::move(records.value())});
    if (batches[p].size() == 100) apply(p);
    if (t % 20000 == 0 && t > 0) {
      double rate = static_cast<double>(t * kSpansPerTrace) / std::chrono::duration<double>(Clock::now() - started).count();
      std::fprintf(stderr, "building index: %lld of %lld spans (%.0f spans/s)\n", static_cast<long long>(t * kSpansPerTrace),
                   static_cast<long long>(spans), rate);
    }
  }
  for (uint32_t p = 0; p < kPartitions; ++p) {
    if (!batches[p].empty()) apply(p);
  }
  if (apply_seconds) *apply_seconds = std::chrono::duration<double>(applying).count();
  return trace_ids;
}

// The index of an earlier run with --index-dir: its spans, its "now" and a sample of its trace ids.
struct BuiltIndex {
  int64_t spans = 0, now_ns = 0;
  std::vector<std::string> trace_ids;
};

std::optional<BuiltIndex> load_built(const std::string& dir) {
  std::ifstream in(dir + "/built.txt");
  BuiltIndex built;
  if (!(in >> built.spans >> built.now_ns)) return std::nullopt;
  for (std::string id; in >> id;) built.trace_ids.push_back(id);
  return built;
}

void save_built(const std::string& dir, const BuiltIndex& built) {
  std::ofstream out(dir + "/built.txt");
  out << built.spans << ' ' << built.now_ns << '\n';
  for (size_t i = 0; i < built.trace_ids.size(); i += std::max<size_t>(1, built.trace_ids.size() / 20000)) out << built.trace_ids[i] << '\n';
}

int64_t directory_bytes(const std::string& dir) {
  int64_t total = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file()) total += static_cast<int64_t>(entry.file_size());
  }
  return total;
}

// Bytes of the shards' pages holding the LLM calls (llm_calls and its
// indexes) and the usage rollup (with its two small lookup tables), from SQLite's dbstat.
std::pair<int64_t, int64_t> llm_bytes(const std::string& data_dir) {
  int64_t calls = 0, rollup = 0;
  for (uint32_t p = 0; p < kPartitions; ++p) {
    auto db = Database::open(indexer::shard_path(data_dir, p));
    if (!db) continue;
    auto statement = (*db)->prepare(
        "SELECT coalesce(sum(CASE WHEN name = 'llm_calls' OR name LIKE 'llm_calls_%' OR name LIKE 'sqlite_autoindex_llm_calls%' THEN pgsize END), 0), "
        "coalesce(sum(CASE WHEN name LIKE 'llm_usage_%' OR name = 'llm_latency_buckets' OR name LIKE 'sqlite_autoindex_llm_usage%' THEN pgsize END), 0) "
        "FROM dbstat");
    if (!statement || !statement->step().is_ok()) continue;
    calls += statement->column_int(0);
    rollup += statement->column_int(1);
  }
  return {calls, rollup};
}

}  // namespace
}  // namespace spanline::bench

int main(int argc, char** argv) {
  using namespace spanline;
  using namespace spanline::bench;
  int64_t spans = 1'000'000;
  uint32_t requests = 400;
  uint32_t threads = 4;
  uint32_t usage_requests = 40;
  std::string index_dir;
  std::string only;
  int64_t apply_compare = 0;
  Options options("spanline-bench-query", "Query latency through the api and the bus beside the same queries on the shard files.");
  options.add("spans", &spans, "Spans in the index (10 per trace, one an LLM call, over 4 partitions).")
      .add("requests", &requests, "Requests per query kind.")
      .add("threads", &threads, "Concurrent clients.")
      .add("usage-requests", &usage_requests, "Requests per LLM usage query kind (each reads a whole window).")
      .add("apply-compare", &apply_compare, "Also build two fresh indexes of this many spans, with and without the LLM usage rollup, and compare Shard::apply's spans/s.")
      .add("only", &only, "Measure only the query kinds whose name contains this text (e.g. attribute); all when empty.")
      .add("index-dir", &index_dir, "Keep the built shards here and reuse them when this folder already holds an index of --spans spans.");
  auto parsed = options.parse(argc, argv);
  if (!parsed) {
    std::fprintf(stderr, "%s\n", parsed.status().message().c_str());
    return 2;
  }
  if (parsed->exit_now) return 0;
  testing::Pipeline pipeline({.partitions = kPartitions, .http = false, .indexers = {"0,1", "2,3"}, .api = true});
  BuiltIndex built;
  double build_seconds = 0;
  std::string shards_dir = pipeline.data_dir() + "/index";
  if (!index_dir.empty()) {
    std::filesystem::create_directories(index_dir);
    shards_dir = std::filesystem::absolute(index_dir).string() + "/index";
  }
  if (auto earlier = index_dir.empty() ? std::nullopt : load_built(index_dir); earlier && earlier->spans == spans) {
    built = std::move(*earlier);
    std::fprintf(stderr, "reusing the index of %lld spans in %s\n", static_cast<long long>(spans), index_dir.c_str());
  } else {
    built.spans = spans;
    built.now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    auto build_started = Clock::now();
    built.trace_ids = build_index(std::filesystem::path(shards_dir).parent_path().string(), spans, built.now_ns);
    build_seconds = std::chrono::duration<double>(Clock::now() - build_started).count();
    if (!index_dir.empty()) save_built(index_dir, built);
  }
  if (!index_dir.empty()) std::filesystem::create_directory_symlink(shards_dir, pipeline.data_dir() + "/index");
  const int64_t now_ns = built.now_ns;
  const std::vector<std::string>& trace_ids = built.trace_ids;
  // Opening the shards migrates them to this binary's schema (once, on the first open after an upgrade).
  auto open_started = Clock::now();
  for (uint32_t p = 0; p < kPartitions; ++p) (void)indexer::Shard::open(indexer::shard_path(pipeline.data_dir(), p), p);
  const double open_seconds = std::chrono::duration<double>(Clock::now() - open_started).count();
  pipeline.start();
  const int port = pipeline.api_port();
  testing::wait_until([&] {
    auto response = testing::http_get(port, "/api/v1/services", pipeline.signed_in());
    return response.status == 200 && response.body.find("\"partial\":false") != std::string::npos;
  }, std::chrono::seconds(120));

  const std::string hour_ago = std::to_string((now_ns - kHourNs) / 1'000'000);
  struct Kind {
    std::string name;
    std::function<std::string(int)> target;
    std::function<json(int)> direct;  // kind + params for the shard readers
    bool one_partition;
    bool usage = false;
  };
  // The LLM usage as the web page asks for it: a window ending now, its
  // bucket (1 h -> 1 min, 24 h -> 30 min, 7 d -> 3 h), optionally one service or model.
  auto usage = [&](const std::string& name, int64_t window_ns, const char* bucket, int64_t bucket_ns, const std::string& filter_key,
                   const std::string& filter_value) {
    const int64_t from = now_ns - window_ns;
    std::string target = "/api/v1/llm/usage?start=" + std::to_string(from / 1'000'000) + "&end=" + std::to_string(now_ns / 1'000'000) +
                         "&bucket=" + bucket + (filter_key.empty() ? "" : "&" + filter_key + "=" + filter_value);
    json direct = {{"kind", "llm_usage"}, {"from_ns", from}, {"to_ns", now_ns}, {"bucket_ns", bucket_ns}};
    if (!filter_key.empty()) direct[filter_key] = filter_value;
    return Kind{name, [target](int) { return target; }, [direct](int) { return direct; }, false, true};
  };
  std::vector<Kind> kinds = {
      {"trace by id", [&](int i) { return "/api/v1/traces/" + trace_ids[static_cast<size_t>(i * 7919) % trace_ids.size()]; },
       [&](int i) { return json{{"kind", "trace"}, {"trace_id", trace_ids[static_cast<size_t>(i * 7919) % trace_ids.size()]}}; }, true},
      {"search: service + last hour", [&](int i) { return "/api/v1/traces?service=svc-" + std::to_string(i % 5) + "&start=" + hour_ago + "&limit=20"; },
       [&](int i) { return json{{"kind", "search"}, {"service", "svc-" + std::to_string(i % 5)}, {"from_ns", now_ns - kHourNs}, {"limit", 20}}; }, false},
      {"search: attribute user.id", [&](int i) { return "/api/v1/traces?attr=user.id:user-" + std::to_string(i % 5000) + "&limit=20"; },
       [&](int i) { return json{{"kind", "search"}, {"attrs", json::array({{{"key", "user.id"}, {"op", "="}, {"value", "user-" + std::to_string(i % 5000)}}})}, {"limit", 20}}; }, false},
      // A value on every LLM span (one span in ten, every trace): the newest 20 traces match at once.
      {"search: attribute (common value)", [&](int) { return std::string("/api/v1/traces?attr=gen_ai.operation.name:chat&limit=20"); },
       [&](int) { return json{{"kind", "search"}, {"attrs", json::array({{{"key", "gen_ai.operation.name"}, {"op", "="}, {"value", "chat"}}})}, {"limit", 20}}; }, false},
      // A range three quarters of the LLM spans fall in (input tokens are 200 to 4,199).
      {"search: attribute range (common key)", [&](int) { return std::string("/api/v1/traces?attr=gen_ai.usage.input_tokens%3E%3D1200&limit=20"); },
       [&](int) { return json{{"kind", "search"}, {"attrs", json::array({{{"key", "gen_ai.usage.input_tokens"}, {"op", ">="}, {"value", 1200}}})}, {"limit", 20}}; }, false},
      {"search: full text (rare word)", [&](int) { return std::string("/api/v1/traces?q=zanzibar&limit=20"); },
       [&](int) { return json{{"kind", "search"}, {"q", "zanzibar"}, {"limit", 20}}; }, false},
      // A word in about a quarter of the spans: the newest 20 traces are found near the top of every shard.
      {"search: full text (common word)", [&](int) { return std::string("/api/v1/traces?q=summarise&limit=20"); },
       [&](int) { return json{{"kind", "search"}, {"q", "summarise"}, {"limit", 20}}; }, false},
      // A substring inside a Japanese phrase (one trace in 1,000): no word boundaries to index by.
      {"search: full text (CJK substring)", [&](int) { return std::string("/api/v1/traces?q=%E4%BA%AC%E3%82%BF%E3%83%AF&limit=20"); },
       [&](int) { return json{{"kind", "search"}, {"q", "京タワ"}, {"limit", 20}}; }, false},
      usage("LLM usage: last hour, 1 min buckets", kHourNs, "1m", 60'000'000'000, "", ""),
      usage("LLM usage: last 24 h, 30 min buckets", 24 * kHourNs, "30m", kHourNs / 2, "", ""),
      usage("LLM usage: last 24 h, one service", 24 * kHourNs, "30m", kHourNs / 2, "service", "svc-1"),
      usage("LLM usage: last 24 h, one model", 24 * kHourNs, "30m", kHourNs / 2, "model", "gpt-4o"),
      usage("LLM usage: last 7 d, 3 h buckets", 7 * 24 * kHourNs, "3h", 3 * kHourNs, "", ""),
      // Sessions: the list's first page over the last 24 h (through the api: a page from every shard,
      // then the figures of exactly those sessions; direct: the first round only), and one session's turns
      // (session-<trace / 8>: half the traces' LLM calls carry one).
      {"sessions: last 24 h, newest 20",
       [&](int) { return "/api/v1/sessions?start=" + std::to_string((now_ns - 24 * kHourNs) / 1'000'000) + "&end=" + std::to_string(now_ns / 1'000'000) + "&limit=20"; },
       [&](int) { return json{{"kind", "sessions"}, {"from_ns", now_ns - 24 * kHourNs}, {"to_ns", now_ns}, {"limit", 20}}; }, false},
      {"session by id",
       [&](int i) { return "/api/v1/sessions/session-" + std::to_string(static_cast<int64_t>(i) * 7919 % (spans / kSpansPerTrace / 8)); },
       [&](int i) { return json{{"kind", "session"}, {"session_id", "session-" + std::to_string(static_cast<int64_t>(i) * 7919 % (spans / kSpansPerTrace / 8))}}; }, false},
  };
  int64_t llm_calls = 0;
  for (uint32_t p = 0; p < kPartitions; ++p) {
    auto shard = indexer::query::ShardReader::open(indexer::shard_path(pipeline.data_dir(), p), p);
    if (!shard) continue;
    auto reply = (*shard)->run("llm_usage", json{{"kind", "llm_usage"}, {"bucket_ns", 7 * 24 * kHourNs}}, Clock::now() + std::chrono::seconds(600));
    if (!reply) continue;
    auto decoded = protocol::query::decode<protocol::query::LlmUsageReply>(*reply);
    if (decoded) {
      for (const auto& row : decoded->usage) llm_calls += row.calls;
    }
  }
  std::printf("# Query benchmark: %lld spans (%lld traces, %lld LLM calls) over %u partitions, 2 indexers, %u clients, %u requests per kind (%u per LLM usage kind)\n\n",
              static_cast<long long>(spans), static_cast<long long>(spans / kSpansPerTrace), static_cast<long long>(llm_calls), kPartitions,
              threads, requests, usage_requests);
  if (build_seconds > 0) std::printf("Index built directly in %.1f s (%.0f spans/s).\n", build_seconds, static_cast<double>(spans) / build_seconds);
  else std::printf("Index reused from %s.\n", index_dir.c_str());
  std::printf("Shards opened (and migrated, if they were older) in %.1f s; %.0f MB on disk.\n", open_seconds,
              static_cast<double>(directory_bytes(shards_dir)) / 1e6);
  if (auto [calls_bytes, rollup_bytes] = llm_bytes(pipeline.data_dir()); llm_calls > 0) {
    std::printf("LLM calls on disk: llm_calls with its indexes %.1f MB (%.0f B per LLM call), the usage rollup %.2f MB (%.1f B per LLM call).\n",
                static_cast<double>(calls_bytes) / 1e6, static_cast<double>(calls_bytes) / static_cast<double>(llm_calls),
                static_cast<double>(rollup_bytes) / 1e6, static_cast<double>(rollup_bytes) / static_cast<double>(llm_calls));
  }
  std::printf("\n");
  std::printf("| query | api req/s | api p50 ms | api p99 ms | shards direct req/s | direct p50 ms | direct p99 ms | bus+http cost (p50 ratio) |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (const Kind& kind : kinds) {
    if (kind.name.find(only) == std::string::npos) continue;
    std::atomic<int> failures{0};
    const int count = static_cast<int>(kind.usage ? usage_requests : requests);
    Figures api = measure(count, static_cast<int>(threads), [&](int i) {
      // An indexer that missed the api's --query-timeout makes the answer partial: a failure here.
      auto response = testing::http_get(port, kind.target(i), pipeline.signed_in());
      if (response.status != 200 || response.body.find("\"partial\":true") != std::string::npos) failures.fetch_add(1);
    });
    // Direct: each client thread has its own read-only connections, as an indexer's readers do.
    std::vector<std::vector<std::unique_ptr<indexer::query::ShardReader>>> readers(threads);
    for (auto& set : readers) {
      for (uint32_t p = 0; p < kPartitions; ++p) set.push_back(std::move(indexer::query::ShardReader::open(indexer::shard_path(pipeline.data_dir(), p), p).value()));
    }
    std::atomic<int> slot{0};
    thread_local int my_slot = -1;
    Figures direct = measure(count, static_cast<int>(threads), [&](int i) {
      if (my_slot < 0) my_slot = slot.fetch_add(1);
      json request = kind.direct(i);
      std::string query_kind = request["kind"];
      auto deadline = Clock::now() + std::chrono::seconds(60);
      if (kind.one_partition) {
        uint32_t p = wal::partition_of(*from_hex(request["trace_id"].get<std::string>()), kPartitions);
        if (!readers[static_cast<size_t>(my_slot)][p]->run(query_kind, request, deadline)) failures.fetch_add(1);
      } else {
        for (uint32_t p = 0; p < kPartitions; ++p) {
          if (!readers[static_cast<size_t>(my_slot)][p]->run(query_kind, request, deadline)) failures.fetch_add(1);
        }
      }
    });
    my_slot = -1;
    std::printf("| %s | %.0f | %.2f | %.2f | %.0f | %.2f | %.2f | %.1fx |%s\n", kind.name.c_str(), api.per_second, api.p50_ms, api.p99_ms,
                direct.per_second, direct.p50_ms, direct.p99_ms, direct.p50_ms > 0 ? api.p50_ms / direct.p50_ms : 0.0,
                failures.load() ? (" (" + std::to_string(failures.load()) + " failed)").c_str() : "");
    std::fflush(stdout);
  }
  std::printf("\nTargets: trace by id p99 <= 10 ms; searches p99 <= 50 ms; attribute and full-text p99 <= 100 ms.\n");
  if (apply_compare > 0) {
    // The same spans into fresh shards, alternately without and with the rollup's triggers, twice each.
    std::printf("\nIndexing %lld spans (one in ten an LLM call) into fresh shards, Shard::apply only:\n\n| LLM usage rollup | run | apply spans/s |\n|---|---|---|\n",
                static_cast<long long>(apply_compare));
    for (int run = 1; run <= 2; ++run) {
      for (bool rollup : {false, true}) {
        testing::TempDir fresh;
        double seconds = 0;
        (void)build_index(fresh.path(), apply_compare, now_ns, &seconds, rollup);
        std::printf("| %s | %d | %.0f |\n", rollup ? "with" : "without", run, static_cast<double>(apply_compare) / seconds);
        std::fflush(stdout);
      }
    }
  }
  return 0;
}
