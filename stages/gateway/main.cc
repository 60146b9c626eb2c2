// spanline-gateway: OTLP in (gRPC :50051, HTTP :4318), durable WAL appends out.
#include <cstdio>

#include "bus/stats.h"
#include "stages/common/log.h"
#include "stages/common/options.h"
#include "stages/common/signals.h"
#include "stages/gateway/auth/ingest_authenticator.h"
#include "stages/gateway/gateway_config.h"
#include "stages/gateway/grpc_server.h"
#include "stages/gateway/http/otlp_http_server.h"
#include "stages/gateway/ingest.h"
#include "stages/gateway/wal_writer.h"

int main(int argc, char** argv) {
  using namespace spanline;
  block_termination_signals();
  gateway::GatewayConfig config;
  Options options("spanline-gateway",
                  "The gateway stage: receives OTLP over gRPC and HTTP, validates and partitions spans, and answers OK\n"
                  "only after the WAL has synced them.");
  config.register_options(options);
  auto parsed = options.parse(argc, argv);
  if (!parsed) {
    std::fprintf(stderr, "spanline-gateway: %s\n", parsed.status().message().c_str());
    return 2;
  }
  if (parsed->exit_now) return 0;
  config.resolve();
  log::Level level = log::Level::info;
  log::parse_level(config.log_level, level);
  log::init("gateway", level);
  if (config.partitions == 0 || config.partitions > 65536) {
    log::error("--partitions must be between 1 and 65536");
    return 2;
  }

  zmq::context_t context;
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
                          .max_bytes_in_flight = config.max_bytes_in_flight,
                          .wal_timeout = config.wal_timeout},
                         authenticator, wal, stats);
  gateway::OtlpGrpcServer otlp_grpc(ingest, config.grpc_address);
  if (Status started = otlp_grpc.start(); !started.is_ok()) {
    log::error("cannot start", {{"error", started.to_string()}});
    return 1;
  }
  stats.set_info("grpc_port", std::to_string(otlp_grpc.port()));
  std::unique_ptr<gateway::OtlpHttpServer> http_server;
  if (!config.http_address.empty()) {
    http_server = std::make_unique<gateway::OtlpHttpServer>(ingest, config.http_address, config.http_threads);
    if (Status started = http_server->start(); !started.is_ok()) {
      log::error("cannot start", {{"error", started.to_string()}});
      return 1;
    }
  }
  bus::StatsPublisher publisher(context, config.stats_endpoint, "gateway", config.instance, stats);
  log::info("gateway ready", {{"wal", config.wal_endpoint}, {"partitions", config.partitions}});
  int sig = wait_for_termination_signal();
  log::info("stopping: finishing in-flight exports", {{"signal", sig}});
  if (http_server) http_server->stop();
  otlp_grpc.stop(config.shutdown_grace);
  log::info("stopped");
  return 0;
}
