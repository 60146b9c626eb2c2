#pragma once
// `spanline up`: the whole pipeline on one machine. Claims the data folder (one
// launcher per folder), starts every stage as its own process under the
// Supervisor, prints where everything listens (and a first-user setup token
// while no user exists), restarts a stage that dies and stops all, group by
// group, on Ctrl-C or SIGTERM.

#include "bus/security/bus_key.h"
#include "stages/launcher/launcher_config.h"

namespace spanline::launcher {

// Returns the exit code: 0 stopped by a signal, 1 could not start or a stage
// kept dying.
int up(LauncherConfig config, const bus::BusKey& bus_key);

}  // namespace spanline::launcher
