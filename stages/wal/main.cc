// spanline-wal: the durable log stage, and a small inspection tool for its data.
#include <cstdio>
#include <iostream>

#include "bus/ping.h"
#include "bus/request_client.h"
#include "bus/stats.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "base/hex.h"
#include "base/log.h"
#include "base/options.h"
#include "base/private_files.h"
#include "base/signals.h"
#include "stages/wal/log_store.h"
#include "stages/wal/partition_count.h"
#include "stages/wal/wal_server.h"

namespace spanline::wal {
namespace {

struct ToolFlags {
  bool json = false;
  bool spans = false;
  int64_t partition = -1;
  uint64_t limit = 0;
  bool verify = false;
};

const char* kind_name(bus::SignalKind kind) {
  switch (kind) {
    case bus::SignalKind::traces: return "traces";
    case bus::SignalKind::logs: return "logs";
    case bus::SignalKind::metrics: return "metrics";
  }
  return "unknown";
}

int stat(const WalConfig& config, const ToolFlags& flags) {
  auto store = LogStore::open(config.log_path(), true);
  if (!store) {
    std::fprintf(stderr, "spanline-wal stat: %s\n", store.status().to_string().c_str());
    return 1;
  }
  auto ranges = (*store)->ranges();
  auto cursors = (*store)->load_cursors();
  auto count = (*store)->stored_partition_count();
  // 0: not stored yet (a new log, or one from before the WAL kept its count).
  const uint32_t partition_count = count && *count ? **count : 0;
  if (flags.json) {
    std::string out = "{\"path\":";
    log::append_json_string(out, config.log_path());
    out += ",\"partition_count\":" + std::to_string(partition_count);
    out += ",\"disk_bytes\":" + std::to_string((*store)->disk_bytes()) + ",\"partitions\":[";
    bool first = true;
    for (const auto& [partition, range] : ranges) {
      out += first ? "" : ",";
      first = false;
      uint64_t retained = range.head >= range.first ? range.head - range.first + 1 : 0;
      out += "{\"partition\":" + std::to_string(partition) + ",\"first\":" + std::to_string(range.first) +
             ",\"head\":" + std::to_string(range.head) + ",\"entries\":" + std::to_string(retained) + "}";
    }
    out += "],\"cursors\":[";
    first = true;
    for (const auto& [key, committed] : cursors) {
      out += first ? "" : ",";
      first = false;
      out += "{\"partition\":" + std::to_string(key.first) + ",\"consumer\":";
      log::append_json_string(out, key.second);
      out += ",\"committed\":" + std::to_string(committed) + "}";
    }
    out += "]}\n";
    std::fputs(out.c_str(), stdout);
  } else {
    std::printf("WAL at %s, %u partitions, %llu bytes on disk\n", config.log_path().c_str(), partition_count,
                static_cast<unsigned long long>((*store)->disk_bytes()));
    std::printf("%-10s %14s %14s %14s\n", "partition", "first", "head", "entries");
    for (const auto& [partition, range] : ranges) {
      uint64_t retained = range.head >= range.first ? range.head - range.first + 1 : 0;
      std::printf("%-10u %14llu %14llu %14llu\n", partition, static_cast<unsigned long long>(range.first),
                  static_cast<unsigned long long>(range.head), static_cast<unsigned long long>(retained));
    }
    for (const auto& [key, committed] : cursors) {
      std::printf("consumer %s committed partition %u through %llu\n", key.second.c_str(), key.first,
                  static_cast<unsigned long long>(committed));
    }
  }
  if (flags.verify) {
    Status verified = (*store)->verify();
    std::fprintf(verified.is_ok() ? stdout : stderr, "checksums: %s\n", verified.to_string().c_str());
    if (!verified.is_ok()) return 1;
  }
  return 0;
}

// One JSON line per entry, or with --spans one per span (trace and span id).
int dump(const WalConfig& config, const ToolFlags& flags) {
  auto store = LogStore::open(config.log_path(), true);
  if (!store) {
    std::fprintf(stderr, "spanline-wal dump: %s\n", store.status().to_string().c_str());
    return 1;
  }
  uint64_t printed = 0;
  for (const auto& [partition, range] : (*store)->ranges()) {
    if (flags.partition >= 0 && static_cast<uint32_t>(flags.partition) != partition) continue;
    uint64_t after = range.first == 0 ? 0 : range.first - 1;
    for (;;) {
      ReadLimits limits;
      limits.max_entries = 1000;
      auto entries = (*store)->read(partition, after, limits);
      if (!entries) {
        std::fprintf(stderr, "spanline-wal dump: %s\n", entries.status().to_string().c_str());
        return 1;
      }
      if (entries->empty()) break;
      for (const StoredEntry& entry : *entries) {
        after = entry.sequence;
        std::string prefix = "{\"partition\":" + std::to_string(partition) + ",\"sequence\":" + std::to_string(entry.sequence) +
                             ",\"kind\":\"" + kind_name(entry.meta.kind) + "\",\"received_unix_nano\":" +
                             std::to_string(entry.meta.received_nanos);
        if (flags.spans && entry.meta.kind == bus::SignalKind::traces) {
          opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
          if (!request.ParseFromString(entry.payload)) {
            std::printf("%s,\"error\":\"payload does not parse\"}\n", prefix.c_str());
            continue;
          }
          for (const auto& resource_spans : request.resource_spans()) {
            for (const auto& scope_spans : resource_spans.scope_spans()) {
              for (const auto& span : scope_spans.spans()) {
                std::printf("%s,\"trace_id\":\"%s\",\"span_id\":\"%s\"}\n", prefix.c_str(), to_hex(span.trace_id()).c_str(),
                            to_hex(span.span_id()).c_str());
              }
            }
          }
        } else if (!flags.spans) {
          std::printf("%s,\"items\":%u,\"bytes\":%zu}\n", prefix.c_str(), entry.meta.items, entry.payload.size());
        }
        if (flags.limit != 0 && ++printed >= flags.limit) return 0;
      }
    }
  }
  return 0;
}

int serve(const WalConfig& config) {
  auto store = LogStore::open(config.log_path());
  if (!store) {
    log::error("cannot open the WAL", {{"error", store.status().to_string()}});
    return 1;
  }
  (*store)->keep_free(config.min_free_bytes);
  auto partitions = settle_partition_count(**store, config.partitions);
  if (!partitions) {
    log::error("cannot start the wal", {{"error", partitions.status().message()}});
    return 2;
  }
  log::info("partition count", {{"partitions", *partitions}});
  for (const auto& [partition, range] : (*store)->ranges()) {
    log::info("recovered partition", {{"partition", partition}, {"first", range.first}, {"head", range.head}});
  }
  auto bus_key = bus::bus_key_or_explain("spanline-wal", config.curve_secret_key);
  if (!bus_key) return 2;
  bus::Context context(*bus_key);
  bus::StatsRegistry stats;
  WalServer server(config, *partitions, **store, context, stats);
  try {
    server.start();
  } catch (const std::exception& e) {
    log::error("cannot start the wal", {{"endpoint", config.endpoint}, {"error", e.what()}});
    return 1;
  }
  bus::StatsPublisher publisher(context, config.stats_endpoint, "wal", config.instance, stats);
  int sig = wait_for_termination_signal();
  log::info("stopping", {{"signal", sig}});
  server.stop();
  log::info("stopped");
  return 0;
}

}  // namespace
}  // namespace spanline::wal

