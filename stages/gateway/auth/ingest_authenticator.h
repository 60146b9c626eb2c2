#pragma once
// The gateway's credential check for every Export (gRPC metadata or HTTP
// headers), behind the Authenticator seam:
//   x-junjo-api-key: <key>        what Junjo users already configure
//   authorization: Bearer <jwt>   a token from POST /api/v1/otel/token
// API keys are checked by the auth-responder and the answer cached for a short
// TTL; tokens are verified here against the JWKS fetched over the bus, with one
// refetch when a token names an unknown key. Revocations broadcast by the
// auth-responder drop cached keys at once and refuse tokens minted from a
// revoked key.
//
// Failure modes: no, wrong, revoked credentials and every bad token are
// UNAUTHENTICATED with the reason; an auth-responder that does not answer makes
// an uncached key UNAVAILABLE (retryable) while cached keys keep working.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <zmq.hpp>

#include "bus/stats.h"
#include "stages/auth/client/auth_client.h"
#include "stages/auth/client/auth_events.h"
#include "stages/auth/client/ttl_cache.h"
#include "stages/auth/crypto/signing_key.h"
#include "stages/gateway/authenticator.h"

namespace spanline::gateway {

struct IngestAuthOptions {
  std::string auth_endpoint;
  std::string events_endpoint;
  std::chrono::milliseconds timeout{std::chrono::seconds(2)};
  std::chrono::milliseconds key_cache_ttl{std::chrono::seconds(30)};
  std::chrono::milliseconds revoked_memory{std::chrono::hours(2)};  // longer than any token lives
  std::string token_issuer = "spanline";
  std::string token_audience = "spanline-ingest";
};

class IngestAuthenticator final : public Authenticator {
 public:
  IngestAuthenticator(bus::Context& context, IngestAuthOptions options, bus::StatsRegistry& stats);
  Status check(const RequestContext& context) override;

 private:
  Status check_api_key(const std::string& key);
  Status check_token(const std::string& token);
  // Fetches the JWKS unless it was fetched within the last second.
  Status refresh_keys(bool force);
  void on_event(const auth::json& event);

  IngestAuthOptions options_;
  auth::AuthClient client_;
  auth::TtlCache<std::string> keys_;  // sha256(key) hex -> key id
  std::atomic<uint64_t>& rejected_;
  std::atomic<uint64_t>& auth_unavailable_;

  std::mutex jwks_mutex_;
  std::map<std::string, auth::VerifyKey> verify_keys_;
  std::chrono::steady_clock::time_point last_fetch_{};
  std::map<std::string, std::chrono::steady_clock::time_point> revoked_key_ids_;

  std::unique_ptr<auth::AuthEvents> events_;  // last: its thread calls on_event
};

}  // namespace spanline::gateway
