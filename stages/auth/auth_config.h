#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "base/options.h"
#include "base/status.h"
#include "skeleton/stage_config.h"
#include "stages/auth/responder/sign_in_throttle.h"

namespace spanline::auth {

inline constexpr stage::StageIdentity kAuthIdentity{
    .name = "auth", .data_dir_use = "the auth-responder keeps meta.sqlite (users, sessions, API keys, signing keys, model prices, playground providers) and provider-keys.key (the key the providers' API keys are encrypted with) there."};

// Every setting of the auth-responder; register_options() documents each one.
struct AuthConfig : stage::StageConfig {
  AuthConfig() : StageConfig(kAuthIdentity) {}

  std::string endpoint{stage::default_endpoint::kAuth};
  std::string events_endpoint{stage::default_endpoint::kAuthEvents};
  uint32_t threads = 2;
  uint32_t password_hash_threads = 2;
  std::chrono::milliseconds session_ttl{std::chrono::hours(24)};
  std::chrono::milliseconds token_ttl{std::chrono::hours(1)};
  std::chrono::milliseconds signing_key_rotation{std::chrono::hours(24 * 30)};
  std::string token_issuer = "spanline";
  std::string token_audience = "spanline-ingest";
  uint32_t sign_in_attempts = 5;
  std::chrono::milliseconds sign_in_backoff_max{std::chrono::minutes(15)};
  uint32_t sign_in_account_attempts = 50;
  uint32_t sign_in_address_attempts = 100;
  std::chrono::milliseconds sign_in_window{std::chrono::minutes(15)};
  std::chrono::milliseconds setup_token_ttl{std::chrono::hours(24)};
  uint32_t scrypt_log2_n = 15;
  uint32_t min_password_length = 8;

  void register_options(Options& options) {
    register_common_options(options);
    options.add("auth-endpoint", &endpoint, "Bus endpoint this stage binds (ROUTER) for the gateway's, the api's and the CLI's requests (the same variable tells them where to connect).")
        .add("auth-events-endpoint", &events_endpoint, "Bus endpoint this stage binds (PUB) to broadcast revocations (the same variable tells gateways and the api where to listen).")
        .add("threads", &threads, "Worker threads for quick requests (API keys, sessions, tokens, users); they never hash passwords.")
        .add("password-hash-threads", &password_hash_threads,
             "Worker threads that hash passwords (sign-in, first-user setup, new users), on top of --threads; a password request finding them all busy is refused at once (busy, retry), never queued behind the others.")
        .add("session-ttl", &session_ttl, "How long a web session lasts after sign-in.")
        .add("token-ttl", &token_ttl, "Lifetime of an ingest JWT from POST /api/v1/otel/token.")
        .add("signing-key-rotation", &signing_key_rotation, "Age at which the JWT signing key is replaced (the old public key stays in the JWKS until its tokens expire).")
        .add("token-issuer", &token_issuer, "iss claim of ingest tokens (the gateway checks the same value).")
        .add("token-audience", &token_audience, "aud claim of ingest tokens (the gateway checks the same value).")
        .add("sign-in-attempts", &sign_in_attempts,
             "Failed sign-ins on one account from one client address (or one device cookie) before each further try waits 1 s, 2 s, 4 s, ... (429 + Retry-After); other addresses are not slowed.")
        .add("sign-in-backoff-max", &sign_in_backoff_max, "The longest wait of one account at one address (or device).")
        .add("sign-in-account-attempts", &sign_in_account_attempts,
             "Failed sign-ins on one account from all addresses before its password checks are spaced 2 s apart (slowed, never locked; a device cookie skips it).")
        .add("sign-in-address-attempts", &sign_in_address_attempts,
             "Failed sign-ins from one client address on all accounts before that address waits 1 s, 2 s, 4 s, ... at most 60 s (a device cookie skips it).")
        .add("sign-in-window", &sign_in_window, "Failures are forgotten after this long without another (counted from the end of the last wait).")
        .add("setup-token-ttl", &setup_token_ttl, "Lifetime of a first-user setup token (printed by `spanline up`, the api's log and `spanline setup-token` while no user exists).")
        .add("scrypt-log2-n", &scrypt_log2_n, "scrypt cost for new password hashes (N = 2^value, memory = 1 KiB * N).")
        .add("min-password-length", &min_password_length, "Shortest password accepted for a new user.");
  }

  SignInLimits sign_in_limits() const {
    return {.free_failures = sign_in_attempts,
            .backoff_max = sign_in_backoff_max,
            .account_failures = sign_in_account_attempts,
            .address_failures = sign_in_address_attempts,
            .window = sign_in_window};
  }

  void resolve() { resolve_endpoints({&endpoint, &events_endpoint}); }

  Status check() const {
    if (password_hash_threads == 0) {
      return Status(Code::invalid_argument, "--password-hash-threads must be at least 1 (else no password could ever be checked)");
    }
    return Status::ok();
  }
};

}  // namespace spanline::auth
