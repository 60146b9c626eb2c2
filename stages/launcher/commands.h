#pragma once
// The `spanline` commands, one table: the dispatch, the usage line and the
// "say what to do" message are all made from it.

#include <string>
#include <vector>

#include "stages/launcher/launcher_config.h"

namespace spanline::launcher {

// "up|reindex|...|keygen [options]"
std::string usage_line();

// Runs the command named by positional[0]; returns the exit code (2 for a
// missing or unknown command, or a bus key that cannot be read).
int run_command(LauncherConfig& config, const std::vector<std::string>& positional);

}  // namespace spanline::launcher
