#pragma once
// Ed25519 keys for signing ingest tokens (JWS alg "EdDSA", RFC 8037): small,
// fast, and with no parameters to get wrong. A SigningKey holds the private
// half (only the auth-responder has one); a VerifyKey is what a JWKS carries.

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"

struct evp_pkey_st;

namespace spanline::auth {

using json = nlohmann::json;

struct PkeyDeleter {
  void operator()(evp_pkey_st* key) const;
};
using PkeyPtr = std::unique_ptr<evp_pkey_st, PkeyDeleter>;

class VerifyKey {
 public:
  // From one JWK of a JWKS: {"kty":"OKP","crv":"Ed25519","x":..., "kid":...}.
  static Result<VerifyKey> from_jwk(const json& jwk);
  const std::string& kid() const { return kid_; }
  const std::string& algorithm() const { return algorithm_; }
  bool verify(std::string_view signed_part, std::string_view signature) const;

 private:
  std::string kid_;
  std::string algorithm_ = "EdDSA";
  std::shared_ptr<evp_pkey_st> key_;
};

class SigningKey {
 public:
  static SigningKey generate(std::string kid);
  static Result<SigningKey> from_pem(std::string kid, const std::string& private_pem);

  const std::string& kid() const { return kid_; }
  std::string private_pem() const;
  json public_jwk() const;
  std::string sign(std::string_view data) const;

 private:
  std::string kid_;
  std::shared_ptr<evp_pkey_st> key_;
};

}  // namespace spanline::auth
