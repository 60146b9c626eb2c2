#pragma once
// `<stage> ping`: asks a running stage's ROUTER endpoint whether it answers, for
// health checks (compose healthchecks, scripts). Every ROUTER stage answers ping.

#include <chrono>
#include <string>

#include "bus/security/bus_key.h"

namespace spanline::bus {

// Prints "<what> at <endpoint> is up" and returns 0, or prints the error and returns 1.
int ping_command(const std::string& program, const std::string& what, const std::string& endpoint,
                 const BusKey& key, std::chrono::milliseconds timeout = std::chrono::seconds(2));

}  // namespace spanline::bus
