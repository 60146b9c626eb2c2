// spanline-bench: the standard benchmark set. For each workload (small,
// typical, Junjo-shaped) it starts the real pipeline (gateway, WAL, two
// indexers over four partitions, auth-responder, api), drives it with the load
// generator at full throttle and then at half that rate with lag sampling, and
// measures the raw limits on the same requests. Then it sweeps partitions and
// indexers, spans per request and attribute size. Writes JSON and a markdown
// summary. Figures only: nothing here passes or fails.
#include <cstdio>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "bench/loadgen/load_generator.h"
#include "bench/suite/limits.h"
#include "base/options.h"
#include "tests/support/pipeline.h"

namespace spanline::bench {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct Settings {
  std::chrono::milliseconds phase{std::chrono::seconds(6)};
  uint32_t concurrency = 16;
  bool sweeps = true;
  bool only_limits = false;
};

const std::vector<std::string> kQuiet = {"--log-level", "warn"};

testing::PipelineOptions pipeline_options(uint32_t partitions, std::vector<std::string> indexers, bool api) {
  return {.partitions = partitions, .http = false, .wal_args = kQuiet, .gateway_args = kQuiet,
          .indexers = std::move(indexers), .indexer_args = kQuiet, .api = api, .api_args = kQuiet};
}

json memory_of(testing::Process& process) {
  std::ifstream status("/proc/" + std::to_string(process.pid()) + "/status");
  json out = json::object();
  std::string line;
  while (std::getline(status, line)) {
    for (const char* key : {"VmRSS", "VmHWM"}) {
      if (line.rfind(key, 0) == 0) out[key == std::string("VmRSS") ? "rss_mb" : "peak_rss_mb"] = std::stod(line.substr(6)) / 1024.0;
    }
  }
  return out;
}

LoadConfig load_for(testing::Pipeline& pipeline, const WorkloadShape& shape, const Settings& settings) {
  LoadConfig config;
  config.target = pipeline.grpc_target();
  config.api_key = pipeline.api_key();
  config.concurrency = settings.concurrency;
  config.duration = settings.phase;
  config.shape = shape;
  return config;
}

// Indexed spans/s: everything acked since `started`, divided by the time until the shards hold it.
double indexed_rate(testing::Pipeline& pipeline, int64_t already, uint64_t acked, Clock::time_point started) {
  if (!pipeline.wait_indexed(already + static_cast<int64_t>(acked), std::chrono::minutes(3))) return 0;
  return static_cast<double>(acked) / std::chrono::duration<double>(Clock::now() - started).count();
}

json run_profile(const std::string& name, const WorkloadShape& shape, const Settings& settings, testing::TempDir& scratch) {
  std::fprintf(stderr, "[bench] %s: %s\n", name.c_str(), shape.describe().c_str());
  RequestFactory factory(shape, 1);
  Limits limits = measure_limits(scratch / name, factory.make(), settings.concurrency);
  std::fprintf(stderr,
               "[bench]   limits: parse %.0f spans/s/core, RocksDB group commit %.0f, SQLite insert %.0f, monolith %.0f, "
               "monolith with a log record per span %.0f\n",
               limits.parse_spans_per_core, limits.rocksdb_group_commit, limits.sqlite_insert, limits.monolith,
               limits.monolith_with_logs);
  if (settings.only_limits) return {};
  testing::Pipeline pipeline(pipeline_options(4, {"0-1", "2-3"}, true));
  pipeline.start();

  auto started = Clock::now();
  LoadReport max = run_load(load_for(pipeline, shape, settings));
  double indexed = indexed_rate(pipeline, 0, max.spans_ok, started);
  std::fprintf(stderr, "[bench]   max: %s; indexed %.0f spans/s\n", max.to_text().c_str(), indexed);

  // Half of the maximum, but never above what the indexers sustain: lag is then
  // the pipeline's delay, not a growing backlog.
  LoadConfig half = load_for(pipeline, shape, settings);
  double half_spans = std::min(max.spans_per_second / 2, indexed > 0 ? indexed * 0.8 : max.spans_per_second / 2);
  half.rate = std::max(1.0, half_spans / shape.spans_per_request);
  half.lag_api_port = pipeline.api_port();
  half.lag_cookie = pipeline.session_cookie();
  half.lag_samples_per_second = 20;
  LoadReport steady = run_load(half);
  std::fprintf(stderr, "[bench]   steady: %s\n", steady.to_text().c_str());

  json memory = {{"gateway", memory_of(pipeline.gateway())}, {"wal", memory_of(pipeline.wal())},
                 {"indexer-1", memory_of(pipeline.indexer(0))}, {"indexer-2", memory_of(pipeline.indexer(1))},
                 {"api", memory_of(pipeline.api())}, {"auth", memory_of(pipeline.auth().process())}};
  return {{"name", name},
          {"workload", shape.describe()},
          {"max_load", max.to_json()},
          {"indexed_spans_per_second", indexed},
          {"half_load", steady.to_json()},
          {"memory", memory},
          {"limits",
           {{"protobuf_parse_spans_per_core", limits.parse_spans_per_core},
            {"rocksdb_group_commit_spans_per_second", limits.rocksdb_group_commit},
            {"sqlite_insert_spans_per_second", limits.sqlite_insert},
            {"monolith_spans_per_second", limits.monolith},
            {"monolith_with_logs_spans_per_second", limits.monolith_with_logs},
            {"smallest", limits.smallest()}}}};
}

json sweep_layouts(const Settings& settings) {
  json rows = json::array();
  WorkloadShape shape;  // typical
  struct Layout {
    uint32_t partitions;
    std::vector<std::string> indexers;
  };
  for (const Layout& layout : {Layout{1, {"0"}}, Layout{2, {"0", "1"}}, Layout{4, {"0", "1", "2", "3"}},
                               Layout{4, {"0-3"}}}) {
    std::fprintf(stderr, "[bench] layout: %u partitions, %zu indexers\n", layout.partitions, layout.indexers.size());
    testing::Pipeline pipeline(pipeline_options(layout.partitions, layout.indexers, false));
    pipeline.start();
    Settings short_phase = settings;
    short_phase.phase = settings.phase / 2;
    auto started = Clock::now();
    LoadReport load = run_load(load_for(pipeline, shape, short_phase));
    double indexed = indexed_rate(pipeline, 0, load.spans_ok, started);
    rows.push_back({{"partitions", layout.partitions}, {"indexers", layout.indexers.size()},
                    {"ingest_spans_per_second", load.spans_per_second}, {"p99_ms", load.p99_ms},
                    {"indexed_spans_per_second", indexed}});
  }
  return rows;
}

json sweep_shapes(const Settings& settings) {
  json out = {{"spans_per_request", json::array()}, {"attribute_bytes", json::array()}};
  testing::Pipeline pipeline(pipeline_options(4, {"0-1", "2-3"}, false));
  pipeline.start();
  Settings short_phase = settings;
  short_phase.phase = settings.phase / 2;
  for (uint32_t spans : {1u, 10u, 100u, 1000u}) {
    WorkloadShape shape;
    shape.spans_per_request = spans;
    std::fprintf(stderr, "[bench] sweep: %s\n", shape.describe().c_str());
    LoadReport load = run_load(load_for(pipeline, shape, short_phase));
    out["spans_per_request"].push_back({{"spans_per_request", spans}, {"ingest_spans_per_second", load.spans_per_second},
                                        {"requests_per_second", load.requests_per_second}, {"p50_ms", load.p50_ms},
                                        {"p99_ms", load.p99_ms}});
  }
  for (uint32_t bytes : {16u, 256u, 4096u}) {
    WorkloadShape shape;
    shape.attribute_bytes = bytes;
    std::fprintf(stderr, "[bench] sweep: %s\n", shape.describe().c_str());
    LoadReport load = run_load(load_for(pipeline, shape, short_phase));
    out["attribute_bytes"].push_back({{"attribute_bytes", bytes}, {"ingest_spans_per_second", load.spans_per_second},
                                      {"ingest_megabytes_per_second",
                                       load.spans_per_second * (bytes * shape.attributes_per_span + 100) / 1e6},
                                      {"p99_ms", load.p99_ms}});
  }
  return out;
}

std::string fmt(double value, const char* format = "%.0f") {
  char text[64];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

std::string markdown(const json& report) {
  std::string md = "# Spanline benchmarks, " + report["date"].get<std::string>() + ", " +
                   std::to_string(report["cores"].get<unsigned>()) + " cores\n\n";
  md += "Pipeline: gateway, WAL, 2 indexers over 4 partitions, auth-responder, api, each its own process; load from "
        "spanline-loadgen (" + std::to_string(report["concurrency"].get<unsigned>()) +
        " Exports in flight over 4 connections, API key on every request).\n\n";
  md += "| workload | acked spans/s (max) | p50 / p99 / p99.9 ms at max | p99 ms at half load | indexed spans/s | lag p50 / p99 ms | "
        "limits: parse/core, RocksDB group commit, SQLite insert | monolith | acked / ingest limit | indexed / SQLite limit |\n";
  md += "|---|---|---|---|---|---|---|---|---|---|\n";
  for (const json& p : report["profiles"]) {
    const json& max = p["max_load"];
    const json& half = p["half_load"];
    const json& l = p["limits"];
    md += "| " + p["name"].get<std::string>() + " (" + p["workload"].get<std::string>() + ") | " +
          fmt(max["spans_per_second"]) + " | " + fmt(max["latency_ms"]["p50"], "%.2f") + " / " +
          fmt(max["latency_ms"]["p99"], "%.2f") + " / " + fmt(max["latency_ms"]["p99.9"], "%.2f") + " | " +
          fmt(half["latency_ms"]["p99"], "%.2f") + " (at " + fmt(half["spans_per_second"]) + " spans/s) | " +
          fmt(p["indexed_spans_per_second"]) + " | " + fmt(half["lag_ms"]["p50"], "%.0f") + " / " +
          fmt(half["lag_ms"]["p99"], "%.0f") + " | " + fmt(l["protobuf_parse_spans_per_core"]) + ", " +
          fmt(l["rocksdb_group_commit_spans_per_second"]) + ", " + fmt(l["sqlite_insert_spans_per_second"]) + " | " +
          fmt(l["monolith_spans_per_second"]) + " | " +
          fmt(100.0 * max["spans_per_second"].get<double>() /
                  std::min(l["protobuf_parse_spans_per_core"].get<double>(), l["rocksdb_group_commit_spans_per_second"].get<double>()),
              "%.0f%%") +
          " | " + fmt(100.0 * p["indexed_spans_per_second"].get<double>() / l["sqlite_insert_spans_per_second"].get<double>(), "%.0f%%") +
          " |\n";
  }
  md += "\nMemory at the end of each workload (RSS MB, peak in brackets):\n\n| workload | gateway | wal | indexer-1 | indexer-2 | api | auth |\n|---|---|---|---|---|---|---|\n";
  for (const json& p : report["profiles"]) {
    md += "| " + p["name"].get<std::string>();
    for (const char* stage : {"gateway", "wal", "indexer-1", "indexer-2", "api", "auth"}) {
      const json& m = p["memory"][stage];
      md += " | " + fmt(m.value("rss_mb", 0.0)) + " (" + fmt(m.value("peak_rss_mb", 0.0)) + ")";
    }
    md += " |\n";
  }
  if (report.contains("layouts")) {
    md += "\nPartitions and indexers (typical workload):\n\n| partitions | indexers | acked spans/s | p99 ms | indexed spans/s |\n|---|---|---|---|---|\n";
    for (const json& row : report["layouts"]) {
      md += "| " + std::to_string(row["partitions"].get<unsigned>()) + " | " + std::to_string(row["indexers"].get<unsigned>()) +
            " | " + fmt(row["ingest_spans_per_second"]) + " | " + fmt(row["p99_ms"], "%.2f") + " | " +
            fmt(row["indexed_spans_per_second"]) + " |\n";
    }
    md += "\nSpans per request (8 attributes x 32 B):\n\n| spans/request | acked spans/s | requests/s | p50 ms | p99 ms |\n|---|---|---|---|---|\n";
    for (const json& row : report["shapes"]["spans_per_request"]) {
      md += "| " + std::to_string(row["spans_per_request"].get<unsigned>()) + " | " + fmt(row["ingest_spans_per_second"]) +
            " | " + fmt(row["requests_per_second"]) + " | " + fmt(row["p50_ms"], "%.2f") + " | " + fmt(row["p99_ms"], "%.2f") + " |\n";
    }
    md += "\nAttribute size (100 spans/request, 8 attributes):\n\n| bytes per attribute | acked spans/s | attribute MB/s | p99 ms |\n|---|---|---|---|\n";
    for (const json& row : report["shapes"]["attribute_bytes"]) {
      md += "| " + std::to_string(row["attribute_bytes"].get<unsigned>()) + " | " + fmt(row["ingest_spans_per_second"]) +
            " | " + fmt(row["ingest_megabytes_per_second"], "%.1f") + " | " + fmt(row["p99_ms"], "%.2f") + " |\n";
    }
  }
  return md;
}

}  // namespace
}  // namespace spanline::bench

