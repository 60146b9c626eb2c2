// spanline-gateway: OTLP in (gRPC :50051, HTTP :4318), durable WAL appends out.
#include <cstdio>
#include <optional>

#include <grpcpp/grpcpp.h>

#include "bus/stats.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "base/fd_limit.h"
#include "base/log.h"
#include "base/options.h"
#include "base/private_files.h"
#include "base/signals.h"
#include "stages/gateway/auth/ingest_authenticator.h"
#include "stages/gateway/gateway_config.h"
#include "stages/gateway/grpc_server.h"
#include "stages/gateway/http/otlp_http_server.h"
#include "stages/gateway/ingest.h"
#include "stages/gateway/wal_writer.h"

namespace {

// `spanline-gateway health`: the gRPC health check against this gateway's own
// OTLP/gRPC port, for container healthchecks. Exit 0 when it answers SERVING.
int health(const spanline::gateway::GatewayConfig& config) {
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

}  // namespace

int main(int argc, char** argv) {
  using namespace spanline;
  block_termination_signals();
  gateway::GatewayConfig config;
  Options options("spanline-gateway",
                  "The gateway stage: receives OTLP over gRPC and HTTP, validates and partitions spans, and answers OK\n"
                  "only after the WAL has synced them. Without a command it runs the stage.\n"
                  "Commands:\n  health   gRPC health check of the running gateway's OTLP/gRPC port (exit 0 if SERVING)",
                  "[health] [options]");
  config.register_options(options);
  auto parsed = options.parse(argc, argv);
  if (!parsed) {
    std::fprintf(stderr, "spanline-gateway: %s\n", parsed.status().message().c_str());
    return 2;
  }
  if (parsed->exit_now) return 0;
  config.resolve();
  if (!parsed->positional.empty()) {
    if (parsed->positional[0] == "health") return health(config);
    std::fprintf(stderr, "spanline-gateway: unknown command '%s' (see --help)\n", parsed->positional[0].c_str());
    return 2;
  }
  log::Level level = log::Level::info;
  log::parse_level(config.log_level, level);
  log::init("gateway", level);
  // The data folder holds secrets and every trace: nothing in it is for other local users.
  make_data_folder_private(config.data_dir);
  // Connections are bounded by the caps below, not by a small descriptor table.
  raise_open_files_limit();
  if (config.partitions == 0 || config.partitions > 65536) {
    log::error("--partitions must be between 1 and 65536");
    return 2;
  }

  auto bus_key = bus::bus_key_or_explain("spanline-gateway", config.curve_secret_key);
  if (!bus_key) return 2;
  bus::Context context(*bus_key);
  bus::StatsRegistry stats;
  stats.set_info("partitions", std::to_string(config.partitions));
  gateway::IngestAuthenticator authenticator(context,
                                             {.auth_endpoint = config.auth_endpoint,
                                              .events_endpoint = config.auth_events_endpoint,
                                              .timeout = config.auth_timeout,
                                              .key_cache_ttl = config.api_key_cache_ttl,
                                              .token_issuer = config.token_issuer,
                                              .token_audience = config.token_audience},
                                             stats);
  gateway::WalWriter wal(context, config.wal_endpoint, 65536);
  gateway::Ingest ingest({.partitions = config.partitions,
                          .max_request_bytes = config.max_request_bytes,
                          .max_request_memory = config.max_request_memory,
                          .max_bytes_in_flight = config.max_bytes_in_flight,
                          .wal_timeout = config.wal_timeout,
                          .span_limits = config.span_limits},
                         authenticator, wal, stats);
  gateway::OtlpGrpcServer otlp_grpc(ingest, config.grpc_address, config.grpc, stats);
  if (Status started = otlp_grpc.start(); !started.is_ok()) {
    log::error("cannot start", {{"error", started.to_string()}});
    return 1;
  }
  stats.set_info("grpc_port", std::to_string(otlp_grpc.port()));
  std::unique_ptr<gateway::OtlpHttpServer> http_server;
  if (!config.http_address.empty()) {
    config.http_limits.refused_counter = &stats.counter("http_connections_refused_over_cap");
    http_server = std::make_unique<gateway::OtlpHttpServer>(ingest, config.http_address, config.http_threads,
                                                            config.http_limits, config.http_timeouts);
    if (Status started = http_server->start(); !started.is_ok()) {
      log::error("cannot start", {{"error", started.to_string()}});
      return 1;
    }
  }
  bus::StatsPublisher publisher(context, config.stats_endpoint, "gateway", config.instance, stats);
  log::info("gateway ready", {{"wal", config.wal_endpoint}, {"partitions", config.partitions}});
  // Wait for a signal, looking once a second at the gRPC listener: one that can
  // no longer accept makes the gateway exit for its supervisor, rather than
  // linger with OTLP/HTTP and /health looking fine and gRPC ingest dead.
  std::optional<int> sig;
  while (!(sig = wait_for_termination_signal(std::chrono::seconds(1)))) {
    if (!otlp_grpc.healthy()) {
      log::error("the OTLP/gRPC listener has failed; exiting so the supervisor restarts the gateway");
      if (http_server) http_server->stop();
      otlp_grpc.stop(std::chrono::milliseconds(500));
      return 75;
    }
  }
  log::info("stopping: finishing in-flight exports", {{"signal", *sig}});
  if (http_server) http_server->stop();
  otlp_grpc.stop(config.shutdown_grace);
  log::info("stopped");
  return 0;
}
