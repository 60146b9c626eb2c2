#pragma once
// Moves a playground HttpCall's bytes with libcurl (Debian's standard HTTP
// client: TLS, proxies from the environment, HTTP/2, chunked streams), handing
// the answer's body to the caller as it arrives. Bounds: a connect timeout, a
// deadline for the whole answer, a stall bound (no byte for that long cuts a
// stream) and a cancel check polled while waiting, so a run never holds its
// thread longer than the deadline.
//
// Threads: one perform() per thread at a time; any number of threads at once.

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "stages/api/playground/providers/provider_protocol.h"

namespace spanline::api::playground {

struct TransferLimits {
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds deadline{std::chrono::minutes(5)};
  std::chrono::milliseconds stall{std::chrono::seconds(30)};
  size_t max_body_bytes = 16u << 20;  // an answer larger than this is cut (provider_error)
};

struct TransferCallbacks {
  // The status line and the Retry-After header (empty when absent), before any body byte.
  std::function<void(int http_status, std::string_view retry_after)> on_status;
  // A piece of the body; return false to stop the transfer (the caller saw enough or failed to decode).
  std::function<bool(std::string_view bytes)> on_body;
  // Polled at least every 100 ms while the transfer waits; true stops it as cancelled.
  std::function<bool()> cancelled;
};

// OK when the whole answer arrived (whatever its HTTP status: on_status said it);
// else the failure: unreachable, timeout, stalled, cancelled, or provider_error
// (the body exceeded max_body_bytes, or on_body stopped it).
struct TransferOutcome {
  bool complete = false;
  ProviderFailure failure;  // when !complete
};

TransferOutcome perform(const HttpCall& call, const TransferLimits& limits, const TransferCallbacks& callbacks);

}  // namespace spanline::api::playground
