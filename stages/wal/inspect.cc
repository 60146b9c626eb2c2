#include "stages/wal/inspect.h"

#include <cstdio>

#include "base/hex.h"
#include "base/log.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "stages/wal/log_store.h"

namespace spanline::wal {
namespace {

const char* kind_name(bus::SignalKind kind) {
  switch (kind) {
    case bus::SignalKind::traces: return "traces";
    case bus::SignalKind::logs: return "logs";
    case bus::SignalKind::metrics: return "metrics";
  }
  return "unknown";
}

}  // namespace

int stat_command(const WalConfig& config, const InspectFlags& flags) {
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
int dump_command(const WalConfig& config, const InspectFlags& flags) {
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

}  // namespace spanline::wal