int main(int argc, char** argv) {
  using namespace spanline;
  bench::Settings settings;
  std::string json_out;
  std::string md_out;
  Options options("spanline-bench",
                  "The standard benchmark set: small, typical and Junjo-shaped workloads through the real pipeline,\n"
                  "each beside the raw limits measured on the same requests (protobuf parse, RocksDB synced group\n"
                  "commit, SQLite insert) and a one-process monolith; then sweeps of partitions and indexers, spans\n"
                  "per request and attribute size. Prints markdown; writes JSON and markdown when asked.");
  options.add("phase", &settings.phase, "Length of each load phase (sweeps use half).")
      .add("concurrency", &settings.concurrency, "Exports in flight.")
      .add("sweeps", &settings.sweeps, "Run the sweeps too.")
      .add("only-limits", &settings.only_limits, "Measure the limits only (for profiling the single-process paths).")
      .add("json-out", &json_out, "Write the full report as JSON here.")
      .add("md-out", &md_out, "Write the markdown summary here.");
  auto parsed = options.parse(argc, argv);
  if (!parsed) {
    std::fprintf(stderr, "spanline-bench: %s\n", parsed.status().message().c_str());
    return 2;
  }
  if (parsed->exit_now) return 0;
  testing::TempDir scratch;
  nlohmann::json report;
  char date[32];
  std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%MZ", std::gmtime(&now));
  report["date"] = date;
  report["cores"] = std::thread::hardware_concurrency();
  report["concurrency"] = settings.concurrency;
  bench::WorkloadShape small{.spans_per_request = 10, .attributes_per_span = 4, .attribute_bytes = 16};
  bench::WorkloadShape typical{.spans_per_request = 100, .attributes_per_span = 8, .attribute_bytes = 32};
  bench::WorkloadShape junjo{.spans_per_request = 100, .attribute_bytes = 256, .junjo = true};
  report["profiles"] = {bench::run_profile("small", small, settings, scratch),
                        bench::run_profile("typical", typical, settings, scratch),
                        bench::run_profile("junjo", junjo, settings, scratch)};
  if (settings.only_limits) return 0;
  if (settings.sweeps) {
    report["layouts"] = bench::sweep_layouts(settings);
    report["shapes"] = bench::sweep_shapes(settings);
  }
  std::string md = bench::markdown(report);
  std::printf("%s", md.c_str());
  if (!json_out.empty()) std::ofstream(json_out) << report.dump(2) << "\n";
  if (!md_out.empty()) std::ofstream(md_out) << md;
  return 0;
}
