#pragma once
// `spanline delete` and `spanline reindex`: the commands that change shards.
// Only the indexer's code opens a shard for writing, so these run
// `spanline-indexer delete` / `spanline-indexer reindex` in this process's
// place (exec), on every partition, with the data folder and the bus key the
// launcher was given: their output and exit code are the command's.

#include "stages/launcher/launcher_config.h"

namespace spanline::launcher {

// Returns only when the indexer binary cannot be run (exit code 1).
int delete_command(const LauncherConfig& config);
int reindex_command(const LauncherConfig& config);

}  // namespace spanline::launcher
