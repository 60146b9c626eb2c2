#pragma once

#include <chrono>
#include <string>

#include "bus/context.h"

namespace spanline::launcher {

// A first-user setup token from the auth-responder while no user exists; empty
// once one does (or when it cannot be asked: `why_not` says why). `wait` covers
// an auth-responder that is still starting.
std::string setup_token(bus::Context& context, const std::string& auth_endpoint, std::chrono::milliseconds wait,
                        std::string* why_not);

// `spanline setup-token`: prints one. Returns the exit code.
int setup_token_command(const bus::BusKey& bus_key, const std::string& auth_endpoint);

}  // namespace spanline::launcher
