#include "base/crypto/jwt.h"

#include <climits>
#include <optional>

#include "base/crypto/secrets.h"

namespace spanline::auth {

namespace {

Status rejected(const std::string& why) { return Status(Code::unauthenticated, "invalid token: " + why); }

struct Parts {
  std::string_view header_b64;
  std::string_view claims_b64;
  std::string_view signature_b64;
  json header;
};

Result<Parts> split_token(std::string_view token) {
  if (token.size() > 8192) return rejected("longer than 8192 bytes");
  size_t first = token.find('.');
  size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return rejected("not a JWT (expected three dot-separated parts)");
  }
  Parts parts{token.substr(0, first), token.substr(first + 1, second - first - 1), token.substr(second + 1), {}};
  auto header_text = base64url_decode(parts.header_b64);
  if (!header_text) return rejected("header is not base64url");
  parts.header = json::parse(*header_text, nullptr, false);
  if (parts.header.is_discarded() || !parts.header.is_object()) return rejected("header is not a JSON object");
  return parts;
}

std::string text_claim(const json& claims, const char* name) {
  return claims.contains(name) && claims[name].is_string() ? claims[name].get<std::string>() : std::string();
}

enum class TimeClaim { absent, number, not_a_number };

// RFC 7519 NumericDate: a JSON number. A string ("1700000000") or anything else
// is not a time, and a token carrying one is refused rather than the claim ignored.
TimeClaim read_time(const json& claims, const char* name, int64_t& out) {
  if (!claims.contains(name)) return TimeClaim::absent;
  const json& value = claims[name];
  if (value.is_number_integer()) {
    if (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) return TimeClaim::not_a_number;
    out = value.get<int64_t>();
    return TimeClaim::number;
  }
  if (value.is_number_float()) {
    // Casting a double beyond int64 (or NaN) is undefined behaviour: such a time is no time.
    constexpr double kTwoTo63 = 9223372036854775808.0;
    const double seconds = value.get<double>();
    if (!(seconds >= -kTwoTo63 && seconds < kTwoTo63)) return TimeClaim::not_a_number;
    out = static_cast<int64_t>(seconds);
    return TimeClaim::number;
  }
  return TimeClaim::not_a_number;
}

// a - b, or nullopt when it does not fit (times near the int64 limits are no times).
std::optional<int64_t> minus(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_sub_overflow(a, b, &out)) return std::nullopt;
  return out;
}

}  // namespace

std::string sign_token(const TokenClaims& claims, const SigningKey& key) {
  json header = {{"alg", "EdDSA"}, {"typ", "JWT"}, {"kid", key.kid()}};
  json body = {{"iss", claims.issuer},    {"aud", claims.audience},     {"sub", claims.subject}, {"jti", claims.token_id},
               {"iat", claims.issued_at}, {"nbf", claims.not_before}, {"exp", claims.expires_at}};
  std::string signed_part = base64url_encode(header.dump()) + "." + base64url_encode(body.dump());
  return signed_part + "." + base64url_encode(key.sign(signed_part));
}

Result<std::string> token_key_id(std::string_view token) {
  auto parts = split_token(token);
  if (!parts) return parts.status();
  if (!parts->header.contains("kid") || !parts->header["kid"].is_string()) return rejected("header has no kid");
  return parts->header["kid"].get<std::string>();
}

Result<TokenClaims> verify_token(std::string_view token, const KeyLookup& keys, const TokenExpectations& expect) {
  auto parts = split_token(token);
  if (!parts) return parts.status();
  const json& header = parts->header;
  if (!header.contains("alg") || !header["alg"].is_string()) return rejected("header has no alg");
  const std::string alg = header["alg"].get<std::string>();
  if (alg == "none" || alg == "None" || alg == "NONE") return rejected("alg 'none' is not accepted");
  if (!header.contains("kid") || !header["kid"].is_string()) return rejected("header has no kid");
  const std::string kid = header["kid"].get<std::string>();
  std::optional<VerifyKey> key = keys(kid);
  if (!key) return rejected("unknown signing key '" + kid + "'");
  if (alg != key->algorithm()) return rejected("wrong algorithm " + alg + " (key '" + kid + "' is " + key->algorithm() + ")");
  auto signature = base64url_decode(parts->signature_b64);
  const size_t signed_size = parts->header_b64.size() + 1 + parts->claims_b64.size();
  if (!signature || !key->verify(token.substr(0, signed_size), *signature)) return rejected("bad signature");

  auto claims_text = base64url_decode(parts->claims_b64);
  if (!claims_text) return rejected("claims are not base64url");
  json claims = json::parse(*claims_text, nullptr, false);
  if (claims.is_discarded() || !claims.is_object()) return rejected("claims are not a JSON object");
  TokenClaims out;
  switch (read_time(claims, "exp", out.expires_at)) {
    case TimeClaim::absent: return rejected("no exp claim");
    case TimeClaim::not_a_number: return rejected("exp must be a number (seconds since 1970)");
    case TimeClaim::number: break;
  }
  if (expect.now - expect.leeway_seconds > out.expires_at) return rejected("expired");  // exp + leeway could overflow
  switch (read_time(claims, "nbf", out.not_before)) {
    case TimeClaim::not_a_number: return rejected("nbf must be a number (seconds since 1970)");
    case TimeClaim::number:
      if (expect.now + expect.leeway_seconds < out.not_before) return rejected("not yet valid (nbf in the future)");
      break;
    case TimeClaim::absent: break;
  }
  switch (read_time(claims, "iat", out.issued_at)) {
    case TimeClaim::absent: return rejected("no iat claim");
    case TimeClaim::not_a_number: return rejected("iat must be a number (seconds since 1970)");
    case TimeClaim::number: break;
  }
  if (out.issued_at > expect.now + expect.leeway_seconds) return rejected("issued in the future (iat)");
  if (expect.max_lifetime_seconds > 0) {
    // Both measures: a token claiming a recent iat with a far exp, and one
    // claiming an old iat to look short-lived, each live past what the issuer grants.
    const int64_t limit = expect.max_lifetime_seconds + expect.leeway_seconds;
    const auto by_iat = minus(out.expires_at, out.issued_at);
    const auto from_now = minus(out.expires_at, expect.now);
    if (!by_iat || !from_now || *by_iat > limit || *from_now > limit) {
      return rejected("lives longer than the issuer's token lifetime (" + std::to_string(expect.max_lifetime_seconds) + " s)");
    }
  }
  out.issuer = text_claim(claims, "iss");
  if (out.issuer != expect.issuer) return rejected("wrong issuer '" + out.issuer + "'");
  // aud may be a string or an array of strings (RFC 7519 section 4.1.3).
  bool audience_ok = false;
  if (claims.contains("aud") && claims["aud"].is_string()) {
    out.audience = claims["aud"].get<std::string>();
    audience_ok = out.audience == expect.audience;
  } else if (claims.contains("aud") && claims["aud"].is_array()) {
    for (const json& item : claims["aud"]) {
      if (item.is_string() && item.get<std::string>() == expect.audience) audience_ok = true;
    }
    out.audience = expect.audience;
  }
  if (!audience_ok) return rejected("wrong audience");
  if (!claims.contains("sub") || !claims["sub"].is_string() || claims["sub"].get<std::string>().empty()) {
    return rejected("no sub claim (the API key id it was issued for)");
  }
  out.subject = claims["sub"].get<std::string>();
  out.token_id = text_claim(claims, "jti");
  return out;
}

}  // namespace spanline::auth
