#include "stages/indexer/indexer_commands.h"

#include <cstdio>
#include <filesystem>

#include "base/clock.h"
#include "bus/context.h"
#include "protocol/wal/partitions.h"
#include "protocol/wal/wal_map.h"
#include "stages/indexer/deletions.h"
#include "stages/indexer/indexer_stage.h"
#include "stages/indexer/reindex.h"
#include "stages/indexer/shard.h"

namespace spanline::indexer {

namespace {

// The partitions --partitions names or, when it names none (all of the WAL's),
// every shard in the data folder, without asking the WAL.
Result<std::vector<uint32_t>> shards_to_visit(const IndexerConfig& config) {
  auto partitions = owned_partitions(config);
  if (!partitions || !partitions->empty()) return partitions;
  for (uint32_t p = 0; p < wal::kMaxPartitions; ++p) {
    if (std::filesystem::exists(shard_path(config.data_dir, p))) partitions->push_back(p);
  }
  return partitions;
}

}  // namespace

int stat_command(const IndexerConfig& config) {
  auto partitions = shards_to_visit(config);
  if (!partitions) return 2;  // refused by the program's check before any command runs
  std::printf("%-10s %12s %12s %12s %12s\n", "partition", "cursor", "spans", "traces", "runs");
  for (uint32_t partition : *partitions) {
    auto db = Database::open(shard_path(config.data_dir, partition), true);
    if (!db) {
      std::printf("%-10u (no shard: %s)\n", partition, db.status().message().c_str());
      continue;
    }
    auto count = [&](const char* sql) -> long long {
      auto statement = (*db)->prepare(sql);
      if (!statement || !statement->step().is_ok()) return -1;
      return static_cast<long long>(statement->column_int(0));
    };
    std::printf("%-10u %12lld %12lld %12lld %12lld\n", partition, count("SELECT coalesce(max(sequence), 0) FROM cursor"),
                count("SELECT count(*) FROM spans"), count("SELECT count(*) FROM traces"),
                count("SELECT count(*) FROM workflow_runs"));
  }
  return 0;
}

int delete_command(const IndexerConfig& config, const DeleteFlags& flags) {
  if (flags.service.empty()) {
    std::fprintf(stderr, "spanline-indexer delete: --service is required\n");
    return 2;
  }
  constexpr int64_t kLastSecond = INT64_MAX / 1'000'000'000;  // April 2262, as far as nanoseconds go
  if (flags.before_unix_seconds < 0 || flags.before_unix_seconds > kLastSecond) {
    std::fprintf(stderr, "spanline-indexer delete: --before is unix seconds between 0 (now) and %lld\n",
                 static_cast<long long>(kLastSecond));
    return 2;
  }
  int64_t before_ns = flags.before_unix_seconds == 0 ? unix_nanos_now() : flags.before_unix_seconds * 1'000'000'000;
  auto partitions = shards_to_visit(config);
  if (!partitions) return 2;  // refused by the program's check before any command runs
  auto traces = delete_now(config.data_dir, *partitions, {flags.service, before_ns});
  if (!traces) {
    std::fprintf(stderr, "spanline-indexer delete: %s\n", traces.status().to_string().c_str());
    return 1;
  }
  std::printf("deleted the spans of service '%s' from %llu traces; recorded in %s so re-indexing keeps them deleted\n",
              flags.service.c_str(), static_cast<unsigned long long>(*traces), Deletions::path(config.data_dir).c_str());
  return 0;
}

int reindex_command(const IndexerConfig& config) {
  auto bus_key = bus::bus_key_or_explain("spanline-indexer", config.curve_secret_key);
  if (!bus_key) return 2;
  auto partitions = owned_partitions(config);
  if (!partitions) return 2;  // refused by the program's check before any command runs
  if (partitions->empty()) {
    // No --partitions: all of the WAL's, which must be running for a rebuild anyway.
    bus::Context context(*bus_key);
    auto endpoints = wal::parse_wal_endpoints(config.wal_endpoint);
    if (!endpoints) {
      std::fprintf(stderr, "spanline-indexer reindex: %s\n", endpoints.status().message().c_str());
      return 2;
    }
    wal::WalMap wals(context, *endpoints, "spanline-indexer reindex", 0, 16);
    auto count = wals.wait(std::chrono::seconds(10));
    if (!count) {
      std::fprintf(stderr, "spanline-indexer reindex: the WAL's partition count: %s\n", count.status().to_string().c_str());
      return 1;
    }
    partitions = owned_partitions(config, *count);
  }
  auto done = reindex({config.data_dir, config.wal_endpoint, *partitions, true, *bus_key});
  if (!done) {
    std::fprintf(stderr, "spanline-indexer reindex: %s\n", done.status().to_string().c_str());
    return 1;
  }
  std::printf("reindexed %llu WAL entries, %llu spans\n", static_cast<unsigned long long>(done->entries),
              static_cast<unsigned long long>(done->spans));
  return 0;
}

}  // namespace spanline::indexer
