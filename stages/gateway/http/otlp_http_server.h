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

#include "stages/common/status.h"
#include "stages/gateway/ingest.h"

namespace Pistache::Http {
class Endpoint;
}

namespace spanline::gateway {

class OtlpHttpServer {
 public:
  OtlpHttpServer(Ingest& ingest, std::string address, size_t threads);
  ~OtlpHttpServer();

  Status start();
  void stop();
  uint16_t port() const;

 private:
  class Handler;
  Ingest& ingest_;
  std::string address_;
  size_t threads_;
  std::unique_ptr<Pistache::Http::Endpoint> endpoint_;
};

}  // namespace spanline::gateway
