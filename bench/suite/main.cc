// spanline-bench: the standard benchmark set. For each workload (small,
// typical, Junjo-shaped) it starts the real pipeline (gateway, WAL, two
// indexers over four partitions, auth-responder, api), drives it with the load
// generator at full throttle and then at half that rate with lag sampling, and
// measures the raw limits on the same requests. Then it sweeps partitions and
// indexers, spans per request and attribute size. Writes JSON and a markdown
// summary. Figures only: nothing here passes or fails.
#include <cstdio>
#include <filesystem>
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
  bool only_scale = false;  // only the WAL x indexer sweep
  std::string scale_wals = "1,2,4";
  std::string scale_indexers = "1,2,4,8";
  bool only_limits = false;
  std::string profiles = "small,typical,varied,junjo";  // which workloads to run (the disk figures are per workload)
  double steady_spans = 10000;  // the steady rate at which the disk written per OTLP byte is measured
  std::string keep_index;  // where to copy each workload's index folder (for profiling it with sqlite3's dbstat)
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

// Bytes this process has caused to be written to storage (/proc/<pid>/io
// write_bytes: page cache flushes included, whoever triggered them for it).
// A page rewritten while still dirty counts once, so SQLite's WAL file, rewritten
// in place after each checkpoint, counts little at a low rate: `io_field(p,
// "wchar")` (every byte passed to write(): WAL frames, checkpoints, sockets) says
// what SQLite wrote.
int64_t io_field(testing::Process& process, const std::string& field) {
  std::ifstream io("/proc/" + std::to_string(process.pid()) + "/io");
  std::string line;
  while (std::getline(io, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1));
  }
  return 0;
}
int64_t written_bytes(testing::Process& process) { return io_field(process, "write_bytes"); }

// Every file under `folder` (SQLite's -wal and -shm, RocksDB's logs included).
int64_t folder_bytes(const std::filesystem::path& folder) {
  std::error_code ec;
  int64_t total = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(folder, ec); !ec && it != std::filesystem::end(it); it.increment(ec)) {
    if (it->is_regular_file(ec)) total += static_cast<int64_t>(it->file_size(ec));
  }
  return total;
}

