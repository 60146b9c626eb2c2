#pragma once
// The spanline-indexer commands besides running the stage, on the shards of the
// partitions --partitions names.

#include "stages/indexer/indexer_config.h"

namespace spanline::indexer {

// `spanline-indexer stat`: cursor and row counts of each shard.
int stat_command(const IndexerConfig& config);

}  // namespace spanline::indexer
