#pragma once
// Where a request comes from, decided once before any route runs:
//  - the Host allow-list: a browser tricked by DNS rebinding sends the
//    attacker's name as Host (its page's origin), so a Host that names none of
//    the deployment's own names is answered 421 before anything else; an
//    attacker's page then can neither read from nor set up this deployment;
//  - the client's address: the TCP peer's, or, when the peer is one of
//    --trusted-proxies, the nearest untrusted address in X-Forwarded-For (a
//    header from any other peer is ignored, since anyone can write it);
//  - whether the client is on this host's loopback interface (first-user setup
//    needs that or a setup token): a request forwarded by an untrusted proxy
//    (a forwarding header from a peer not in --trusted-proxies) is not, even
//    when that proxy connects over loopback;
//  - the scheme the browser used: https with --env production or when a
//    trusted proxy says X-Forwarded-Proto: https, else http. Same-origin
//    checks compare it, so an https:// Origin is not this plain-http site.
//
// Threads: immutable after construction; every HTTP worker reads it.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pistache/http.h>

#include "stages/api/config/api_config.h"
#include "stages/api/http/api_types.h"

namespace spanline::api {

// Given on each successful sign-in, sent back on sign-in only (its Path): its
// sign-ins are not slowed by other people's failures (sign_in_throttle.h).
inline constexpr const char* kDeviceCookie = "spanline_device";
inline constexpr int kDeviceCookieMaxAgeSeconds = 30 * 24 * 3600;  // the auth-responder's device lifetime
// The Set-Cookie of a new device cookie: HttpOnly, SameSite=Strict, Secure in production, Path the sign-in route.
Pistache::Http::Cookie device_cookie(const std::string& value, bool secure);

// The value of cookie `name`, or empty: when absent, longer than 256 bytes, or
// when Pistache's cookie jar throws on a malformed Cookie header (a malformed
// cookie is simply none).
std::string cookie_value(const Pistache::Http::Request& request, const char* name);

// An IPv4 address is held as its IPv4-mapped IPv6 form (::ffff:a.b.c.d).
using IpAddress = std::array<uint8_t, 16>;
std::optional<IpAddress> parse_ip(std::string_view text);
bool is_loopback(const IpAddress& address);

// An address or a CIDR range ("10.0.0.0/8", "fd00::/8", "192.0.2.7").
struct IpRange {
  IpAddress base{};
  int prefix_bits = 128;
  bool contains(const IpAddress& address) const;
};
std::optional<IpRange> parse_ip_range(std::string_view text);

// The host name of a Host header or an origin's authority, lower-case, without
// port, brackets or a trailing dot: "Example.COM.:80" -> "example.com", "[::1]:1323" -> "::1".
std::string host_name_of(std::string_view authority);

class RequestOrigin {
 public:
  // Fails (invalid_argument) on an unparsable --trusted-proxies entry.
  static Result<RequestOrigin> from(const ApiConfig& config);

  // Fills request.address, from_loopback and scheme from the peer and the forwarding headers.
  void read(const Pistache::Http::Request& http, ApiRequest& request) const;
  // 421 naming the flag to set, when the Host header names none of the allowed hosts.
  std::optional<ApiReply> refuse_host(const ApiRequest& request) const;
  // A state-changing request's Origin is this site's own: same scheme, host and port.
  static bool same_origin(const ApiRequest& request);

  const std::vector<std::string>& allowed_hosts() const { return allowed_hosts_; }

 private:
  bool trusted(const std::optional<IpAddress>& address) const;

  bool any_host_ = false;
  std::vector<std::string> allowed_hosts_;
  std::vector<IpRange> trusted_proxies_;
  bool production_ = false;
};

}  // namespace spanline::api
