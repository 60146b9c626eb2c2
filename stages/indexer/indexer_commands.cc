#include "stages/indexer/indexer_commands.h"

#include <cstdio>

#include "stages/indexer/indexer_stage.h"
#include "stages/indexer/shard.h"

namespace spanline::indexer {

int stat_command(const IndexerConfig& config) {
  auto partitions = owned_partitions(config);
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

}  // namespace spanline::indexer
