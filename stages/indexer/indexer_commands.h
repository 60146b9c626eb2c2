#pragma once
// The spanline-indexer commands besides running the stage, on the shards of the
// partitions --partitions names. `delete` and `reindex` are how `spanline
// delete` and `spanline reindex` change shards (the launcher runs this binary
// for them), so only the indexer's code ever opens a shard for writing.

#include <cstdint>
#include <string>

#include "base/options.h"
#include "stages/indexer/indexer_config.h"

namespace spanline::indexer {

// The flags of `delete`.
struct DeleteFlags {
  std::string service;
  int64_t before_unix_seconds = 0;

  void register_options(Options& options) {
    options.add("service", &service, "delete: the service whose spans are deleted.")
        .add("before", &before_unix_seconds, "delete: only spans that started before this time (unix seconds); 0 means now.");
  }
};

// `spanline-indexer stat`: cursor and row counts of each shard.
int stat_command(const IndexerConfig& config);

// `spanline-indexer delete --service S [--before T]`: records the deletion (so
// the WAL cannot bring the data back) and removes the rows from every shard now.
int delete_command(const IndexerConfig& config, const DeleteFlags& flags);

// `spanline-indexer reindex`: rebuilds each shard from what the WAL still holds,
// with a progress bar (stop the indexers of those partitions first).
int reindex_command(const IndexerConfig& config);

}  // namespace spanline::indexer
