// Ingest tokens as the gateway verifies them (verify_token, token_key_id)
// against one fixed key, plus the pieces under them: base64url and the JWKS
// key reader (VerifyKey::from_jwk, fed from the auth-responder over the bus).
//
// The fuzzer cannot forge an Ed25519 signature, so inputs that are JSON ("{"
// first) are also signed here as a token's claims: that reaches the claim
// checks (exp, nbf, iss, aud) that only a correctly signed token gets to.
// Other inputs are tokens as a client would send them.
//
// Beyond not crashing: a token that verifies meets every expectation; a token
// signed here never fails on its signature; base64url round-trips.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/crypto/jwt.h"
#include "base/crypto/secrets.h"
#include "base/crypto/signing_key.h"
#include "tests/fuzz/fuzz_check.h"

namespace auth = spanline::auth;
using spanline::fuzz::require;

namespace {

constexpr const char* kKid = "fuzz-key";

// A fresh key each run: nothing depends on its bytes, and no private key sits in the tree.
const auth::SigningKey& signing_key() {
  static const auth::SigningKey key = auth::SigningKey::generate(kKid);
  return key;
}

const auth::KeyLookup& lookup() {
  static const auth::KeyLookup keys = [](const std::string& kid) -> std::optional<auth::VerifyKey> {
    static const auth::VerifyKey verify = *auth::VerifyKey::from_jwk(signing_key().public_jwk());
    if (kid != kKid) return std::nullopt;
    return verify;
  };
  return keys;
}

// A fixed clock, so a crash reproduces whatever day it is.
const auth::TokenExpectations kExpect{"spanline", "spanline-ingest", 1'900'000'000, 30};

void check_verified(const spanline::Result<auth::TokenClaims>& claims) {
  if (!claims) {
    require(claims.status().code() == spanline::Code::unauthenticated, "a refused token is unauthenticated");
    return;
  }
  require(claims->issuer == kExpect.issuer, "a verified token has the expected issuer");
  require(claims->audience == kExpect.audience, "a verified token has the expected audience");
  require(kExpect.now - kExpect.leeway_seconds <= claims->expires_at, "a verified token has not expired");
}

void check_token(std::string_view token) {
  auto claims = auth::verify_token(token, lookup(), kExpect);
  check_verified(claims);
  auto kid = auth::token_key_id(token);
  if (claims) require(kid.is_ok() && *kid == kKid, "a verified token names the key that verified it");
}

// The input as the claims of a token signed with the fixed key.
void check_signed_claims(std::string_view claims_json) {
  const std::string header = R"({"alg":"EdDSA","typ":"JWT","kid":")" + std::string(kKid) + R"("})";
  const std::string signed_part = auth::base64url_encode(header) + "." + auth::base64url_encode(claims_json);
  const std::string token = signed_part + "." + auth::base64url_encode(signing_key().sign(signed_part));
  auto claims = auth::verify_token(token, lookup(), kExpect);
  check_verified(claims);
  require(claims || claims.status().message().find("bad signature") == std::string::npos,
          "a token signed with the key never fails its signature check");
}

void check_jwk(std::string_view text) {
  nlohmann::json jwk = nlohmann::json::parse(text, nullptr, false);
  if (jwk.is_discarded()) return;
  auto key = auth::VerifyKey::from_jwk(jwk);
  if (key) require(key->algorithm() == "EdDSA", "a JWK key is an EdDSA key");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  auto decoded = auth::base64url_decode(input);
  if (decoded) require(auth::base64url_encode(*decoded) == input, "base64url decoding is canonical");
  auto round_trip = auth::base64url_decode(auth::base64url_encode(input));
  require(round_trip.is_ok() && *round_trip == input, "base64url round-trips any bytes");

  if (!input.empty() && input.front() == '{') {
    check_signed_claims(input);
    check_jwk(input);
  } else {
    check_token(input);
  }
  return 0;
}
