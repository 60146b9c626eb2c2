#pragma once
// `spanline delete` and `spanline reindex`: the commands that change the shards.

#include "bus/security/bus_key.h"
#include "stages/launcher/launcher_config.h"

namespace spanline::launcher {

// Records the deletion (so the WAL cannot bring the data back) and removes the
// rows from every shard now. Returns the exit code.
int delete_command(const LauncherConfig& config);

// Rebuilds every shard from what the WAL still holds. Returns the exit code.
int reindex_command(const LauncherConfig& config, const bus::BusKey& bus_key);

}  // namespace spanline::launcher
