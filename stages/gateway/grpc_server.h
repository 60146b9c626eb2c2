#pragma once
// OTLP/gRPC front end: the Trace, Logs and Metrics Export methods, and the
// standard gRPC health service.
//
// The Export methods are registered on raw bytes (grpc::ByteBuffer) rather than
// through generated stubs, for two reasons: a request that does not parse must
// get INVALID_ARGUMENT (generated handlers answer INTERNAL), and the bytes of a
// request whose spans all belong to one partition go to the WAL unchanged.
//
// Bounds (GrpcLimits): connections in all and per client address (the gateway
// accepts them itself, see connection_acceptor.h), concurrent streams per
// connection, streams opened and reset per connection per second (HTTP/2 rapid
// reset and call floods close the connection), worker threads and their queue, gRPC's
// memory (a resource quota, the last resort), silent and idle connections
// closed, messages up to twice --max-request-bytes read so that an oversized one
// gets a clear, non-retryable INVALID_ARGUMENT from Ingest rather than gRPC's
// own RESOURCE_EXHAUSTED, which OTLP SDKs retry. A call without valid
// credentials is answered before its message is read.
//
// Threads: gRPC's callback API (its own few threads, never blocked) and
// ExportWorkers, which run the steps that block.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "base/status.h"
#include "bus/stats.h"
#include "stages/gateway/connection_acceptor.h"
#include "stages/gateway/export_workers.h"
#include "stages/gateway/ingest.h"

namespace spanline::gateway {

struct GrpcLimits {
  uint32_t max_connections = 4096;
  uint32_t max_connections_per_address = 256;
  uint32_t max_streams_per_connection = 32;
  uint32_t workers = 32;  // threads that run Exports (each blocks until the WAL acks)
  uint32_t queue = 1024;  // Export steps waiting for a worker; past it RESOURCE_EXHAUSTED
  uint64_t memory_quota_bytes = 512ULL << 20;
  uint32_t max_streams_per_connection_per_second = 5000;
  uint32_t max_resets_per_connection_per_second = 200;
  std::chrono::milliseconds handshake_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds max_connection_idle{std::chrono::minutes(5)};
  std::chrono::milliseconds accept_failure_exit{std::chrono::seconds(30)};
};

class OtlpGrpcServer {
 public:
  OtlpGrpcServer(Ingest& ingest, std::string address, GrpcLimits limits, bus::StatsRegistry& stats);
  ~OtlpGrpcServer();

  Status start();
  // Stops accepting, lets in-flight Exports finish for up to `grace`.
  void stop(std::chrono::milliseconds grace);
  int port() const { return acceptor_.port(); }
  // False once the listener has failed for good: the gateway should exit.
  bool healthy() const { return acceptor_.healthy(); }

 private:
  class ExportService;
  Ingest& ingest_;
  GrpcLimits limits_;
  ConnectionAcceptor acceptor_;
  ExportWorkers workers_;
  std::unique_ptr<ExportService> service_;
  std::unique_ptr<grpc::Server> server_;
};

// gRPC status for a Status (same numbering).
grpc::Status to_grpc(const Status& status);

}  // namespace spanline::gateway
