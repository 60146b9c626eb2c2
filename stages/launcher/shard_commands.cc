#include "stages/launcher/shard_commands.h"

#include <cstdio>
#include <filesystem>

#include "base/clock.h"
#include "stages/indexer/deletions.h"
#include "stages/indexer/reindex.h"
#include "stages/indexer/shard.h"

namespace spanline::launcher {
namespace {

std::vector<uint32_t> all_partitions(uint32_t count) {
  std::vector<uint32_t> out;
  for (uint32_t p = 0; p < count; ++p) out.push_back(p);
  return out;
}

int delete_service(const std::string& data_dir, uint32_t partitions, const std::string& service, int64_t before_ns) {
  if (service.empty()) {
    std::fprintf(stderr, "spanline delete: --service is required\n");
    return 2;
  }
  if (Status recorded = indexer::Deletions::record(data_dir, {service, before_ns}); !recorded.is_ok()) {
    std::fprintf(stderr, "spanline delete: %s\n", recorded.to_string().c_str());
    return 1;
  }
  uint64_t traces = 0;
  for (uint32_t p : all_partitions(partitions)) {
    std::string path = indexer::shard_path(data_dir, p);
    if (!std::filesystem::exists(path)) continue;
    auto shard = indexer::Shard::open(path, p);
    if (!shard) {
      std::fprintf(stderr, "spanline delete: partition %u: %s\n", p, shard.status().to_string().c_str());
      return 1;
    }
    auto deleted = (*shard)->delete_service(service, before_ns);
    if (!deleted) {
      std::fprintf(stderr, "spanline delete: partition %u: %s\n", p, deleted.status().to_string().c_str());
      return 1;
    }
    traces += *deleted;
  }
  std::printf("deleted the spans of service '%s' from %llu traces; recorded in %s so re-indexing keeps them deleted\n",
              service.c_str(), static_cast<unsigned long long>(traces), indexer::Deletions::path(data_dir).c_str());
  return 0;
}

}  // namespace

int delete_command(const LauncherConfig& config) {
  constexpr int64_t kLastSecond = INT64_MAX / 1'000'000'000;  // April 2262, as far as nanoseconds go
  if (config.before_unix_seconds < 0 || config.before_unix_seconds > kLastSecond) {
    std::fprintf(stderr, "spanline delete: --before is unix seconds between 0 (now) and %lld\n", static_cast<long long>(kLastSecond));
    return 2;
  }
  int64_t before_ns = config.before_unix_seconds == 0 ? unix_nanos_now() : config.before_unix_seconds * 1'000'000'000;
  return delete_service(config.data_dir, config.partitions, config.service, before_ns);
}

int reindex_command(const LauncherConfig& config, const bus::BusKey& bus_key) {
  indexer::ReindexOptions options{config.data_dir, expand_data_dir(config.wal_endpoint, config.data_dir),
                                  all_partitions(config.partitions), true, bus_key};
  auto done = indexer::reindex(options);
  if (!done) {
    std::fprintf(stderr, "spanline reindex: %s\n", done.status().to_string().c_str());
    return 1;
  }
  std::printf("reindexed %llu WAL entries, %llu spans\n", static_cast<unsigned long long>(done->entries),
              static_cast<unsigned long long>(done->spans));
  return 0;
}

}  // namespace spanline::launcher
