#include "stages/gateway/auth/ingest_authenticator.h"

#include "base/crypto/jwt.h"
#include "base/crypto/secrets.h"
#include "base/clock.h"
#include "base/log.h"

namespace spanline::gateway {

namespace {

constexpr std::string_view kBearer = "bearer ";

Status missing() {
  return Status(Code::unauthenticated,
                "missing credentials: send an API key in the x-junjo-api-key header or authorization: Bearer <token>");
}

}  // namespace

IngestAuthenticator::IngestAuthenticator(bus::Context& context, IngestAuthOptions options, bus::StatsRegistry& stats)
    : options_(std::move(options)),
      client_(context, options_.auth_endpoint, options_.timeout),
      keys_(options_.key_cache_ttl, 100'000),
      rejected_(stats.counter("auth_rejected")),
      auth_unavailable_(stats.counter("auth_unavailable")) {
  events_ = std::make_unique<auth::AuthEvents>(
      context, options_.events_endpoint, [this](const auth::AuthEvent& event) { on_event(event); },
      [this] {
        // Heard after silence: revocations broadcast meanwhile were lost, so reload them.
        if (Status loaded = load_key_states(); !loaded.is_ok()) log::warn("cannot reload key states", {{"error", loaded.message()}});
        keys_.clear();
      });
}

Status IngestAuthenticator::check(const RequestContext& context) { return *check(context, /*may_wait=*/true); }

std::optional<Status> IngestAuthenticator::check_without_waiting(const RequestContext& context) {
  return check(context, /*may_wait=*/false);
}

std::optional<Status> IngestAuthenticator::check(const RequestContext& context, bool may_wait) {
  std::optional<Status> result = missing();
  if (auto key = context.header("x-junjo-api-key"); key && !key->empty()) {
    result = check_api_key(*key, may_wait);
  } else if (auto authorization = context.header("authorization"); authorization && !authorization->empty()) {
    std::string value = *authorization;
    bool bearer = value.size() > kBearer.size();
    for (size_t i = 0; bearer && i < kBearer.size(); ++i) {
      bearer = std::tolower(static_cast<unsigned char>(value[i])) == kBearer[i];
    }
    if (!bearer) result = Status(Code::unauthenticated, "authorization header must be 'Bearer <token>'");
    else if (may_wait) result = check_token(value.substr(kBearer.size()));
    else result = std::nullopt;  // verifying may need the signing keys or the key states
  }
  if (!result) return result;
  if (result->code() == Code::unauthenticated) rejected_.fetch_add(1, std::memory_order_relaxed);
  if (result->code() == Code::unavailable) auth_unavailable_.fetch_add(1, std::memory_order_relaxed);
  return result;
}

std::optional<Status> IngestAuthenticator::check_api_key(const std::string& key, bool may_wait) {
  if (key.size() > auth::kApiKeyField.max_bytes) return Status(Code::unauthenticated, "API key not recognised");
  const std::string hash = auth::sha256_hex(key);
  if (keys_.get(hash)) return Status::ok();
  if (!may_wait) return std::nullopt;
  auto reply = client_.check_api_key({key});
  if (!reply) {
    if (reply.status().code() == Code::unauthenticated) return reply.status();
    // Anything else is the auth-responder's trouble, not the client's: retryable.
    return Status(Code::unavailable, "cannot check the API key now (" + reply.status().message() + "); retry");
  }
  keys_.put(hash, reply->key_id);
  return Status::ok();
}

Status IngestAuthenticator::refresh_keys(bool force) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(jwks_mutex_);
    if (!force && now - last_fetch_ < std::chrono::seconds(1)) return Status::ok();
    last_fetch_ = now;
  }
  auto reply = client_.jwks();
  if (!reply) return Status(Code::unavailable, "cannot fetch signing keys (auth-responder unavailable); retry");
  std::map<std::string, auth::VerifyKey> fresh;
  for (const auto& jwk : reply->keys) {
    auto key = auth::VerifyKey::from_jwk(jwk);
    if (key) fresh.emplace(key->kid(), *key);
  }
  std::lock_guard lock(jwks_mutex_);
  verify_keys_ = std::move(fresh);
  return Status::ok();
}

