// The token family of auth ops: ingest tokens for an API key, the JWKS gateways
// verify them with, and the signing keys behind both (rotated by age, or when
// the operator asks).
#include "base/clock.h"
#include "base/crypto/jwt.h"
#include "base/crypto/secrets.h"
#include "base/hex.h"
#include "base/log.h"
#include "stages/auth/responder/auth_service.h"
#include "stages/auth/responder/op_support.h"

namespace spanline::auth {

namespace {

// "k" and 16 hex digits. Built with append: GCC 12 warns falsely on "k" + string.
std::string new_key_id() {
  std::string kid = "k";
  kid.append(to_hex(random_bytes(8)));
  return kid;
}

}  // namespace

Result<SigningKey> AuthService::parsed_key(const SigningKeyRecord& record) {
  auto parsed = parsed_keys_.find(record.kid);
  if (parsed != parsed_keys_.end()) return parsed->second;
  auto key = SigningKey::from_pem(record.kid, record.private_pem);
  if (!key) return key.status();
  parsed_keys_.emplace(record.kid, *key);
  return *key;
}

Result<std::optional<std::string>> AuthService::rotate(int64_t now, int64_t only_if_older_than_ns) {
  SigningKey fresh = SigningKey::generate(new_key_id());
  auto rotated = store_->rotate_signing_key({fresh.kid(), fresh.private_pem(), now, 0}, now, only_if_older_than_ns);
  if (!rotated) return rotated.status();
  if (!*rotated) return std::optional<std::string>();  // another thread rotated first
  log::info("signing key rotated", {{"kid", fresh.kid()}});
  shared_.events.publish(event::SigningKeyRotated{fresh.kid()});
  parsed_keys_.emplace(fresh.kid(), fresh);
  return std::optional<std::string>(fresh.kid());
}

Result<SigningKey> AuthService::active_signing_key(bool may_rotate) {
  const int64_t now = unix_nanos_now();
  auto keys = store_->signing_keys();
  if (!keys) return keys.status();
  const SigningKeyRecord* active = nullptr;
  for (const auto& key : *keys) {
    if (key.retired_ns == 0) {
      active = &key;
      break;
    }
  }
  const int64_t rotation_ns = static_cast<int64_t>(shared_.config.signing_key_rotation.count()) * kNanosPerMs;
  if (may_rotate && (active == nullptr || now - active->created_ns >= rotation_ns)) {
    auto rotated = rotate(now, active == nullptr ? 0 : now - rotation_ns + 1);
    if (!rotated) return rotated.status();
    return active_signing_key(false);
  }
  if (active == nullptr) return Status(Code::internal, "no active signing key");
  return parsed_key(*active);
}

Status AuthService::ensure_signing_key() {
  auto key = active_signing_key();
  return key.status();
}

Result<IssuedToken> AuthService::issue_token(const IssueToken& request) {
  auto key = find_key(request.key);
  if (!key) return key.status();
  auto signer = active_signing_key();
  if (!signer) return signer.status();
  const int64_t now = unix_nanos_now() / kNanosPerSecond;
  const int64_t ttl = static_cast<int64_t>(std::chrono::duration_cast<std::chrono::seconds>(shared_.config.token_ttl).count());
  TokenClaims claims{shared_.config.token_issuer, shared_.config.token_audience, key->id, random_token(), now, now, now + ttl};
  shared_.tokens_issued.fetch_add(1);
  return IssuedToken{sign_token(claims, *signer), "Bearer", ttl};
}

Result<JwkSet> AuthService::jwks(const GetJwks&) {
  const int64_t now = unix_nanos_now();
  // A retired key stays published while tokens it signed may still be live.
  const int64_t keep_ns = (static_cast<int64_t>(shared_.config.token_ttl.count()) + 60'000) * kNanosPerMs;
  (void)store_->prune_signing_keys(now - keep_ns);
  auto keys = store_->signing_keys();
  if (!keys) return keys.status();
  JwkSet out;
  for (const auto& record : *keys) {
    if (record.retired_ns != 0 && record.retired_ns < now - keep_ns) continue;
    auto key = parsed_key(record);
    if (!key) return key.status();
    out.keys.push_back(key->public_jwk());
  }
  return out;
}

Result<RotatedSigningKey> AuthService::rotate_signing_key(const RotateSigningKey&) {
  auto kid = rotate(unix_nanos_now(), 0);  // unconditional: the operator asked
  if (!kid) return kid.status();
  return RotatedSigningKey{kid->value()};
}

}  // namespace spanline::auth
