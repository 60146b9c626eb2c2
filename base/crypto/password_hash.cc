#include "base/crypto/password_hash.h"

#include <openssl/evp.h>

#include <stdexcept>
#include <vector>

#include "base/crypto/secrets.h"

namespace spanline::auth {

namespace {

constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;

Result<std::string> derive(std::string_view password, std::string_view salt, const ScryptCost& cost) {
  if (cost.log2_n < 1 || cost.log2_n > 20 || cost.r < 1 || cost.r > 32 || cost.p < 1 || cost.p > 16) {
    return Status(Code::invalid_argument, "scrypt cost out of range");
  }
  std::string out(kHashBytes, '\0');
  const uint64_t n = uint64_t{1} << cost.log2_n;
  const uint64_t max_memory = 128 * n * cost.r * cost.p + (64ULL << 20);
  if (EVP_PBE_scrypt(password.data(), password.size(), reinterpret_cast<const unsigned char*>(salt.data()), salt.size(), n,
                     cost.r, cost.p, max_memory, reinterpret_cast<unsigned char*>(out.data()), out.size()) != 1) {
    return Status(Code::internal, "scrypt failed");
  }
  return out;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t begin = 0;
  for (;;) {
    size_t end = text.find(separator, begin);
    parts.push_back(text.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin));
    if (end == std::string_view::npos) return parts;
    begin = end + 1;
  }
}

bool parse_small(std::string_view text, uint32_t& out) {
  if (text.empty() || text.size() > 3) return false;
  out = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<uint32_t>(c - '0');
  }
  return true;
}

}  // namespace

std::string hash_password(std::string_view password, ScryptCost cost) {
  std::string salt = random_bytes(kSaltBytes);
  auto hash = derive(password, salt, cost);
  if (!hash) throw std::runtime_error("password hashing failed: " + hash.status().message());
  return "scrypt$" + std::to_string(cost.log2_n) + "$" + std::to_string(cost.r) + "$" + std::to_string(cost.p) + "$" +
         base64url_encode(salt) + "$" + base64url_encode(*hash);
}

Result<bool> verify_password(std::string_view password, std::string_view stored) {
  auto parts = split(stored, '$');
  ScryptCost cost;
  if (parts.size() != 6 || parts[0] != "scrypt" || !parse_small(parts[1], cost.log2_n) || !parse_small(parts[2], cost.r) ||
      !parse_small(parts[3], cost.p)) {
    return Status(Code::internal, "stored password hash is malformed");
  }
  auto salt = base64url_decode(parts[4]);
  auto expected = base64url_decode(parts[5]);
  if (!salt || !expected || expected->size() != kHashBytes) return Status(Code::internal, "stored password hash is malformed");
  auto actual = derive(password, *salt, cost);
  if (!actual) return actual.status();
  return constant_time_equal(*actual, *expected);
}

}  // namespace spanline::auth
