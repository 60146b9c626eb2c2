#pragma once
// OTLP/gRPC front end: the Trace, Logs and Metrics Export methods, and the
// standard gRPC health service.
//
// The Export methods are registered on raw bytes (grpc::ByteBuffer) rather than
// through generated stubs, for two reasons: a request that does not parse must
// get INVALID_ARGUMENT (generated handlers answer INTERNAL), and the bytes of a
// request whose spans all belong to one partition go to the WAL unchanged.
//
// Threads: gRPC's synchronous server runs handlers on its own pool; each handler
// blocks until Ingest answers.

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "stages/common/status.h"
#include "stages/gateway/ingest.h"

namespace spanline::gateway {

class OtlpGrpcServer {
 public:
  OtlpGrpcServer(Ingest& ingest, std::string address);
  ~OtlpGrpcServer();

  Status start();
  // Stops accepting, lets in-flight Exports finish for up to `grace`.
  void stop(std::chrono::milliseconds grace);
  int port() const { return port_; }

 private:
  class ExportService;
  Ingest& ingest_;
  std::string address_;
  int port_ = 0;
  std::unique_ptr<ExportService> service_;
  std::unique_ptr<grpc::Server> server_;
};

// gRPC status for a Status (same numbering).
grpc::Status to_grpc(const Status& status);

}  // namespace spanline::gateway
