#pragma once
// The gateway's credential check for every Export (gRPC metadata or HTTP
// headers), behind the Authenticator seam:
//   x-junjo-api-key: <key>        what Junjo users already configure
//   authorization: Bearer <jwt>   a token from POST /api/v1/otel/token
// API keys are checked by the auth-responder and the answer cached for a short
// TTL; tokens are verified here against the JWKS fetched over the bus, with one
// refetch when a token names an unknown key. A token must also name a live API
// key in `sub`: the key states (live and revoked key ids, and the issuer's
// token lifetime) come from the auth-responder's `key_states` op, which reads
// them from meta.sqlite, so a revocation outlives any gateway restart. They are
// loaded before the first token is accepted, reloaded when the auth-responder
// is heard again after silence (a reconnect), every --api-key-cache-ttl, and
// when a token names a key newer than the last load. A broadcast revocation
// drops cached keys and marks the key revoked at once.
//
// Failure modes: no, wrong, revoked credentials and every bad token are
// UNAUTHENTICATED with the reason; an auth-responder that does not answer makes
// an uncached key UNAVAILABLE (retryable) while cached keys keep working, and
// tokens are checked against the last key states loaded (none loaded yet:
// UNAVAILABLE, never accepted unchecked).

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include <zmq.hpp>

#include "bus/stats.h"
#include "protocol/auth/auth_client.h"
#include "protocol/auth/auth_events.h"
#include "protocol/auth/ttl_cache.h"
#include "base/crypto/signing_key.h"
#include "stages/gateway/authenticator.h"

namespace spanline::gateway {

struct IngestAuthOptions {
  std::string auth_endpoint;
  std::string events_endpoint;
  std::chrono::milliseconds timeout{std::chrono::seconds(2)};
  std::chrono::milliseconds key_cache_ttl{std::chrono::seconds(30)};  // also how often key states are reloaded
  std::string token_issuer = "spanline";
  std::string token_audience = "spanline-ingest";
};

class IngestAuthenticator final : public Authenticator {
 public:
  IngestAuthenticator(bus::Context& context, IngestAuthOptions options, bus::StatsRegistry& stats);
  Status check(const RequestContext& context) override;
  // Answers missing or malformed credentials and cached API keys; tokens and
  // uncached keys may need the auth-responder.
  std::optional<Status> check_without_waiting(const RequestContext& context) override;

 private:
  // Nothing only when `may_wait` is false and the answer needs the auth-responder.
  std::optional<Status> check(const RequestContext& context, bool may_wait);
  std::optional<Status> check_api_key(const std::string& key, bool may_wait);
  Status check_token(const std::string& token);
  // Fetches the JWKS unless it was fetched within the last second.
  Status refresh_keys(bool force);
  // Loads live and revoked key ids and the token lifetime (key_states op).
  Status load_key_states();
  // ok when `subject` names a live key, else why not; reloads the states when
  // they may be older than the key (issued_at) or than key_cache_ttl.
  Status check_subject(const std::string& subject, int64_t issued_at);
  void on_event(const auth::AuthEvent& event);

  IngestAuthOptions options_;
  auth::AuthClient client_;
  auth::TtlCache<std::string> keys_;  // sha256(key) hex -> key id
  std::atomic<uint64_t>& rejected_;
  std::atomic<uint64_t>& auth_unavailable_;

  std::mutex jwks_mutex_;
  std::map<std::string, auth::VerifyKey> verify_keys_;
  std::chrono::steady_clock::time_point last_fetch_{};

  std::mutex states_mutex_;
  bool states_loaded_ = false;
  std::set<std::string> live_key_ids_;
  std::set<std::string> revoked_key_ids_;
  int64_t token_ttl_s_ = 0;
  std::chrono::steady_clock::time_point states_loaded_at_{};
  int64_t states_loaded_unix_s_ = 0;  // to compare with a token's iat

  std::unique_ptr<auth::AuthEvents> events_;  // last: its thread calls on_event
};

}  // namespace spanline::gateway
