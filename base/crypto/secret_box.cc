#include "base/crypto/secret_box.h"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

#include "base/crypto/secrets.h"
#include "base/private_files.h"

namespace spanline::auth {

namespace {

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherContext new_context() { return CipherContext(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free); }

const unsigned char* bytes(std::string_view text) { return reinterpret_cast<const unsigned char*>(text.data()); }
unsigned char* bytes(std::string& text) { return reinterpret_cast<unsigned char*>(text.data()); }

Status not_sealed_here() {
  return Status(Code::permission_denied, "the sealed value does not open with this key for this owner (altered, moved or another key)");
}

}  // namespace

Result<SecretBox> SecretBox::with_key(std::string key) {
  if (key.size() != kKeyBytes) {
    return Status(Code::invalid_argument, "a data key is " + std::to_string(kKeyBytes) + " bytes, not " + std::to_string(key.size()));
  }
  return SecretBox(std::move(key));
}

std::string SecretBox::seal(std::string_view plaintext, std::string_view associated) const {
  std::string out = random_bytes(kNonceBytes);
  out.resize(kNonceBytes + plaintext.size() + kTagBytes);
  CipherContext ctx = new_context();
  int length = 0;
  // Every step succeeds for a 32-byte key and a 12-byte nonce unless OpenSSL itself is broken.
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes(key_), bytes(out)) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &length, bytes(associated), static_cast<int>(associated.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), bytes(out) + kNonceBytes, &length, bytes(plaintext), static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), bytes(out) + kNonceBytes + length, &length) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes), bytes(out) + kNonceBytes + plaintext.size()) != 1) {
    throw std::runtime_error("AES-256-GCM sealing failed in OpenSSL");
  }
  return out;
}

Result<std::string> SecretBox::open(std::string_view sealed, std::string_view associated) const {
  if (sealed.size() < kNonceBytes + kTagBytes) return not_sealed_here();
  const size_t text_bytes = sealed.size() - kNonceBytes - kTagBytes;
  std::string plaintext(text_bytes, '\0');
  std::string tag(sealed.substr(kNonceBytes + text_bytes));
  CipherContext ctx = new_context();
  int length = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes(key_), bytes(sealed)) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &length, bytes(associated), static_cast<int>(associated.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), bytes(plaintext), &length, bytes(sealed) + kNonceBytes, static_cast<int>(text_bytes)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes), bytes(tag)) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), bytes(plaintext) + length, &length) != 1) {
    return not_sealed_here();
  }
  return plaintext;
}

Result<SecretBox> secret_box_from_key_file(const std::string& path) {
  auto key = read_or_create_private_file(path, [] { return random_bytes(SecretBox::kKeyBytes); });
  if (!key) return key.status();
  auto box = SecretBox::with_key(std::move(*key));
  if (!box) return Status(Code::internal, path + " is not a data key: " + box.status().message());
  return box;
}

}  // namespace spanline::auth
