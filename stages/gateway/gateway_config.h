#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "bus/security/bus_key.h"
#include "stages/common/options.h"

namespace spanline::gateway {

// Every setting of the gateway stage; register_options() documents each one.
struct GatewayConfig {
  std::string data_dir = "./spanline-data";
  std::string grpc_address = "0.0.0.0:50051";
  std::string http_address = "0.0.0.0:4318";
  std::string wal_endpoint = "ipc://{data-dir}/run/wal.sock";
  std::string stats_endpoint = "ipc://{data-dir}/run/stats.sock";
  std::string auth_endpoint = "ipc://{data-dir}/run/auth.sock";
  std::string auth_events_endpoint = "ipc://{data-dir}/run/auth-events.sock";
  std::chrono::milliseconds auth_timeout{std::chrono::seconds(2)};
  std::chrono::milliseconds api_key_cache_ttl{std::chrono::seconds(30)};
  std::string token_issuer = "spanline";
  std::string token_audience = "spanline-ingest";
  std::string instance = "gateway-1";
  std::string log_level = "info";
  std::string curve_secret_key;
  uint32_t partitions = 4;
  uint64_t max_request_bytes = 16ULL << 20;
  uint64_t max_bytes_in_flight = 256ULL << 20;
  std::chrono::milliseconds wal_timeout{std::chrono::seconds(5)};
  uint32_t http_threads = 4;
  std::chrono::milliseconds shutdown_grace{std::chrono::seconds(5)};

  void register_options(Options& options) {
    options.add("data-dir", &data_dir, "Data folder (the gateway keeps nothing there; it only locates default ipc endpoints).")
        .add("grpc-address", &grpc_address, "OTLP/gRPC listen address (host:port).")
        .add("http-address", &http_address, "OTLP/HTTP listen address (host:port); empty turns OTLP/HTTP off.")
        .add("wal-endpoint", &wal_endpoint, "Bus endpoint of the WAL.")
        .add("stats-endpoint", &stats_endpoint, "Bus endpoint the api binds for stats; every stage publishes there.")
        .add("auth-endpoint", &auth_endpoint, "Bus endpoint of the auth-responder (API key checks, signing keys).")
        .add("auth-events-endpoint", &auth_events_endpoint, "Bus endpoint where the auth-responder broadcasts revocations.")
        .add("auth-timeout", &auth_timeout, "How long an Export waits for the auth-responder before answering UNAVAILABLE.")
        .add("api-key-cache-ttl", &api_key_cache_ttl, "How long an accepted API key is trusted without asking again (revocation clears it at once).")
        .add("token-issuer", &token_issuer, "iss an ingest JWT must carry.")
        .add("token-audience", &token_audience, "aud an ingest JWT must carry.")
        .add("instance", &instance, "Name of this stage instance in stats and logs.")
        .add("log-level", &log_level, "debug, info, warn or error.")
        .add("curve-secret-key", &curve_secret_key, std::string(bus::kCurveSecretKeyHelp))
        .add("partitions", &partitions, "Number of partitions P; a span goes to hash(trace_id) mod P. Fixed at deploy time.")
        .add("max-request-bytes", &max_request_bytes, "Largest Export request accepted (after decompression); larger gets RESOURCE_EXHAUSTED / 413.")
        .add("max-bytes-in-flight", &max_bytes_in_flight, "Request bytes that may wait for the WAL at once; past it Exports get RESOURCE_EXHAUSTED / 429.")
        .add("wal-timeout", &wal_timeout, "How long an Export waits for the WAL's durable ack before answering UNAVAILABLE / 503.")
        .add("http-threads", &http_threads, "OTLP/HTTP worker threads.")
        .add("shutdown-grace", &shutdown_grace, "On SIGTERM, how long in-flight Exports may take to finish (gRPC also waits this long for idle client connections to close).");
  }

  void resolve() {
    wal_endpoint = expand_data_dir(wal_endpoint, data_dir);
    stats_endpoint = expand_data_dir(stats_endpoint, data_dir);
    auth_endpoint = expand_data_dir(auth_endpoint, data_dir);
    auth_events_endpoint = expand_data_dir(auth_events_endpoint, data_dir);
  }
};

}  // namespace spanline::gateway
