#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "base/http/connection_limits.h"
#include "base/options.h"
#include "base/status.h"
#include "protocol/span_limits.h"
#include "protocol/wal/partitions.h"
#include "protocol/wal/wal_map.h"
#include "skeleton/stage_config.h"
#include "stages/gateway/grpc_server.h"

namespace spanline::gateway {

inline constexpr stage::StageIdentity kGatewayIdentity{.name = "gateway", .data_dir_use = "the gateway keeps nothing there."};

// Every setting of the gateway stage; register_options() documents each one.
struct GatewayConfig : stage::StageConfig {
  GatewayConfig() : StageConfig(kGatewayIdentity) {}

  std::string grpc_address = "0.0.0.0:50051";
  std::string http_address = "0.0.0.0:4318";
  std::string wal_endpoint{stage::default_endpoint::kWal};
  std::string auth_endpoint{stage::default_endpoint::kAuth};
  std::string auth_events_endpoint{stage::default_endpoint::kAuthEvents};
  std::chrono::milliseconds auth_timeout{std::chrono::seconds(2)};
  std::chrono::milliseconds api_key_cache_ttl{std::chrono::seconds(30)};
  std::string token_issuer = "spanline";
  std::string token_audience = "spanline-ingest";
  uint32_t partitions = 0;  // 0: the WAL's count (the WAL owns it)
  uint64_t max_request_bytes = 16ULL << 20;
  uint64_t max_request_memory = 128ULL << 20;
  uint64_t max_bytes_in_flight = 256ULL << 20;
  std::chrono::milliseconds wal_timeout{std::chrono::seconds(5)};
  SpanLimits span_limits;
  GrpcLimits grpc;
  http::ConnectionLimitOptions http_limits{.server = "otlp-http"};
  http::HttpTimeouts http_timeouts;
  uint32_t http_threads = 4;
  std::chrono::milliseconds shutdown_grace{std::chrono::seconds(5)};

