#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/options.h"
#include "base/status.h"
#include "protocol/wal/wal_map.h"
#include "skeleton/stage_config.h"

namespace spanline::api {

// The playground's providers' public endpoints, the defaults of --<kind>-base-url.
inline constexpr std::string_view kOpenAiDefaultBaseUrl = "https://api.openai.com/v1";
inline constexpr std::string_view kAnthropicDefaultBaseUrl = "https://api.anthropic.com";
inline constexpr std::string_view kGeminiDefaultBaseUrl = "https://generativelanguage.googleapis.com";

inline constexpr stage::StageIdentity kApiIdentity{.name = "api", .data_dir_use = "the api keeps nothing there."};

// Every setting of the api stage; register_options() documents each one.
struct ApiConfig : stage::StageConfig {
  ApiConfig() : StageConfig(kApiIdentity) {}

  std::string listen = "0.0.0.0:1323";
  std::string web_dir;
  std::string allow_origins;
  std::string allowed_hosts;
  std::string trusted_proxies;
  std::string auth_endpoint{stage::default_endpoint::kAuth};
  std::string auth_events_endpoint{stage::default_endpoint::kAuthEvents};
  std::chrono::milliseconds auth_timeout{std::chrono::seconds(3)};
  std::chrono::milliseconds session_cache_ttl{std::chrono::seconds(10)};
  std::string env = "development";
  uint32_t threads = 4;
  uint32_t partitions = 0;  // 0: the WAL's count, from its stats
  std::chrono::milliseconds query_timeout{std::chrono::seconds(3)};
  std::chrono::milliseconds query_hedge{std::chrono::milliseconds(500)};
  uint64_t max_answer_bytes = 32ULL << 20;
  uint64_t max_body_bytes = 1ULL << 20;
  std::chrono::milliseconds stage_timeout{std::chrono::seconds(5)};
  std::string required_stages = "wal,auth,gateway,indexer";
  std::chrono::milliseconds health_lag_warn{std::chrono::seconds(30)};
  double wal_disk_warn_fraction = 0.8;
  uint32_t live_max_clients = 64;
  uint32_t live_max_clients_per_user = 4;
  std::chrono::milliseconds live_session_check{std::chrono::seconds(2)};
  std::chrono::milliseconds live_interval{std::chrono::milliseconds(500)};
  uint32_t max_concurrent_queries = 64;
  uint32_t max_concurrent_sign_ins = 2;
  uint32_t max_connections = 4096;
  uint32_t max_connections_per_address = 256;
  std::chrono::milliseconds header_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds body_timeout{std::chrono::seconds(30)};
  std::chrono::milliseconds keepalive_timeout{std::chrono::seconds(60)};
  std::string metrics_token;
  // The playground's providers from configuration (playground/provider_registry.h).
  std::string openai_base_url{kOpenAiDefaultBaseUrl};
  std::string openai_api_key;
  std::string anthropic_base_url{kAnthropicDefaultBaseUrl};
  std::string anthropic_api_key;
  std::string gemini_base_url{kGeminiDefaultBaseUrl};
  std::string gemini_api_key;
  // The playground's runs (playground/playground_runner.h) and where they are recorded.
  uint32_t playground_max_runs = 8;
  uint32_t playground_max_runs_per_user = 3;
  std::chrono::milliseconds playground_deadline{std::chrono::minutes(5)};
  std::chrono::milliseconds playground_stall{std::chrono::seconds(30)};
  std::string wal_endpoint{stage::default_endpoint::kWal};

