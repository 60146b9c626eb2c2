#include "stages/gateway/grpc_server.h"

#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/impl/codegen/method_handler.h>
#include <grpcpp/impl/codegen/rpc_service_method.h>

#include <grpcpp/resource_quota.h>
#include <grpcpp/server_posix.h>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "stages/common/log.h"

namespace spanline::gateway {
namespace {

constexpr const char* kTraceExport = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
constexpr const char* kLogsExport = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";
constexpr const char* kMetricsExport = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";

RequestContext context_of(grpc::ServerContext* server_context, const ConnectionAcceptor& acceptor) {
  RequestContext context;
  context.peer = acceptor.address_of(server_context->peer());
  context.header = [server_context](std::string_view name) -> std::optional<std::string> {
    const auto& metadata = server_context->client_metadata();
    auto it = metadata.find(grpc::string_ref(name.data(), name.size()));
    if (it == metadata.end()) return std::nullopt;
    return std::string(it->second.data(), it->second.size());
  };
  return context;
}

bool read_bytes(const grpc::ByteBuffer& buffer, std::string& out) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return false;
  size_t total = 0;
  for (const auto& slice : slices) total += slice.size();
  out.reserve(total);
  for (const auto& slice : slices) out.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  return true;
}

void write_message(const google::protobuf::Message& message, grpc::ByteBuffer* out) {
  std::string bytes = message.SerializeAsString();
  grpc::Slice slice(bytes);
  *out = grpc::ByteBuffer(&slice, 1);
}

}  // namespace

grpc::Status to_grpc(const Status& status) {
  if (status.is_ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), status.message());
}

grpc::Status to_grpc(const IngestReply& reply) {
  if (!reply.retry_after) return to_grpc(reply.status);
  // The OTLP specification: RESOURCE_EXHAUSTED is retryable only with a
  // google.rpc.RetryInfo in the status details (grpc-status-details-bin).
  google::rpc::RetryInfo retry;
  auto delay = *reply.retry_after;
  retry.mutable_retry_delay()->set_seconds(std::chrono::duration_cast<std::chrono::seconds>(delay).count());
  retry.mutable_retry_delay()->set_nanos(static_cast<int32_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(delay % std::chrono::seconds(1)).count()));
  google::rpc::Status details;
  details.set_code(static_cast<int>(reply.status.code()));
  details.set_message(reply.status.message());
  details.add_details()->PackFrom(retry);
  return grpc::Status(static_cast<grpc::StatusCode>(reply.status.code()), reply.status.message(),
                      details.SerializeAsString());
}

class OtlpGrpcServer::ExportService final : public grpc::Service {
 public:
  ExportService(Ingest& ingest, const ConnectionAcceptor& acceptor) : ingest_(ingest), acceptor_(acceptor) {
    add(kTraceExport, &ExportService::export_traces);
    add(kLogsExport, &ExportService::export_logs);
    add(kMetricsExport, &ExportService::export_metrics);
  }

 private:
  using Handler = grpc::Status (ExportService::*)(grpc::ServerContext*, const grpc::ByteBuffer*, grpc::ByteBuffer*);

  void add(const char* path, Handler handler) {
    AddMethod(new grpc::internal::RpcServiceMethod(
        path, grpc::internal::RpcMethod::NORMAL_RPC,
        new grpc::internal::RpcMethodHandler<ExportService, grpc::ByteBuffer, grpc::ByteBuffer>(
            [handler](ExportService* service, grpc::ServerContext* context, const grpc::ByteBuffer* request,
                      grpc::ByteBuffer* response) { return (service->*handler)(context, request, response); },
            this)));
  }

  grpc::Status export_traces(grpc::ServerContext* context, const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
    std::string bytes;
    if (!read_bytes(*request, bytes)) return {grpc::StatusCode::INVALID_ARGUMENT, "unreadable request"};
    IngestReply reply = ingest_.export_traces_bytes(std::move(bytes), context_of(context, acceptor_));
    if (!reply.status.is_ok()) return to_grpc(reply);
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse answer;
    if (reply.rejected > 0 || !reply.rejected_message.empty()) {
      answer.mutable_partial_success()->set_rejected_spans(static_cast<int64_t>(reply.rejected));
      answer.mutable_partial_success()->set_error_message(reply.rejected_message);
    }
    write_message(answer, response);
    return grpc::Status::OK;
  }

