#pragma once
// Ingest tokens: compact JWS (RFC 7515) JWTs (RFC 7519) signed with EdDSA.
// Verification checks, in this order, and says which check failed: the shape
// (three base64url parts, JSON header and claims), the algorithm ("none" and
// anything but the key's own algorithm are refused before any key is used), the
// key id, the signature, then the times (exp, iat required, nbf optional, each a
// JSON number: a string or any other type is refused), the lifetime (exp - iat
// and exp - now at most the issuer's token TTL plus leeway), issuer, audience
// and a non-empty sub. Whether sub names a live API key is the caller's check
// (the gateway's IngestAuthenticator), since only it knows the key states.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "base/crypto/signing_key.h"
#include "base/status.h"

namespace spanline::auth {

struct TokenClaims {
  std::string issuer;
  std::string audience;
  std::string subject;  // the API key id the token was exchanged for
  std::string token_id;
  int64_t issued_at = 0;   // unix seconds
  int64_t not_before = 0;
  int64_t expires_at = 0;
};

std::string sign_token(const TokenClaims& claims, const SigningKey& key);

struct TokenExpectations {
  std::string issuer;
  std::string audience;
  int64_t now = 0;  // unix seconds
  int64_t leeway_seconds = 30;
  // The issuer's token lifetime (--token-ttl); a token living longer, by its
  // own iat or from now, is refused. 0: no cap (only for tests of other checks).
  int64_t max_lifetime_seconds = 0;
};

// Finds the verification key for a kid; nullopt when it is unknown.
using KeyLookup = std::function<std::optional<VerifyKey>(const std::string& kid)>;

// The kid named in a token's header, without verifying anything (to decide
// whether the key set must be refetched first).
Result<std::string> token_key_id(std::string_view token);

// unauthenticated with the reason, or the verified claims.
Result<TokenClaims> verify_token(std::string_view token, const KeyLookup& keys, const TokenExpectations& expect);

}  // namespace spanline::auth
