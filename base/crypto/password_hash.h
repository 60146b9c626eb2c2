#pragma once
// Password hashing with scrypt (RFC 7914) through OpenSSL 3: memory-hard, so a
// stolen meta.sqlite is slow to attack on GPUs. Each hash carries its own salt
// and cost, "scrypt$<log2 N>$<r>$<p>$<salt b64url>$<hash b64url>", so the cost
// can rise later without invalidating stored passwords.

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace spanline::auth {

struct ScryptCost {
  uint32_t log2_n = 15;  // N = 32768: 32 MiB with r = 8, about 100 ms on one core here
  uint32_t r = 8;
  uint32_t p = 1;
};

std::string hash_password(std::string_view password, ScryptCost cost = {});
// false for a wrong password; an error Status only for a malformed stored hash.
Result<bool> verify_password(std::string_view password, std::string_view stored);

}  // namespace spanline::auth
