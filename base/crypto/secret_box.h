#pragma once
// Sealing small secrets that a stage must be able to use again (a playground
// provider's API key: it is sent to the provider, so it cannot be hashed):
// AES-256-GCM (OpenSSL EVP) under a 32-byte data key, a random 12-byte nonce
// per seal, and associated data binding a sealed value to what it belongs to
// (the provider's name), so a sealed value copied onto another row does not
// open there. A sealed value is nonce || ciphertext || 16-byte tag.
//
// The data key lives in its own 0600 file beside the data it protects
// (secret_box_from_key_file): a copy of the database alone (a backup, a volume
// snapshot) discloses no secret; someone who can read the whole data folder
// can read the key file too, and so every secret.
//
// Threads: a SecretBox is immutable; seal/open may run on any thread at once.

#include <string>
#include <string_view>

#include "base/status.h"

namespace spanline::auth {

class SecretBox {
 public:
  static constexpr size_t kKeyBytes = 32;
  static constexpr size_t kNonceBytes = 12;
  static constexpr size_t kTagBytes = 16;

  // invalid_argument unless `key` is kKeyBytes long.
  static Result<SecretBox> with_key(std::string key);

  // `plaintext` sealed, bound to `associated` (not secret, not stored in the result).
  std::string seal(std::string_view plaintext, std::string_view associated) const;
  // The plaintext, or permission_denied when `sealed` was not sealed by this
  // key with this `associated` data, or was altered.
  Result<std::string> open(std::string_view sealed, std::string_view associated) const;

 private:
  explicit SecretBox(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

// The box of the data key in `path`, made from the CSPRNG and written 0600 on
// first use (base/private_files.h). An error when the file cannot be read or
// made, or does not hold exactly kKeyBytes.
Result<SecretBox> secret_box_from_key_file(const std::string& path);

}  // namespace spanline::auth
