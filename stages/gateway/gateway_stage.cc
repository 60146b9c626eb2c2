#include "stages/gateway/gateway_stage.h"

#include <cstdio>

#include <grpcpp/grpcpp.h>

#include "base/log.h"
#include "protocol/stage_stats.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace spanline::gateway {
namespace {

// "host:0" (or any port) as announced: the host configured, the port as bound.
std::string with_bound_port(const std::string& address, int port) {
  auto colon = address.rfind(':');
  return (colon == std::string::npos ? address : address.substr(0, colon)) + ":" + std::to_string(port);
}

}  // namespace

GatewayStage::GatewayStage(GatewayConfig& config, stage::StageServices services) : config_(config), services_(services) {}

GatewayStage::~GatewayStage() = default;

Status GatewayStage::start() {
  bus::StatsRegistry& stats = services_.stats;
  authenticator_ = std::make_unique<IngestAuthenticator>(services_.context,
                                                         IngestAuthOptions{.auth_endpoint = config_.auth_endpoint,
                                                                           .events_endpoint = config_.auth_events_endpoint,
                                                                           .timeout = config_.auth_timeout,
                                                                           .key_cache_ttl = config_.api_key_cache_ttl,
                                                                           .token_issuer = config_.token_issuer,
                                                                           .token_audience = config_.token_audience},
                                                         stats);
  wal_ = std::make_unique<wal::WalWriter>(services_.context, config_.wal_endpoint, 65536, config_.partitions);
  // A WAL that is up tells its count at once; a mismatch then stops the
  // gateway before it takes an Export. A WAL that is down is not waited for
  // (Exports get UNAVAILABLE until it answers, as they would anyway).
  if (auto partitions = wal_->wait_for_partitions(std::chrono::seconds(1));
      !partitions && partitions.status().code() == Code::failed_precondition) {
    return Status(Code::invalid_argument, partitions.status().message());
  }
  ingest_ = std::make_unique<Ingest>(IngestOptions{.max_request_bytes = config_.max_request_bytes,
                                                   .max_request_memory = config_.max_request_memory,
                                                   .max_bytes_in_flight = config_.max_bytes_in_flight,
                                                   .wal_timeout = config_.wal_timeout,
                                                   .span_limits = config_.span_limits},
                                     *authenticator_, *wal_, stats);
  otlp_grpc_ = std::make_unique<OtlpGrpcServer>(*ingest_, config_.grpc_address, config_.grpc, stats);
  if (Status started = otlp_grpc_->start(); !started.is_ok()) return started;
  stats.set_info("grpc_port", std::to_string(otlp_grpc_->port()));
  stats.set_info(std::string(stats_names::kGatewayGrpcAddress), with_bound_port(config_.grpc_address, otlp_grpc_->port()));
  if (!config_.http_address.empty()) {
    config_.http_limits.refused_counter = &stats.counter("http_connections_refused_over_cap");
    http_server_ = std::make_unique<OtlpHttpServer>(*ingest_, config_.http_address, config_.http_threads, config_.http_limits,
                                                    config_.http_timeouts);
    if (Status started = http_server_->start(); !started.is_ok()) return started;
    stats.set_info(std::string(stats_names::kGatewayHttpAddress), with_bound_port(config_.http_address, http_server_->port()));
  }
  log::info("gateway ready", {{"wal", config_.wal_endpoint}});
  return Status::ok();
}

std::optional<int> GatewayStage::tick() {
  if (auto partitions = wal_->partitions(); !partitions && partitions.status().code() == Code::failed_precondition) {
    // Learned after start (the WAL came up later): the gateway refuses to serve.
    log::error("cannot serve", {{"error", partitions.status().message()}});
    if (http_server_) http_server_->stop();
    otlp_grpc_->stop(std::chrono::milliseconds(500));
    return 2;
  }
  if (otlp_grpc_->healthy()) return std::nullopt;
  log::error("the OTLP/gRPC listener has failed; exiting so the supervisor restarts the gateway");
  if (http_server_) http_server_->stop();
  otlp_grpc_->stop(std::chrono::milliseconds(500));
  return kExitRestartMe;
}

void GatewayStage::stop() {
  log::info("finishing in-flight exports", {{"grace_ms", static_cast<int64_t>(config_.shutdown_grace.count())}});
  if (http_server_) http_server_->stop();
  otlp_grpc_->stop(config_.shutdown_grace);
}

int health_check(const GatewayConfig& config) {
  std::string target = config.grpc_address;
  if (target.rfind("0.0.0.0:", 0) == 0) target = "127.0.0.1:" + target.substr(8);
  if (target.rfind("[::]:", 0) == 0) target = "127.0.0.1:" + target.substr(5);
  auto stub = grpc::health::v1::Health::NewStub(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok() || response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
    std::fprintf(stderr, "spanline-gateway health: %s is not serving (%s)\n", target.c_str(),
                 status.ok() ? "status NOT_SERVING" : status.error_message().c_str());
    return 1;
  }
  std::printf("gateway at %s is serving\n", target.c_str());
  return 0;
}

}  // namespace spanline::gateway
