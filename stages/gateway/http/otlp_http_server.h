#pragma once
// OTLP/HTTP front end (POST /v1/traces, /v1/logs, /v1/metrics) on Pistache,
// following the OTLP/HTTP specification: application/x-protobuf or
// application/json, optional gzip, the Export*ServiceResponse (with
// partial_success) on 200, a google.rpc.Status body on errors, and
// 429/503 with Retry-After for the retryable cases.
//
// Threads: Pistache's worker threads call the handler; each call blocks in
// Ingest until the WAL answers, so `threads` bounds the concurrent Exports.
// Pistache 0.0.5 drops headers added with addRaw(), so every response header we
// set is a typed header.

#include <cstddef>
#include <memory>
#include <string>

#include "base/http/connection_limits.h"
#include "base/status.h"
#include "stages/gateway/ingest.h"

namespace Pistache::Http {
class Endpoint;
}

namespace spanline::gateway {

class OtlpHttpServer {
 public:
  // Bounds: connections in all and per client address, header, body and
  // keep-alive timeouts (base/http/connection_limits.h). Pistache
  // reads a whole body before the handler runs, so a body's bytes are bounded by
  // --max-request-bytes per connection and by the body timeout, not by the
  // credentials; those are checked before the body is inflated or parsed.
  OtlpHttpServer(Ingest& ingest, std::string address, size_t threads, http::ConnectionLimitOptions limits,
                 http::HttpTimeouts timeouts);
  ~OtlpHttpServer();

  Status start();
  void stop();
  uint16_t port() const;

 private:
  class Handler;
  Ingest& ingest_;
  std::string address_;
  size_t threads_;
  std::shared_ptr<http::ConnectionLimits> limits_;
  http::HttpTimeouts timeouts_;
  std::unique_ptr<Pistache::Http::Endpoint> endpoint_;
};

}  // namespace spanline::gateway
