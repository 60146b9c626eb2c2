#pragma once
// What both HTTP front ends (the gateway's OTLP/HTTP and the api) need around
// Pistache 0.0.5: it silently drops response headers added with addRaw(), so
// every header we send that Pistache has no type for gets one here; and request
// headers are found whether Pistache parsed them into a type or kept them raw.

#include <pistache/http.h>
#include <pistache/http_header.h>

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace spanline::http {

// A response header carrying a fixed text value, for headers Pistache has no type for.
template <typename Tag>
class TextHeader : public Pistache::Http::Header::Header {
 public:
  static constexpr const char* Name = Tag::kName;
  static constexpr uint64_t Hash = Pistache::Http::Header::detail::hash(Tag::kName);
  uint64_t hash() const override { return Hash; }
  const char* name() const override { return Tag::kName; }
  TextHeader() = default;
  explicit TextHeader(std::string value) : value_(std::move(value)) {}
  void parseRaw(const char* str, size_t len) override { value_.assign(str, len); }
  void write(std::ostream& os) const override { os << value_; }
  const std::string& value() const { return value_; }

 private:
  std::string value_;
};

struct RetryAfterTag { static constexpr const char kName[] = "Retry-After"; };
struct VaryTag { static constexpr const char kName[] = "Vary"; };
struct ContentTypeOptionsTag { static constexpr const char kName[] = "X-Content-Type-Options"; };
struct AccessControlMaxAgeTag { static constexpr const char kName[] = "Access-Control-Max-Age"; };
struct CacheControlTag { static constexpr const char kName[] = "Cache-Control"; };
struct AccelBufferingTag { static constexpr const char kName[] = "X-Accel-Buffering"; };
struct SetCookieTag { static constexpr const char kName[] = "Set-Cookie"; };

using RetryAfter = TextHeader<RetryAfterTag>;
using Vary = TextHeader<VaryTag>;
using ContentTypeOptions = TextHeader<ContentTypeOptionsTag>;
using AccessControlMaxAge = TextHeader<AccessControlMaxAgeTag>;
using AccelBuffering = TextHeader<AccelBufferingTag>;
// Set-Cookie as exact text: the session cookie needs SameSite, which Pistache's Cookie type does not write.
using SetCookie = TextHeader<SetCookieTag>;
// Cache-Control as exact text (Pistache's typed one has no `immutable`).
using CacheControlText = TextHeader<CacheControlTag>;

// Any request header by name, typed or raw.
std::optional<std::string> header_value(const Pistache::Http::Request& request, std::string_view name);

std::string ascii_lower(std::string text);

}  // namespace spanline::http
