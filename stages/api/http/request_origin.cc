#include "stages/api/http/request_origin.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "base/http/pistache_headers.h"

namespace spanline::api {

namespace {

std::vector<std::string> split_list(const std::string& list) {
  std::vector<std::string> items;
  for (size_t begin = 0; begin <= list.size();) {
    size_t end = list.find(',', begin);
    if (end == std::string::npos) end = list.size();
    std::string item = list.substr(begin, end - begin);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) items.push_back(item);
    begin = end + 1;
  }
  return items;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

void add_unique(std::vector<std::string>& hosts, std::string host) {
  if (!host.empty() && std::find(hosts.begin(), hosts.end(), host) == hosts.end()) hosts.push_back(std::move(host));
}


}  // namespace

std::string cookie_value(const Pistache::Http::Request& request, const char* name) {
  try {
    const auto& jar = request.cookies();
    if (!jar.has(name)) return {};
    std::string value = jar.get(name).value;
    return value.size() <= 256 ? value : std::string();
  } catch (const std::exception&) {
    return {};
  }
}

Pistache::Http::Cookie device_cookie(const std::string& value, bool secure) {
  Pistache::Http::Cookie cookie(kDeviceCookie, value);
  cookie.path = "/api/v1/auth/sign-in";
  cookie.maxAge = kDeviceCookieMaxAgeSeconds;
  cookie.httpOnly = true;
  cookie.secure = secure;
  cookie.ext["SameSite"] = "Strict";
  return cookie;
}

std::optional<IpAddress> parse_ip(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  if (text.empty() || text.size() > 64) return std::nullopt;
  std::string copy(text);
  IpAddress out{};
  in_addr v4{};
  if (::inet_pton(AF_INET, copy.c_str(), &v4) == 1) {
    out[10] = 0xff;
    out[11] = 0xff;
    std::memcpy(out.data() + 12, &v4, 4);
    return out;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, copy.c_str(), &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    return out;
  }
  return std::nullopt;
}

bool is_loopback(const IpAddress& address) {
  static constexpr IpAddress kV6Loopback = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  const bool v4_mapped = std::all_of(address.begin(), address.begin() + 10, [](uint8_t b) { return b == 0; }) &&
                         address[10] == 0xff && address[11] == 0xff;
  return address == kV6Loopback || (v4_mapped && address[12] == 127);
}

bool IpRange::contains(const IpAddress& address) const {
  int bits = prefix_bits;
  for (size_t i = 0; i < address.size() && bits > 0; ++i, bits -= 8) {
    const uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((address[i] & mask) != (base[i] & mask)) return false;
  }
  return true;
}

std::optional<IpRange> parse_ip_range(std::string_view text) {
  text = trim(text);
  const size_t slash = text.find('/');
  auto address = parse_ip(text.substr(0, slash));
  if (!address) return std::nullopt;
  const bool v4 = text.substr(0, slash).find(':') == std::string_view::npos;
  IpRange range{*address, 128};
  if (slash == std::string_view::npos) return range;
  std::string_view bits = text.substr(slash + 1);
  if (bits.empty() || bits.size() > 3 || bits.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  const int prefix = std::stoi(std::string(bits));
  if (prefix > (v4 ? 32 : 128)) return std::nullopt;
  range.prefix_bits = v4 ? 96 + prefix : prefix;
  return range;
}

std::string host_name_of(std::string_view authority) {
  authority = trim(authority);
  std::string_view host = authority;
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    host = close == std::string_view::npos ? host.substr(1) : host.substr(1, close - 1);
  } else if (const size_t colon = host.rfind(':'); colon != std::string_view::npos && host.find(':') == colon) {
    host = host.substr(0, colon);  // one colon: host:port (an unbracketed IPv6 address is left whole)
  }
  std::string name = http::ascii_lower(std::string(host));
  while (!name.empty() && name.back() == '.') name.pop_back();
  return name;
}

Result<RequestOrigin> RequestOrigin::from(const ApiConfig& config) {
  RequestOrigin origin;
  origin.production_ = config.env == "production";
  for (const std::string& host : split_list(config.allowed_hosts)) {
    if (host == "*") origin.any_host_ = true;
    add_unique(origin.allowed_hosts_, host_name_of(host));
  }
  // Besides the flag: this host's own names, every allowed origin's host, and the address the api listens on.
  for (const char* own : {"localhost", "127.0.0.1", "::1"}) add_unique(origin.allowed_hosts_, own);
  for (const std::string& allowed : split_list(config.allow_origins)) {
    const size_t scheme_end = allowed.find("://");
    add_unique(origin.allowed_hosts_, host_name_of(scheme_end == std::string::npos ? allowed : allowed.substr(scheme_end + 3)));
  }
  add_unique(origin.allowed_hosts_, host_name_of(config.listen));
  for (const std::string& proxy : split_list(config.trusted_proxies)) {
    auto range = parse_ip_range(proxy);
    if (!range) {
      return Status(Code::invalid_argument,
                    "--trusted-proxies: '" + proxy + "' is not an IP address or CIDR range (e.g. 10.0.0.0/8, 172.18.0.5, fd00::/8)");
    }
    origin.trusted_proxies_.push_back(*range);
  }
  return origin;
}

bool RequestOrigin::trusted(const std::optional<IpAddress>& address) const {
  if (!address) return false;
  return std::any_of(trusted_proxies_.begin(), trusted_proxies_.end(), [&](const IpRange& range) { return range.contains(*address); });
}

void RequestOrigin::read(const Pistache::Http::Request& http, ApiRequest& request) const {
  request.device = cookie_value(http, kDeviceCookie);
  const std::string peer = request.address;
  auto forwarded_for = http::header_value(http, "X-Forwarded-For");
  const bool forwarded = forwarded_for || http::header_value(http, "Forwarded") || http::header_value(http, "X-Real-IP");
  std::string client = peer;
  bool through_untrusted_proxy = false;
  if (trusted(parse_ip(peer))) {
    // The rightmost address the trusted proxies did not add themselves is the client.
    if (forwarded_for) {
      std::vector<std::string> hops = split_list(*forwarded_for);
      for (auto hop = hops.rbegin(); hop != hops.rend(); ++hop) {
        auto address = parse_ip(*hop);
        if (!address) {
          through_untrusted_proxy = true;  // garbage in the chain: trust nothing before it
          break;
        }
        client = *hop;
        if (!trusted(address)) break;
      }
    }
    // A trusted proxy that names the client some other way: who it is stays unknown.
    if (!forwarded_for && forwarded) through_untrusted_proxy = true;
    auto proto = http::header_value(http, "X-Forwarded-Proto");
    if (proto && http::ascii_lower(std::string(trim(*proto))) == "https") request.scheme = "https";
  } else {
    through_untrusted_proxy = forwarded;
  }
  if (production_) request.scheme = "https";
  request.address = client;
  auto client_ip = parse_ip(client);
  request.from_loopback = client_ip && is_loopback(*client_ip) && !through_untrusted_proxy;
}

std::optional<ApiReply> RequestOrigin::refuse_host(const ApiRequest& request) const {
  if (any_host_ || request.host.empty()) return std::nullopt;
  const std::string name = host_name_of(request.host);
  if (std::find(allowed_hosts_.begin(), allowed_hosts_.end(), name) != allowed_hosts_.end()) return std::nullopt;
  std::string shown = name.substr(0, 100);
  for (char& c : shown) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  }
  return error_reply(421, "misdirected_request",
                     "this server does not answer to the host name '" + shown +
                         "'; if it is this deployment's own name, add it to --allowed-hosts (SPANLINE_ALLOWED_HOSTS)");
}

bool RequestOrigin::same_origin(const ApiRequest& request) {
  return !request.host.empty() && request.origin == request.scheme + "://" + request.host;
}

}  // namespace spanline::api
