#include "stages/gateway/grpc_server.h"

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/server_posix.h>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "base/log.h"

namespace spanline::gateway {
namespace {

constexpr const char* kTraceExport = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
constexpr const char* kLogsExport = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";
constexpr const char* kMetricsExport = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";

RequestContext context_of(grpc::ServerContextBase* server_context, const ConnectionAcceptor& acceptor) {
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

enum class Signal { traces, logs, metrics, unknown };

Signal signal_of(const std::string& method) {
  if (method == kTraceExport) return Signal::traces;
  if (method == kLogsExport) return Signal::logs;
  if (method == kMetricsExport) return Signal::metrics;
  return Signal::unknown;
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

// One Export call, as a callback-API reactor, told of the call when its headers
// arrive (a generic service). Its steps run on ExportWorkers:
// (1) credentials from the metadata, before anything of the message is read:
// a client without them is answered at once and its message is never read (its
// stream holds at most HTTP/2's initial window); (2) the message read; (3)
// Ingest. The reactor lives until gRPC calls OnDone after Finish, so a worker
// may use it until it calls Finish, even when the client has gone.
//
// Being told of every call at its headers makes each HTTP/2 stream cost a
// reactor, so streams reset at once (HTTP/2 rapid reset) would pile up calls in
// gRPC 1.51 (gigabytes, still growing after the attacker left: measured); the
// acceptor's relay closes such a connection after a few hundred resets.
class ExportCall final : public grpc::ServerGenericBidiReactor {
 public:
  ExportCall(Ingest& ingest, ExportWorkers& workers, const ConnectionAcceptor& acceptor,
             grpc::GenericCallbackServerContext* server_context)
      : ingest_(ingest), workers_(workers), signal_(signal_of(server_context->method())) {
    if (signal_ == Signal::unknown) {
      Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "unknown method " + server_context->method()));
      return;
    }
    context_ = context_of(server_context, acceptor);
    if (std::optional<Status> auth = ingest_.check_credentials_without_waiting(context_)) {
      // No credentials at all (refused here and now, the message never read),
      // or an API key already checked: no need to wait, so no hand-off to a
      // worker (each hand-off can wait a scheduler slice on a busy host).
      after_credentials(*auth);
      return;
    }
    run_or_refuse([this] { check_credentials(); });
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the call carried no request message"));
      return;
    }
    run_or_refuse([this] { export_request(); });
  }

  void OnDone() override { delete this; }

 private:
  void run_or_refuse(std::function<void()> step) {
    if (workers_.submit(std::move(step))) return;
    IngestReply busy{Status(Code::resource_exhausted, "the gateway's export queue is full (--grpc-queue); retry later"),
                     0, {}, ingest_.options().busy_retry_after};
    Finish(to_grpc(busy));
  }

  void check_credentials() { after_credentials(ingest_.check_credentials(context_)); }

  void after_credentials(const Status& auth) {
    if (!auth.is_ok()) {
      Finish(to_grpc(auth));
      return;
    }
    StartRead(&request_);
  }

  void export_request() {
    std::string bytes;
    if (!read_bytes(request_, bytes)) {
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "unreadable request"));
      return;
    }
    request_.Clear();
    IngestReply reply;
    if (signal_ == Signal::traces) reply = ingest_.export_traces_bytes(std::move(bytes), context_);
    else if (signal_ == Signal::logs) reply = ingest_.export_logs_bytes(bytes, context_);
    else reply = ingest_.export_metrics_bytes(bytes, context_);
    if (!reply.status.is_ok()) {
      Finish(to_grpc(reply));
      return;
    }
    if (signal_ == Signal::traces) {
      opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse answer;
      if (reply.rejected > 0 || !reply.rejected_message.empty()) {
        answer.mutable_partial_success()->set_rejected_spans(static_cast<int64_t>(reply.rejected));
        answer.mutable_partial_success()->set_error_message(reply.rejected_message);
      }
      write_message(answer, &response_);
    } else if (signal_ == Signal::logs) {
      write_message(opentelemetry::proto::collector::logs::v1::ExportLogsServiceResponse(), &response_);
    } else {
      write_message(opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceResponse(), &response_);
    }
    StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
  }

  Ingest& ingest_;
  ExportWorkers& workers_;
  Signal signal_;
  RequestContext context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
};

class OtlpGrpcServer::ExportService final : public grpc::CallbackGenericService {
 public:
  ExportService(Ingest& ingest, ExportWorkers& workers, const ConnectionAcceptor& acceptor)
      : ingest_(ingest), workers_(workers), acceptor_(acceptor) {}

  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* context) override {
    return new ExportCall(ingest_, workers_, acceptor_, context);
  }

 private:
  Ingest& ingest_;
  ExportWorkers& workers_;
  const ConnectionAcceptor& acceptor_;
};

OtlpGrpcServer::OtlpGrpcServer(Ingest& ingest, std::string address, GrpcLimits limits, bus::StatsRegistry& stats)
    : ingest_(ingest),
      limits_(limits),
      acceptor_({.address = std::move(address),
                 .max_connections = limits.max_connections,
                 .max_connections_per_address = limits.max_connections_per_address,
                 .max_streams_per_second = limits.max_streams_per_connection_per_second,
                 .max_resets_per_second = limits.max_resets_per_connection_per_second,
                 .handshake_timeout = limits.handshake_timeout,
                 .accept_failure_exit = limits.accept_failure_exit},
                stats),
      workers_(limits.workers, limits.queue, stats) {}

OtlpGrpcServer::~OtlpGrpcServer() { stop(std::chrono::milliseconds(0)); }

Status OtlpGrpcServer::start() {
  if (Status bound = acceptor_.bind(); !bound.is_ok()) return bound;
  grpc::EnableDefaultHealthCheckService(true);
  service_ = std::make_unique<ExportService>(ingest_, workers_, acceptor_);
  grpc::ServerBuilder builder;
  // No listening port of gRPC's own: the acceptor hands connections over. The
  // Export methods are served generically on raw bytes, so that a request that
  // does not parse gets INVALID_ARGUMENT, a single-partition request's bytes go
  // to the WAL untouched, and credentials are checked before the message is
  // read; the health service is gRPC's own.
  builder.RegisterCallbackGenericService(service_.get());
  // Twice the request limit, so that Ingest (not gRPC) refuses an oversized
  // request, with INVALID_ARGUMENT: OTLP SDKs do not retry that.
  uint64_t receive_limit = std::min<uint64_t>(2 * ingest_.options().max_request_bytes, INT32_MAX);
  builder.SetMaxReceiveMessageSize(static_cast<int>(receive_limit));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, static_cast<int>(limits_.max_streams_per_connection));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                             static_cast<int>(std::min<int64_t>(limits_.max_connection_idle.count(), INT32_MAX)));
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  grpc::ResourceQuota quota("otlp-grpc");
  quota.Resize(static_cast<size_t>(limits_.memory_quota_bytes));
  builder.SetResourceQuota(quota);
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
             {"workers", limits_.workers}});
  return Status::ok();
}

void OtlpGrpcServer::stop(std::chrono::milliseconds grace) {
  acceptor_.stop_accepting();
  if (!server_) {
    acceptor_.stop();
    return;
  }
  server_->GetHealthCheckService()->SetServingStatus(false);
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  server_->Wait();  // every call finished: the workers finish what they hold first
  server_.reset();
  workers_.stop();
  acceptor_.stop();  // relayed until now, so the last answers reached their clients
}

}  // namespace spanline::gateway
