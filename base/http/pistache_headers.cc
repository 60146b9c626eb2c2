#include "base/http/pistache_headers.h"

#include <sstream>

namespace spanline::http {

std::optional<std::string> header_value(const Pistache::Http::Request& request, std::string_view name) {
  std::string key(name);
  if (auto raw = request.headers().tryGetRaw(key)) return raw->value();
  if (auto typed = request.headers().tryGet(key)) {
    std::ostringstream out;
    typed->write(out);
    return out.str();
  }
  return std::nullopt;
}

std::string ascii_lower(std::string text) {
  for (char& c : text) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return text;
}

}  // namespace spanline::http
