#include "base/crypto/signing_key.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <stdexcept>

#include "base/crypto/secrets.h"

namespace spanline::auth {

void PkeyDeleter::operator()(evp_pkey_st* key) const { EVP_PKEY_free(key); }

namespace {

std::shared_ptr<evp_pkey_st> share(EVP_PKEY* key) { return std::shared_ptr<evp_pkey_st>(key, PkeyDeleter{}); }

std::string raw_public_key(EVP_PKEY* key) {
  size_t size = 0;
  EVP_PKEY_get_raw_public_key(key, nullptr, &size);
  std::string out(size, '\0');
  EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(out.data()), &size);
  return out;
}

}  // namespace

Result<VerifyKey> VerifyKey::from_jwk(const json& jwk) {
  if (!jwk.is_object()) return Status(Code::invalid_argument, "a JWK is a JSON object");
  auto text = [&](const char* name) {
    return jwk.contains(name) && jwk[name].is_string() ? jwk[name].get<std::string>() : std::string();
  };
  const std::string kty = text("kty");
  const std::string crv = text("crv");
  if (kty != "OKP" || crv != "Ed25519") return Status(Code::invalid_argument, "only Ed25519 (kty OKP) keys are supported");
  if (!jwk.contains("x") || !jwk["x"].is_string() || !jwk.contains("kid") || !jwk["kid"].is_string()) {
    return Status(Code::invalid_argument, "a JWK needs x and kid");
  }
  auto raw = base64url_decode(jwk["x"].get<std::string>());
  if (!raw || raw->size() != 32) return Status(Code::invalid_argument, "an Ed25519 public key is 32 bytes");
  EVP_PKEY* key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(raw->data()),
                                              raw->size());
  if (key == nullptr) return Status(Code::invalid_argument, "not a valid Ed25519 public key");
  VerifyKey out;
  out.kid_ = jwk["kid"].get<std::string>();
  out.key_ = share(key);
  return out;
}

bool VerifyKey::verify(std::string_view signed_part, std::string_view signature) const {
  if (signature.size() != 64) return false;
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  bool ok = context != nullptr && EVP_DigestVerifyInit(context, nullptr, nullptr, nullptr, key_.get()) == 1 &&
            EVP_DigestVerify(context, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                             reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size()) == 1;
  EVP_MD_CTX_free(context);
  return ok;
}

SigningKey SigningKey::generate(std::string kid) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (key == nullptr) throw std::runtime_error("Ed25519 key generation failed");
  SigningKey out;
  out.kid_ = std::move(kid);
  out.key_ = share(key);
  return out;
}

Result<SigningKey> SigningKey::from_pem(std::string kid, const std::string& private_pem) {
  BIO* bio = BIO_new_mem_buf(private_pem.data(), static_cast<int>(private_pem.size()));
  if (bio == nullptr) return Status(Code::internal, "out of memory");
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr || EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(key);
    return Status(Code::internal, "stored signing key " + kid + " is not an Ed25519 private key");
  }
  SigningKey out;
  out.kid_ = std::move(kid);
  out.key_ = share(key);
  return out;
}

std::string SigningKey::private_pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key_.get(), nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(size));
  BIO_free(bio);
  return out;
}

json SigningKey::public_jwk() const {
  return json{{"kty", "OKP"}, {"crv", "Ed25519"}, {"alg", "EdDSA"}, {"use", "sig"}, {"kid", kid_},
              {"x", base64url_encode(raw_public_key(key_.get()))}};
}

std::string SigningKey::sign(std::string_view data) const {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  std::string signature(64, '\0');
  size_t size = signature.size();
  bool ok = context != nullptr && EVP_DigestSignInit(context, nullptr, nullptr, nullptr, key_.get()) == 1 &&
            EVP_DigestSign(context, reinterpret_cast<unsigned char*>(signature.data()), &size,
                           reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(context);
  if (!ok) throw std::runtime_error("Ed25519 signing failed");
  signature.resize(size);
  return signature;
}

}  // namespace spanline::auth
