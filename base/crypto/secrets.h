#pragma once
// The small primitives every credential path needs, each from OpenSSL: random
// bytes from the OS CSPRNG, SHA-256, a comparison whose time does not depend on
// where two secrets differ, and base64url (RFC 4648 section 5, no padding) as
// JWTs and JWKs spell binary.

#include <string>
#include <string_view>

#include "base/status.h"

namespace spanline::auth {

// `count` bytes from the OS CSPRNG (RAND_bytes); throws only if the CSPRNG fails,
// which is a broken system rather than bad input.
std::string random_bytes(size_t count);
// 32 random bytes, base64url: session ids, API key secrets, token ids.
std::string random_token();

std::string sha256(std::string_view data);
std::string sha256_hex(std::string_view data);

// Constant time in the length of the inputs (CRYPTO_memcmp); different lengths are unequal.
bool constant_time_equal(std::string_view a, std::string_view b);

std::string base64url_encode(std::string_view bytes);
// Refuses padding, whitespace and characters outside the url-safe alphabet.
Result<std::string> base64url_decode(std::string_view text);

}  // namespace spanline::auth