Status IngestAuthenticator::check_token(const std::string& token) {
  // An unknown kid makes the lookup fetch the key set once (a key rotated since
  // the last fetch); a fetch that fails is reported as retryable, not as a bad token.
  Status refreshed = Status::ok();
  auto lookup = [this, &refreshed](const std::string& id) -> std::optional<auth::VerifyKey> {
    for (int attempt = 0; attempt < 2; ++attempt) {
      {
        std::lock_guard lock(jwks_mutex_);
        auto found = verify_keys_.find(id);
        if (found != verify_keys_.end()) return found->second;
      }
      if (attempt == 0) refreshed = refresh_keys(false);
      if (!refreshed.is_ok()) break;
    }
    return std::nullopt;
  };
  // Never accept a token before the revoked key ids are known (after a restart, say).
  bool loaded = false;
  int64_t token_ttl_s = 0;
  {
    std::lock_guard lock(states_mutex_);
    loaded = states_loaded_;
    token_ttl_s = token_ttl_s_;
  }
  if (!loaded) {
    if (Status s = load_key_states(); !s.is_ok()) return s;
    std::lock_guard lock(states_mutex_);
    token_ttl_s = token_ttl_s_;
  }
  auth::TokenExpectations expect{options_.token_issuer, options_.token_audience, unix_nanos_now() / 1'000'000'000, 30, token_ttl_s};
  auto claims = auth::verify_token(token, lookup, expect);
  if (!refreshed.is_ok()) return refreshed;
  if (!claims) return claims.status();
  return check_subject(claims->subject, claims->issued_at);
}

Status IngestAuthenticator::load_key_states() {
  auto reply = client_.key_states();
  if (!reply) return Status(Code::unavailable, "cannot load API key states (auth-responder unavailable); retry");
  std::set<std::string> live(reply->live_key_ids.begin(), reply->live_key_ids.end());
  std::set<std::string> revoked(reply->revoked_key_ids.begin(), reply->revoked_key_ids.end());
  const int64_t ttl = reply->token_ttl_s;
  std::lock_guard lock(states_mutex_);
  live_key_ids_ = std::move(live);
  revoked_key_ids_ = std::move(revoked);
  token_ttl_s_ = ttl > 0 ? ttl : 3600;
  states_loaded_ = true;
  states_loaded_at_ = std::chrono::steady_clock::now();
  states_loaded_unix_s_ = unix_nanos_now() / 1'000'000'000;
  return Status::ok();
}

Status IngestAuthenticator::check_subject(const std::string& subject, int64_t issued_at) {
  enum class State { live, revoked, unknown };
  auto state = [&]() {
    std::lock_guard lock(states_mutex_);
    if (revoked_key_ids_.contains(subject)) return State::revoked;
    return live_key_ids_.contains(subject) ? State::live : State::unknown;
  };
  bool stale = false;
  bool older_than_token = false;
  {
    std::lock_guard lock(states_mutex_);
    stale = std::chrono::steady_clock::now() - states_loaded_at_ > options_.key_cache_ttl;
    // A key made after the last load: iat is signed, so only real tokens can ask for a reload this way.
    older_than_token = states_loaded_unix_s_ <= issued_at + 1;
  }
  State found = state();
  if (stale || (found == State::unknown && older_than_token)) {
    Status reloaded = load_key_states();
    // When the auth-responder is away, the states last loaded still decide (as cached keys do).
    if (!reloaded.is_ok() && found == State::unknown) return reloaded;
    found = state();
  }
  switch (found) {
    case State::live: return Status::ok();
    case State::revoked: return Status(Code::unauthenticated, "invalid token: the API key it was issued for has been revoked");
    case State::unknown: break;
  }
  return Status(Code::unauthenticated, "invalid token: sub names no API key (it was never issued here)");
}

void IngestAuthenticator::on_event(const auth::AuthEvent& event) {
  if (const auto* revoked = std::get_if<auth::event::ApiKeyRevoked>(&event)) {
    // Drop every cached key rather than one: the event names the key by hash,
    // and clearing costs only a round trip per key in use.
    keys_.clear();
    {
      std::lock_guard lock(states_mutex_);
      live_key_ids_.erase(revoked->key_id);
      revoked_key_ids_.insert(revoked->key_id);
    }
    log::info("API key revoked; cached keys dropped", {{"key_id", revoked->key_id}});
  } else if (std::holds_alternative<auth::event::UserDeleted>(event)) {
    keys_.clear();  // their keys' own events follow; a cached key of theirs must not outlive them
  } else if (std::holds_alternative<auth::event::SigningKeyRotated>(event)) {
    (void)refresh_keys(true);
  }
}

}  // namespace spanline::gateway