int main(int argc, char** argv) {
  using namespace spanline;
  block_termination_signals();
  wal::WalConfig config;
  wal::ToolFlags flags;
  Options options("spanline-wal", "The WAL stage: a durable, partitioned log on RocksDB. Without a command it runs the stage.\n"
                  "Commands:\n  stat   partitions, sequence ranges, consumer cursors, disk use (--json, --verify)\n"
                  "  dump   entries as JSON lines (--partition, --spans, --limit)\n"
                  "  ping   asks the running WAL whether it answers (exit 0 if it does)",
                  "[stat|dump|ping] [options]");
  config.register_options(options);
  options.add("json", &flags.json, "stat: print JSON.")
      .add("verify", &flags.verify, "stat: verify every checksum in the log.")
      .add("spans", &flags.spans, "dump: one line per span with its trace and span id.")
      .add("partition", &flags.partition, "dump: only this partition (-1: all).")
      .add("limit", &flags.limit, "dump: stop after this many lines (0: no limit).");
  auto parsed = options.parse(argc, argv);
  if (!parsed) {
    std::fprintf(stderr, "spanline-wal: %s\n", parsed.status().message().c_str());
    return 2;
  }
  if (parsed->exit_now) return 0;
  config.resolve();
  log::Level level = log::Level::info;
  log::parse_level(config.log_level, level);
  log::init("wal", level);
  // The data folder holds secrets and every trace: nothing in it is for other local users.
  make_data_folder_private(config.data_dir);
  std::string command = parsed->positional.empty() ? "serve" : parsed->positional[0];
  if (command == "serve") return wal::serve(config);
  if (command == "stat") return wal::stat(config, flags);
  if (command == "dump") return wal::dump(config, flags);
  if (command == "ping") {
    auto bus_key = bus::bus_key_or_explain("spanline-wal", config.curve_secret_key);
    return bus_key ? bus::ping_command("spanline-wal", "wal", config.endpoint, *bus_key) : 2;
  }
  std::fprintf(stderr, "spanline-wal: unknown command '%s' (see --help)\n", command.c_str());
  return 2;
}