// Disk written by the indexers and by the WAL stage since construction.
struct DiskMeter {
  DiskMeter(testing::Pipeline& measured, size_t count) : pipeline(measured), indexers(count) {
    indexer_start = indexer_bytes();
    indexer_wchar_start = indexer_bytes("wchar");
    wal_start = written_bytes(pipeline.wal());
  }
  int64_t indexer_bytes(const std::string& field = "write_bytes") const {
    int64_t total = 0;
    for (size_t i = 0; i < indexers; ++i) total += io_field(pipeline.indexer(i), field);
    return total;
  }
  int64_t indexer_written() const { return indexer_bytes() - indexer_start; }
  int64_t indexer_wchar() const { return indexer_bytes("wchar") - indexer_wchar_start; }
  int64_t wal_written() const { return written_bytes(pipeline.wal()) - wal_start; }
  testing::Pipeline& pipeline;
  size_t indexers;
  int64_t indexer_start = 0;
  int64_t indexer_wchar_start = 0;
  int64_t wal_start = 0;
};

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

  // OTLP bytes indexed: the acked requests' bytes, which are what the WAL appends
  // (the request as received); every request of a workload has the same size.
  const double request_bytes = static_cast<double>(factory.make().ByteSizeLong());
  DiskMeter disk(pipeline, 2);
  auto started = Clock::now();
  LoadReport max = run_load(load_for(pipeline, shape, settings));
  double indexed = indexed_rate(pipeline, 0, max.spans_ok, started);
  std::fprintf(stderr, "[bench]   max: %s; indexed %.0f spans/s\n", max.to_text().c_str(), indexed);
  const double max_otlp = request_bytes * static_cast<double>(max.requests_ok);
  const int64_t max_indexer_written = disk.indexer_written();
  const int64_t max_indexer_wchar = disk.indexer_wchar();
  const int64_t max_wal_written = disk.wal_written();

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

  // A steady rate well below the maximum (the 10k spans/s): what indexing writes when it keeps up.
  json at_rate = json::object();
  const int64_t already = static_cast<int64_t>(max.spans_ok + steady.spans_ok);
  pipeline.wait_indexed(already, std::chrono::minutes(3));
  if (settings.steady_spans > 0) {
    DiskMeter steady_disk(pipeline, 2);
    LoadConfig fixed = load_for(pipeline, shape, settings);
    fixed.rate = std::max(1.0, settings.steady_spans / shape.spans_per_request);
    LoadReport report = run_load(fixed);
    pipeline.wait_indexed(already + static_cast<int64_t>(report.spans_ok), std::chrono::minutes(3));
    const double otlp = request_bytes * static_cast<double>(report.requests_ok);
    at_rate = {{"spans_per_second", report.spans_per_second}, {"otlp_bytes", otlp},
               {"indexer_written_bytes", steady_disk.indexer_written()}, {"indexer_wchar_bytes", steady_disk.indexer_wchar()},
               {"wal_written_bytes", steady_disk.wal_written()}};
    std::fprintf(stderr, "[bench]   at %.0f spans/s: indexers wrote %.1f bytes per OTLP byte\n", report.spans_per_second,
                 static_cast<double>(steady_disk.indexer_written()) / std::max(1.0, otlp));
  }
  const uint64_t all_requests = max.requests_ok + steady.requests_ok +
                                static_cast<uint64_t>(at_rate.value("otlp_bytes", 0.0) / request_bytes + 0.5);
  const uint64_t all_spans = all_requests * shape.spans_per_request;
  if (!settings.keep_index.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(settings.keep_index) / name, ec);
    std::filesystem::copy(std::filesystem::path(pipeline.data_dir()) / "index", std::filesystem::path(settings.keep_index) / name,
                          std::filesystem::copy_options::recursive | std::filesystem::copy_options::overwrite_existing, ec);
  }
  json disk_figures = {
      {"otlp_bytes_per_span", request_bytes / shape.spans_per_request},
      {"spans", all_spans},
      {"otlp_bytes", request_bytes * static_cast<double>(all_requests)},
      {"full_load", {{"otlp_bytes", max_otlp}, {"indexer_written_bytes", max_indexer_written}, {"indexer_wchar_bytes", max_indexer_wchar},
                     {"wal_written_bytes", max_wal_written}}},
      {"steady", at_rate},
      {"indexer_written_bytes", disk.indexer_written()},
      {"index_folder_bytes", folder_bytes(std::filesystem::path(pipeline.data_dir()) / "index")},
      {"wal_folder_bytes", folder_bytes(std::filesystem::path(pipeline.data_dir()) / "wal")}};

  json memory = {{"gateway", memory_of(pipeline.gateway())}, {"wal", memory_of(pipeline.wal())},
                 {"indexer-1", memory_of(pipeline.indexer(0))}, {"indexer-2", memory_of(pipeline.indexer(1))},
                 {"api", memory_of(pipeline.api())}, {"auth", memory_of(pipeline.auth().process())}};
  return {{"name", name},
          {"workload", shape.describe()},
          {"max_load", max.to_json()},
          {"indexed_spans_per_second", indexed},
          {"half_load", steady.to_json()},
          {"memory", memory},
          {"disk", disk_figures},
          {"limits",
           {{"protobuf_parse_spans_per_core", limits.parse_spans_per_core},
            {"rocksdb_group_commit_spans_per_second", limits.rocksdb_group_commit},
            {"sqlite_insert_spans_per_second", limits.sqlite_insert},
            {"monolith_spans_per_second", limits.monolith},
            {"monolith_with_logs_spans_per_second", limits.monolith_with_logs},
            {"smallest", limits.smallest()}}}};
}

// One sweep cell: a fresh pipeline of `options`, half a phase of `shape` at full
// throttle, then the time until every acked span is indexed.
struct SweepCell {
  LoadReport load;
  double indexed_spans_per_second = 0;
};
SweepCell run_sweep_cell(const testing::PipelineOptions& options, const WorkloadShape& shape, const Settings& settings) {
  testing::Pipeline pipeline(options);
  pipeline.start();
  Settings short_phase = settings;
  short_phase.phase = settings.phase / 2;
  auto started = Clock::now();
  SweepCell cell;
  cell.load = run_load(load_for(pipeline, shape, short_phase));
  cell.indexed_spans_per_second = indexed_rate(pipeline, 0, cell.load.spans_ok, started);
  return cell;
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
    auto [load, indexed] = run_sweep_cell(pipeline_options(layout.partitions, layout.indexers, false), shape, settings);
    rows.push_back({{"partitions", layout.partitions}, {"indexers", layout.indexers.size()},
                    {"ingest_spans_per_second", load.spans_per_second}, {"p99_ms", load.p99_ms},
                    {"indexed_spans_per_second", indexed}});
  }
  return rows;
}

