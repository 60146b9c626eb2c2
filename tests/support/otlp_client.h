#pragma once
// A real C++ OTLP/gRPC client for tests: builds Export requests with unique ids
// and sends them through the generated TraceService stub.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <random>
#include <set>
#include <string>
#include <utility>

#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "base/hex.h"

namespace spanline::testing {

using SpanKey = std::pair<std::string, std::string>;  // lower-case hex trace id, span id

using spanline::to_hex;

class OtlpClient {
 public:
  // `api_key` goes in the x-junjo-api-key metadata of every request (none when empty).
  explicit OtlpClient(const std::string& target, std::string api_key = "");
  // Replaces the credentials: an API key, or with `bearer` a token sent as authorization: Bearer.
  void set_api_key(std::string key) { api_key_ = std::move(key); bearer_.clear(); }
  void set_bearer(std::string token) { bearer_ = std::move(token); api_key_.clear(); }

  // `traces` traces of `spans_per_trace` spans each, fresh random ids.
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest make_request(int traces, int spans_per_trace,
                                                                                      const std::string& service = "cpp-test");
  grpc::Status send(const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request,
                    opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse* response = nullptr,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10), bool gzip = false);
  // Sends raw bytes to TraceService/Export, bypassing protobuf (for malformed input).
  // With `gzip`, the bytes go compressed (grpc-encoding: gzip), as an SDK's compression option sends them.
  grpc::Status send_raw(const std::string& bytes, std::chrono::milliseconds timeout = std::chrono::seconds(10),
                        bool gzip = false);

  static std::set<SpanKey> keys_of(const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request);

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<opentelemetry::proto::collector::trace::v1::TraceService::Stub> stub_;
  std::mt19937_64 random_;
  std::string api_key_;
  std::string bearer_;
  void add_credentials(grpc::ClientContext& context) const;
};

}  // namespace spanline::testing