  void register_options(Options& options) {
    register_common_options(options);
    options.add("grpc-address", &grpc_address, "OTLP/gRPC listen address (host:port).")
        .add("http-address", &http_address, "OTLP/HTTP listen address (host:port); empty turns OTLP/HTTP off.")
        .add("wal-endpoint", &wal_endpoint,
             "Bus endpoint of the WAL, or a comma-separated list of every WAL when several each own a set of partitions "
             "(which WAL owns which is learned from the WALs): each part of an Export goes to its partition's WAL.")
        .add("auth-endpoint", &auth_endpoint, "Bus endpoint of the auth-responder (API key checks, signing keys).")
        .add("auth-events-endpoint", &auth_events_endpoint, "Bus endpoint where the auth-responder broadcasts revocations.")
        .add("auth-timeout", &auth_timeout, "How long an Export waits for the auth-responder before answering UNAVAILABLE.")
        .add("api-key-cache-ttl", &api_key_cache_ttl, "How long an accepted API key is trusted without asking again (revocation clears it at once).")
        .add("token-issuer", &token_issuer, "iss an ingest JWT must carry.")
        .add("token-audience", &token_audience, "aud an ingest JWT must carry.")
        .add("partitions", &partitions, "Only a check: the gateway splits spans by the WAL's partition count (a span goes to hash(trace_id) mod P), learned from the WAL; set, it must equal the WAL's or the gateway stops (0: no check).")
        .add("max-request-bytes", &max_request_bytes, "Largest Export request accepted (after decompression); larger gets INVALID_ARGUMENT / 413 (not retried by OTLP SDKs).")
        .add("max-request-memory", &max_request_memory, "Most memory one request may take once parsed, estimated from its bytes before parsing; past it INVALID_ARGUMENT / 400 (send fewer spans per request).")
        .add("max-bytes-in-flight", &max_bytes_in_flight, "Bytes (or parse estimates, if larger) of the requests in hand at once; past it Exports get RESOURCE_EXHAUSTED with RetryInfo / 429 with Retry-After.")
        .add("max-attributes-per-span", &span_limits.max_attributes_per_span, "Attributes kept per span; the rest are dropped, counted in dropped_attributes_count and named in partial_success.")
        .add("max-events-per-span", &span_limits.max_events_per_span, "Events kept per span (the first ones); the rest counted in dropped_events_count.")
        .add("max-links-per-span", &span_limits.max_links_per_span, "Links kept per span (the first ones); the rest counted in dropped_links_count.")
        .add("max-attributes-per-event", &span_limits.max_attributes_per_event, "Attributes kept per span event.")
        .add("max-attributes-per-link", &span_limits.max_attributes_per_link, "Attributes kept per span link.")
        .add("max-attribute-value-bytes", &span_limits.max_attribute_value_bytes, "Longer string or bytes attribute values are cut to this length (strings on a UTF-8 boundary).")
        .add("max-attribute-depth", &span_limits.max_value_depth, "Deepest nesting of array / key-value-list attribute values (a scalar is 1); deeper attributes are dropped and counted.")
        .add("grpc-max-connections", &grpc.max_connections, "OTLP/gRPC connections open at once; past it a new connection is closed at once.")
        .add("grpc-max-connections-per-address", &grpc.max_connections_per_address, "OTLP/gRPC connections open at once from one client IP address.")
        .add("grpc-max-streams-per-connection", &grpc.max_streams_per_connection, "Concurrent HTTP/2 streams (Exports in progress) per OTLP/gRPC connection.")
        .add("grpc-workers", &grpc.workers, "Threads that run OTLP/gRPC Exports (credentials, parse, WAL append); each waits for the WAL's ack.")
        .add("grpc-queue", &grpc.queue, "OTLP/gRPC Export steps that may wait for a worker; past it RESOURCE_EXHAUSTED with RetryInfo.")
        .add("grpc-memory-quota", &grpc.memory_quota_bytes, "Memory gRPC may hold for connections and messages being received (a last resort: past it gRPC cancels streams, ENHANCE_YOUR_CALM, instead of growing).")
        .add("grpc-max-streams-per-connection-per-second", &grpc.max_streams_per_connection_per_second, "A connection whose client opens more HTTP/2 streams (calls) than this in one second is closed (a call flood).")
        .add("grpc-max-resets-per-connection-per-second", &grpc.max_resets_per_connection_per_second, "A connection whose client resets more HTTP/2 streams than this in one second is closed (HTTP/2 rapid reset).")
        .add("grpc-handshake-timeout", &grpc.handshake_timeout, "An OTLP/gRPC connection whose client sends nothing for this long after connecting is closed (it never reaches gRPC).")
        .add("grpc-max-connection-idle", &grpc.max_connection_idle, "An OTLP/gRPC connection with no call for this long is closed (GOAWAY); SDKs reconnect when they next export.")
        .add("grpc-accept-failure-exit", &grpc.accept_failure_exit, "If the OTLP/gRPC listener cannot accept (out of file descriptors) for this long, the gateway exits (75) for its supervisor to restart it.")
        .add("wal-timeout", &wal_timeout, "How long an Export waits for the WAL's durable ack before answering UNAVAILABLE / 503.")
        .add("http-threads", &http_threads, "OTLP/HTTP worker threads.")
        .add("http-max-connections", &http_limits.max_connections, "OTLP/HTTP connections open at once; past it a new connection is closed at once (0: no cap).")
        .add("http-max-connections-per-address", &http_limits.max_per_address, "OTLP/HTTP connections open at once from one client address (0: no cap).")
        .add("http-header-timeout", &http_timeouts.header, "An OTLP/HTTP request's line and headers must arrive within this (else 408 and the connection closed).")
        .add("http-body-timeout", &http_timeouts.body, "An OTLP/HTTP request's whole body must arrive within this (else 408 and the connection closed).")
        .add("http-keepalive-timeout", &http_timeouts.keepalive, "An idle OTLP/HTTP keep-alive connection is closed after this.")
        .add("shutdown-grace", &shutdown_grace, "On SIGTERM, how long in-flight Exports may take to finish (gRPC also waits this long for idle client connections to close).");
  }

  void resolve() { resolve_endpoints({&wal_endpoint, &auth_endpoint, &auth_events_endpoint}); }

  Status check() const {
    if (auto endpoints = wal::parse_wal_endpoints(wal_endpoint); !endpoints) return endpoints.status();
    return partitions == 0 ? Status::ok() : wal::check_partition_count_range(partitions, "--partitions");
  }
};

}  // namespace spanline::gateway
