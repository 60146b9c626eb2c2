#pragma once
// Closes an OTLP/gRPC connection that starts calls faster than any exporter
// does: the signature of HTTP/2 rapid reset (CVE-2023-44487: HEADERS then
// RST_STREAM, over and over) and of call floods. gRPC 1.51 has no such
// defence of its own, and a stream reset at once never reaches a handler, so
// the count is taken by a server interceptor when each call's headers arrive.
// Calls are counted per connection (gRPC's peer "fd:<n>", see
// connection_acceptor.h) in one-second windows; past the limit the connection
// is shut down through the acceptor, and its client has to reconnect.
//
// Threads: call_started() runs on gRPC's threads; one mutex guards the counts.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <grpcpp/support/server_interceptor.h>

#include "stages/gateway/connection_acceptor.h"

namespace spanline::gateway {

class CallRateGuard {
 public:
  CallRateGuard(uint32_t max_calls_per_second, ConnectionAcceptor& acceptor)
      : max_calls_per_second_(max_calls_per_second), acceptor_(acceptor) {}

  void call_started(const std::string& peer);
  // For grpc::ServerBuilder::experimental().SetInterceptorCreators().
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> interceptor_factory();

 private:
  struct Window {
    std::chrono::steady_clock::time_point started;
    uint32_t calls = 0;
  };
  uint32_t max_calls_per_second_;
  ConnectionAcceptor& acceptor_;
  std::mutex mutex_;
  std::unordered_map<std::string, Window> windows_;
  std::chrono::steady_clock::time_point last_prune_{};
};

}  // namespace spanline::gateway