  void register_options(Options& options) {
    register_common_options(options);
    options.add("listen", &listen, "HTTP listen address of the REST API and the web UI.")
        .add("web-dir", &web_dir, "Folder of the built web UI served at / (default: <binary>/../web, then web/dist beside the source).")
        .add("allow-origins", &allow_origins, "Comma-separated origins allowed by CORS (e.g. https://ui.example.com); none by default.")
        .add("allowed-hosts", &allowed_hosts,
             "Comma-separated host names this deployment answers to (the Host header, against DNS rebinding), besides localhost, 127.0.0.1, [::1], the hosts of --allow-origins and the --listen address; other names get 421. * allows any.")
        .add("trusted-proxies", &trusted_proxies,
             "Comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (e.g. the Caddy container's network); none by default, so the TCP peer is the client.")
        .add("auth-endpoint", &auth_endpoint, "Bus endpoint of the auth-responder (sessions, users, API keys, tokens).")
        .add("auth-events-endpoint", &auth_events_endpoint, "Bus endpoint where the auth-responder broadcasts revocations.")
        .add("auth-timeout", &auth_timeout, "How long a request waits for the auth-responder before answering 503.")
        .add("session-cache-ttl", &session_cache_ttl, "How long a checked session is trusted without asking again (sign-out and user deletion clear it at once).")
        .add("env", &env, "development or production; production marks the session cookie Secure (HTTPS only).")
        .add("threads", &threads, "HTTP worker threads.")
        .add("partitions", &partitions, "Only a check: the api routes by the partition count the WAL announces; set, it is used until the WAL is heard and must then equal the WAL's, else index queries answer 503 naming both (0: no check).")
        .add("query-timeout", &query_timeout, "Deadline of a query at the indexers; a partition not answering by then is reported missing.")
        .add("query-hedge", &query_hedge,
             "With several replicas of a partition: how long a query waits for one before asking the next too (the first answer wins); "
             "a replica that fails is passed over at once. 0: never ask a second replica before the first fails.")
        .add("max-answer-bytes", &max_answer_bytes, "Largest answer an indexer may send for one query.")
        .add("max-body-bytes", &max_body_bytes, "Largest request body accepted (413 beyond).")
        .add("stage-timeout", &stage_timeout, "A stage instance silent this long is reported down by /health.")
        .add("required-stages", &required_stages, "Stages /health requires to be alive (comma-separated).")
        .add("health-lag-warn", &health_lag_warn,
             "An indexer partition this far behind the WAL is reported as a warning by /health's details, /api/v1/pipeline and the web UI's banner.")
        .add("wal-disk-warn-fraction", &wal_disk_warn_fraction,
             "The WAL's disk use, as a fraction of its --wal-disk-budget, from which it is reported as a warning (appends are refused at 1).")
        .add("live-max-clients", &live_max_clients, "Most concurrent live-tail (SSE) subscribers; more get 503.")
        .add("live-max-clients-per-user", &live_max_clients_per_user, "Most concurrent live-tail streams of one user; more get 429.")
        .add("live-session-check", &live_session_check,
             "How often an open live-tail stream re-checks its session; a stream whose user signed out or was deleted is closed.")
        .add("live-interval", &live_interval, "How often the live tail asks the indexers for newly indexed traces.")
        .add("max-concurrent-queries", &max_concurrent_queries, "Queries in progress at once; more get 503 (the api's queue is bounded).")
        .add("max-concurrent-sign-ins", &max_concurrent_sign_ins,
             "Sign-in, first-user and new-user requests waiting on password hashing at once; more get 429 with Retry-After at once, so a sign-in flood holds at most this many HTTP workers (keep it below --threads).")
        .add("max-connections", &max_connections, "Open HTTP connections at once from all clients; past it a new connection is closed at once (0: no cap).")
        .add("max-connections-per-address", &max_connections_per_address,
             "Open HTTP connections at once from one client address; past it a new connection from that address is closed at once (0: no cap).")
        .add("header-timeout", &header_timeout, "A request's line and headers must arrive within this (from the connection's start or its previous request); else 408 and the connection is closed.")
        .add("body-timeout", &body_timeout, "A whole request, body included, must arrive within this; else 408 and the connection is closed.")
        .add("keepalive-timeout", &keepalive_timeout, "An idle keep-alive connection is closed after this.")
        .add("metrics-token", &metrics_token,
             "When set, /metrics and the details of /health (stages, pids) need Authorization: Bearer <this token>; "
             "without it /health says only ok or unavailable (for load balancers). Empty: both open.")
        .add("openai-base-url", &openai_base_url,
             "Playground: base URL of the OpenAI-compatible chat completions API (also Ollama, vLLM, LM Studio, routers: e.g. http://localhost:11434/v1). "
             "The provider 'openai' is offered when its key is set or this differs from the default.")
        .add("openai-api-key", &openai_api_key, "Playground: the key sent to --openai-base-url (Authorization: Bearer); never logged nor shown.")
        .add("anthropic-base-url", &anthropic_base_url,
             "Playground: base URL of the Anthropic Messages API. The provider 'anthropic' is offered when its key is set or this differs from the default.")
        .add("anthropic-api-key", &anthropic_api_key, "Playground: the key sent to --anthropic-base-url (x-api-key); never logged nor shown.")
        .add("gemini-base-url", &gemini_base_url,
             "Playground: base URL of the Google Gemini API (generateContent). The provider 'gemini' is offered when its key is set or this differs from the default.")
        .add("gemini-api-key", &gemini_api_key, "Playground: the key sent to --gemini-base-url (x-goog-api-key); never logged nor shown.")
        .add("playground-max-runs", &playground_max_runs,
             "Playground: runs in progress at once, all users together (each holds one thread while its provider answers); more get 503.")
        .add("playground-max-runs-per-user", &playground_max_runs_per_user,
             "Playground: runs in progress at once for one user (a comparison runs two or three); more get 429 with Retry-After.")
        .add("playground-deadline", &playground_deadline, "Playground: a run's whole answer must arrive within this; else it ends as timeout.")
        .add("playground-stall", &playground_stall,
             "Playground: a streamed answer that sends nothing for this long is cut (stalled).")
        .add("wal-endpoint", &wal_endpoint,
             "Bus endpoint of the WAL (or a comma-separated list of every WAL, each owning a set of partitions), where each "
             "playground run is recorded as a span (service spanline-playground).");
  }

  void resolve() { resolve_endpoints({&auth_endpoint, &auth_events_endpoint, &wal_endpoint}); }

  Status check() const {
    if (auto endpoints = wal::parse_wal_endpoints(wal_endpoint); !endpoints) return endpoints.status();
    if (max_concurrent_sign_ins == 0) {
      return Status(Code::invalid_argument, "--max-concurrent-sign-ins must be at least 1 (else nobody could ever sign in)");
    }
    if (!(wal_disk_warn_fraction > 0 && wal_disk_warn_fraction <= 1)) {
      return Status(Code::invalid_argument, "--wal-disk-warn-fraction must be above 0 and at most 1");
    }
    if (playground_max_runs == 0 || playground_max_runs_per_user == 0) {
      return Status(Code::invalid_argument, "--playground-max-runs and --playground-max-runs-per-user must be at least 1");
    }
    return Status::ok();
  }
};

}  // namespace spanline::api