// Scale-out (issue 32): 1, 2 and 4 WAL instances (each owning an even share of
// 8 partitions) by 1, 2, 4 and 8 indexers (each owning an even share, named by
// --partitions: the group's automatic assignment settles on the same shares and
// would only add its settling time to a short phase). Acked spans/s at full
// throttle and indexed spans/s, typical workload.
json sweep_scale(const Settings& settings) {
  json rows = json::array();
  WorkloadShape shape;  // typical
  constexpr uint32_t kPartitions = 8;
  auto wal_counts = parse_uint_list(settings.scale_wals);
  auto indexer_counts = parse_uint_list(settings.scale_indexers);
  if (!wal_counts || !indexer_counts) return rows;
  for (uint32_t wals : *wal_counts) {
    for (uint32_t indexers : *indexer_counts) {
      if (wals == 0 || indexers == 0 || wals > kPartitions || indexers > kPartitions) continue;
      std::vector<std::string> slices;
      for (uint32_t i = 0; i < indexers; ++i) {
        const uint32_t first = i * kPartitions / indexers, last = (i + 1) * kPartitions / indexers - 1;
        slices.push_back(first == last ? std::to_string(first) : std::to_string(first) + "-" + std::to_string(last));
      }
      std::fprintf(stderr, "[bench] scale: %u WALs, %u indexers over %u partitions\n", wals, indexers, kPartitions);
      testing::PipelineOptions options = pipeline_options(kPartitions, slices, false);
      options.wals = wals;
      auto [load, indexed] = run_sweep_cell(options, shape, settings);
      uint64_t failed = 0;
      for (const auto& [code, count] : load.errors) failed += count;
      std::fprintf(stderr, "[bench]   acked %.0f spans/s (p99 %.1f ms), indexed %.0f spans/s\n", load.spans_per_second, load.p99_ms,
                   indexed);
      rows.push_back({{"wals", wals}, {"indexers", indexers}, {"partitions", kPartitions},
                      {"ingest_spans_per_second", load.spans_per_second}, {"p99_ms", load.p99_ms},
                      {"errors", failed}, {"indexed_spans_per_second", indexed}});
    }
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

// Issue 31's figures, each beside its target. Days of retention come from the
// index folder's bytes per span (the WAL keeps its own, shorter, retention).
std::string disk_markdown(const json& report) {
  std::string md =
      "\nDisk (OTLP bytes: the acked requests, as the WAL appends them; indexers wrote: /proc/<pid>/io write_bytes (new dirty pages: what reaches the disk) / wchar (all bytes SQLite wrote, the WAL's frames and checkpoints); folders: every file, "
      "SQLite's -wal and -shm included, at the end of the workload):\n\n"
      "| workload | OTLP B/span | indexers wrote / OTLP B at full load (target <= 3) | at steady rate (target <= 3) | "
      "index folder / OTLP B (target <= 1.5) | WAL folder / OTLP B | WAL stage wrote / OTLP B | indexed spans/s (target >= 60k typical) | "
      "lag p99 ms at half (target <= 1000) | index B/span | days per 100 GB at 1,000 spans/s |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const json& p : report["profiles"]) {
    if (!p.contains("disk")) continue;
    const json& d = p["disk"];
    const double otlp = std::max(1.0, d["otlp_bytes"].get<double>());
    const double full_otlp = std::max(1.0, d["full_load"]["otlp_bytes"].get<double>());
    const json& steady = d["steady"];
    std::string at_rate = "-";
    if (steady.contains("otlp_bytes")) {
      const double steady_otlp = std::max(1.0, steady["otlp_bytes"].get<double>());
      at_rate = fmt(steady["indexer_written_bytes"].get<double>() / steady_otlp, "%.1f") + " / " +
                fmt(steady["indexer_wchar_bytes"].get<double>() / steady_otlp, "%.1f") + " (at " + fmt(steady["spans_per_second"]) +
                " spans/s)";
    }
    const double index_per_span = d["index_folder_bytes"].get<double>() / std::max<double>(1, d["spans"].get<double>());
    md += "| " + p["name"].get<std::string>() + " | " + fmt(d["otlp_bytes_per_span"], "%.0f") + " | " +
          fmt(d["full_load"]["indexer_written_bytes"].get<double>() / full_otlp, "%.1f") + " / " +
          fmt(d["full_load"]["indexer_wchar_bytes"].get<double>() / full_otlp, "%.1f") + " | " + at_rate + " | " +
          fmt(d["index_folder_bytes"].get<double>() / otlp, "%.2f") + " | " + fmt(d["wal_folder_bytes"].get<double>() / otlp, "%.2f") +
          " | " + fmt(d["full_load"]["wal_written_bytes"].get<double>() / full_otlp, "%.2f") + " | " + fmt(p["indexed_spans_per_second"]) +
          " | " + fmt(p["half_load"]["lag_ms"]["p99"], "%.0f") + " | " + fmt(index_per_span, "%.0f") + " | " +
          fmt(100e9 / std::max(1.0, index_per_span * 1000 * 86400), "%.1f") + " |\n";
  }
  return md;
}

std::string markdown(const json& report) {
  std::string md = "# Spanline benchmarks, " + report["date"].get<std::string>() + ", " +
                   std::to_string(report["cores"].get<unsigned>()) + " cores\n\n";
  const bool profiles = !report["profiles"].empty();  // --only-scale runs none
  if (profiles) md += "Pipeline: gateway, WAL, 2 indexers over 4 partitions, auth-responder, api, each its own process; load from "
        "spanline-loadgen (" + std::to_string(report["concurrency"].get<unsigned>()) +
        " Exports in flight over 4 connections, API key on every request).\n\n";
  if (profiles) md += "| workload | acked spans/s (max) | p50 / p99 / p99.9 ms at max | p99 ms at half load | indexed spans/s | lag p50 / p99 ms | "
        "limits: parse/core, RocksDB group commit, SQLite insert | monolith | acked / ingest limit | indexed / SQLite limit |\n";
  if (profiles) md += "|---|---|---|---|---|---|---|---|---|---|\n";
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
  if (profiles) md += disk_markdown(report);
  if (profiles) md += "\nMemory at the end of each workload (RSS MB, peak in brackets):\n\n| workload | gateway | wal | indexer-1 | indexer-2 | api | auth |\n|---|---|---|---|---|---|---|\n";
  for (const json& p : report["profiles"]) {
    md += "| " + p["name"].get<std::string>();
    for (const char* stage : {"gateway", "wal", "indexer-1", "indexer-2", "api", "auth"}) {
      const json& m = p["memory"][stage];
      md += " | " + fmt(m.value("rss_mb", 0.0)) + " (" + fmt(m.value("peak_rss_mb", 0.0)) + ")";
    }
    md += " |\n";
  }
  if (report.contains("scale")) {
    md += "\nScale-out: WAL instances x indexers, 8 partitions, typical workload, " + std::to_string(report["cores"].get<unsigned>()) +
          " cores shared by every process and the load generator:\n\n| WALs | indexers | acked spans/s | p99 ms | failed Exports | indexed spans/s |\n|---|---|---|---|---|---|\n";
    for (const json& row : report["scale"]) {
      md += "| " + std::to_string(row["wals"].get<unsigned>()) + " | " + std::to_string(row["indexers"].get<unsigned>()) + " | " +
            fmt(row["ingest_spans_per_second"]) + " | " + fmt(row["p99_ms"], "%.2f") + " | " + std::to_string(row["errors"].get<uint64_t>()) +
            " | " + fmt(row["indexed_spans_per_second"]) + " |\n";
    }
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
      .add("only-scale", &settings.only_scale, "Run only the scale-out sweep (WAL instances x indexers).")
      .add("scale-wals", &settings.scale_wals, "WAL instance counts of the scale-out sweep.")
      .add("scale-indexers", &settings.scale_indexers, "Indexer counts of the scale-out sweep.")
      .add("profiles", &settings.profiles, "Workloads to run, comma-separated: small, typical, varied (typical's sizes with values that differ), junjo.")
      .add("steady-spans", &settings.steady_spans, "Spans/s of the steady phase that measures disk written per OTLP byte (0: none).")
      .add("keep-index", &settings.keep_index, "Copy each workload's index folder under this folder (to profile it).")
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
  bench::WorkloadShape varied{.spans_per_request = 100, .attributes_per_span = 8, .attribute_bytes = 32, .varied_values = true};
  bench::WorkloadShape junjo{.spans_per_request = 100, .attribute_bytes = 256, .junjo = true};
  report["profiles"] = nlohmann::json::array();
  if (settings.only_scale) settings.profiles.clear();
  for (const auto& [name, shape] : {std::pair{"small", small}, std::pair{"typical", typical}, std::pair{"varied", varied}, std::pair{"junjo", junjo}}) {
    if (("," + settings.profiles + ",").find("," + std::string(name) + ",") == std::string::npos) continue;
    report["profiles"].push_back(bench::run_profile(name, shape, settings, scratch));
  }
  if (settings.only_limits) return 0;
  if (settings.sweeps || settings.only_scale) report["scale"] = bench::sweep_scale(settings);
  if (settings.sweeps && !settings.only_scale) {
    report["layouts"] = bench::sweep_layouts(settings);
    report["shapes"] = bench::sweep_shapes(settings);
  }
  std::string md = bench::markdown(report);
  std::printf("%s", md.c_str());
  if (!json_out.empty()) std::ofstream(json_out) << report.dump(2) << "\n";
  if (!md_out.empty()) std::ofstream(md_out) << md;
  return 0;
}
