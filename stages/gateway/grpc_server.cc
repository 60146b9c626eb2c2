#include "stages/gateway/grpc_server.h"

#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/impl/codegen/method_handler.h>
#include <grpcpp/impl/codegen/rpc_service_method.h>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "stages/common/log.h"

namespace spanline::gateway {
namespace {

constexpr const char* kTraceExport = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
constexpr const char* kLogsExport = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";
constexpr const char* kMetricsExport = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";

RequestContext context_of(grpc::ServerContext* server_context) {
  RequestContext context;
  context.peer = server_context->peer();
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

class OtlpGrpcServer::ExportService final : public grpc::Service {
 public:
  explicit ExportService(Ingest& ingest) : ingest_(ingest) {
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
    IngestReply reply = ingest_.export_traces_bytes(std::move(bytes), context_of(context));
    if (!reply.status.is_ok()) return to_grpc(reply.status);
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse answer;
    if (reply.rejected > 0) {
      answer.mutable_partial_success()->set_rejected_spans(static_cast<int64_t>(reply.rejected));
      answer.mutable_partial_success()->set_error_message(reply.rejected_message);
    }
    write_message(answer, response);
    return grpc::Status::OK;
  }

  grpc::Status export_logs(grpc::ServerContext* context, const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
    std::string bytes;
    if (!read_bytes(*request, bytes)) return {grpc::StatusCode::INVALID_ARGUMENT, "unreadable request"};
    IngestReply reply = ingest_.export_logs_bytes(bytes, context_of(context));
    if (!reply.status.is_ok()) return to_grpc(reply.status);
    write_message(opentelemetry::proto::collector::logs::v1::ExportLogsServiceResponse(), response);
    return grpc::Status::OK;
  }

  grpc::Status export_metrics(grpc::ServerContext* context, const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
    std::string bytes;
    if (!read_bytes(*request, bytes)) return {grpc::StatusCode::INVALID_ARGUMENT, "unreadable request"};
    IngestReply reply = ingest_.export_metrics_bytes(bytes, context_of(context));
    if (!reply.status.is_ok()) return to_grpc(reply.status);
    write_message(opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceResponse(), response);
    return grpc::Status::OK;
  }

  Ingest& ingest_;
};

OtlpGrpcServer::OtlpGrpcServer(Ingest& ingest, std::string address) : ingest_(ingest), address_(std::move(address)) {}

OtlpGrpcServer::~OtlpGrpcServer() { stop(std::chrono::milliseconds(0)); }

Status OtlpGrpcServer::start() {
  grpc::EnableDefaultHealthCheckService(true);
  service_ = std::make_unique<ExportService>(ingest_);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address_, grpc::InsecureServerCredentials(), &port_);
  builder.RegisterService(service_.get());
  int max_bytes = static_cast<int>(std::min<uint64_t>(ingest_.options().max_request_bytes, INT32_MAX));
  builder.SetMaxReceiveMessageSize(max_bytes);
  // Idle handler threads notice a shutdown within this time (gRPC waits for them).
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::CQ_TIMEOUT_MSEC, 100);
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) return Status(Code::unavailable, "cannot listen for OTLP/gRPC on " + address_);
  server_->GetHealthCheckService()->SetServingStatus(true);
  log::info("OTLP/gRPC listening", {{"address", address_}, {"port", port_}});
  return Status::ok();
}

void OtlpGrpcServer::stop(std::chrono::milliseconds grace) {
  if (!server_) return;
  server_->GetHealthCheckService()->SetServingStatus(false);
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  server_->Wait();
  server_.reset();
}

}  // namespace spanline::gateway
