#pragma once
// Graceful shutdown: main() blocks the termination signals before starting any
// thread, so no worker is interrupted mid-write, and later waits for one of them
// synchronously and stops the stage in order.

#include <chrono>
#include <optional>

namespace spanline {

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (and so in every thread
// started after it) and ignores SIGPIPE. Call first thing in main().
void block_termination_signals();

// Waits for SIGINT, SIGTERM or SIGHUP; returns the signal number, or nothing when
// `timeout` passed first.
std::optional<int> wait_for_termination_signal(std::chrono::milliseconds timeout);
int wait_for_termination_signal();

}  // namespace spanline