  grpc::Status export_logs(grpc::ServerContext* context, const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
    std::string bytes;
    if (!read_bytes(*request, bytes)) return {grpc::StatusCode::INVALID_ARGUMENT, "unreadable request"};
    IngestReply reply = ingest_.export_logs_bytes(bytes, context_of(context, acceptor_));
    if (!reply.status.is_ok()) return to_grpc(reply);
    write_message(opentelemetry::proto::collector::logs::v1::ExportLogsServiceResponse(), response);
    return grpc::Status::OK;
  }

  grpc::Status export_metrics(grpc::ServerContext* context, const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
    std::string bytes;
    if (!read_bytes(*request, bytes)) return {grpc::StatusCode::INVALID_ARGUMENT, "unreadable request"};
    IngestReply reply = ingest_.export_metrics_bytes(bytes, context_of(context, acceptor_));
    if (!reply.status.is_ok()) return to_grpc(reply);
    write_message(opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceResponse(), response);
    return grpc::Status::OK;
  }

  Ingest& ingest_;
  const ConnectionAcceptor& acceptor_;
};

OtlpGrpcServer::OtlpGrpcServer(Ingest& ingest, std::string address, GrpcLimits limits, bus::StatsRegistry& stats)
    : ingest_(ingest),
      limits_(limits),
      acceptor_({.address = std::move(address),
                 .max_connections = limits.max_connections,
                 .max_connections_per_address = limits.max_connections_per_address,
                 .handshake_timeout = limits.handshake_timeout,
                 .accept_failure_exit = limits.accept_failure_exit},
                stats),
      call_rate_guard_(limits.max_calls_per_connection_per_second, acceptor_) {}

OtlpGrpcServer::~OtlpGrpcServer() { stop(std::chrono::milliseconds(0)); }

Status OtlpGrpcServer::start() {
  if (Status bound = acceptor_.bind(); !bound.is_ok()) return bound;
  grpc::EnableDefaultHealthCheckService(true);
  service_ = std::make_unique<ExportService>(ingest_, acceptor_);
  grpc::ServerBuilder builder;
  // No listening port of gRPC's own: the acceptor hands connections over.
  builder.RegisterService(service_.get());
  // Twice the request limit, so that Ingest (not gRPC) refuses an oversized
  // request, with INVALID_ARGUMENT: OTLP SDKs do not retry that.
  uint64_t receive_limit = std::min<uint64_t>(2 * ingest_.options().max_request_bytes, INT32_MAX);
  builder.SetMaxReceiveMessageSize(static_cast<int>(receive_limit));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, static_cast<int>(limits_.max_streams_per_connection));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                             static_cast<int>(std::min<int64_t>(limits_.max_connection_idle.count(), INT32_MAX)));
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  grpc::ResourceQuota quota("otlp-grpc");
  quota.SetMaxThreads(static_cast<int>(limits_.max_threads));
  quota.Resize(static_cast<size_t>(limits_.memory_quota_bytes));
  builder.SetResourceQuota(quota);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(call_rate_guard_.interceptor_factory());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  // Idle handler threads notice a shutdown within this time (gRPC waits for them).
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::CQ_TIMEOUT_MSEC, 100);
  server_ = builder.BuildAndStart();
  if (!server_) return Status(Code::unavailable, "cannot start the OTLP/gRPC server");
  server_->GetHealthCheckService()->SetServingStatus(true);
  grpc::Server* server = server_.get();
  acceptor_.start([server](int fd) { grpc::AddInsecureChannelFromFd(server, fd); });
  log::info("OTLP/gRPC listening",
            {{"port", acceptor_.port()},
             {"max_connections", limits_.max_connections},
             {"max_connections_per_address", limits_.max_connections_per_address},
             {"max_streams_per_connection", limits_.max_streams_per_connection},
             {"max_threads", limits_.max_threads}});
  return Status::ok();
}

void OtlpGrpcServer::stop(std::chrono::milliseconds grace) {
  acceptor_.stop();
  if (!server_) return;
  server_->GetHealthCheckService()->SetServingStatus(false);
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  server_->Wait();
  server_.reset();
}

}  // namespace spanline::gateway
