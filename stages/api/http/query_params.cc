#include "stages/api/http/query_params.h"

#include <charconv>
#include <cstdio>
#include <ctime>

#include "base/options.h"

namespace spanline::api {
namespace {

// Well-formed UTF-8 as RFC 3629 defines it: no overlong forms (C0 AF for '/'),
// no UTF-16 surrogates (ED A0 80), nothing past U+10FFFF. Anything else would
// pass here and fail later, in a JSON encoder or a database, as a 500.
bool valid_utf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t extra = 0;
    unsigned char low = 0x80, high = 0xBF;  // the allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      if (c == 0xE0) low = 0xA0;   // overlong below U+0800
      if (c == 0xED) high = 0x9F;  // U+D800..U+DFFF are surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      if (c == 0xF0) low = 0x90;   // overlong below U+10000
      if (c == 0xF4) high = 0x8F;  // past U+10FFFF
    } else {
      return false;  // C0, C1 (overlong), F5..FF, or a continuation byte with no lead
    }
    if (i + extra >= text.size()) return false;
    auto second = static_cast<unsigned char>(text[i + 1]);
    if (second < low || second > high) return false;
    for (size_t k = 2; k <= extra; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2) return false;
    }
    i += extra + 1;
  }
  return true;
}

Status bad(const std::string& name, const std::string& expected) {
  return Status(Code::invalid_argument, "parameter '" + name + "': " + expected);
}

}  // namespace

Result<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return Status(Code::invalid_argument, "truncated percent escape");
      int high = digit(text[i + 1]), low = digit(text[i + 2]);
      if (high < 0 || low < 0) return Status(Code::invalid_argument, "invalid percent escape");
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  if (out.find('\0') != std::string::npos) return Status(Code::invalid_argument, "NUL byte in the URL");
  if (!valid_utf8(out)) return Status(Code::invalid_argument, "the URL is not valid UTF-8 once decoded");
  return out;
}

Status QueryParams::only(const std::vector<std::string_view>& known) const {
  for (const auto& [name, value] : values_) {
    bool found = false;
    for (std::string_view k : known) found = found || k == name;
    if (found) continue;
    std::string list;
    for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    std::string shown = name.size() > 40 ? name.substr(0, 40) + "..." : name;
    return Status(Code::invalid_argument, "unknown parameter '" + shown + "'; this route takes: " + (list.empty() ? "none" : list));
  }
  return Status::ok();
}

std::optional<std::string> QueryParams::text(const std::string& name) const {
  auto found = values_.find(name);
  if (found == values_.end() || found->second.empty()) return std::nullopt;
  return found->second;
}

Result<std::optional<std::string>> QueryParams::text(const std::string& name, size_t min_size, size_t max_size) const {
  auto value = text(name);
  if (!value) return std::optional<std::string>();
  if (value->size() < min_size) return bad(name, "at least " + std::to_string(min_size) + " characters");
  if (value->size() > max_size) return bad(name, "at most " + std::to_string(max_size) + " characters");
  return value;
}

Result<std::optional<int64_t>> QueryParams::integer(const std::string& name, int64_t min, int64_t max) const {
  auto value = text(name);
  if (!value) return std::optional<int64_t>();
  int64_t number = 0;
  auto [end, error] = std::from_chars(value->data(), value->data() + value->size(), number);
  if (error != std::errc() || end != value->data() + value->size()) return bad(name, "an integer");
  if (number < min || number > max) return bad(name, "between " + std::to_string(min) + " and " + std::to_string(max));
  return std::optional<int64_t>(number);
}

Result<std::optional<bool>> QueryParams::boolean(const std::string& name) const {
  auto value = text(name);
  if (!value) return std::optional<bool>();
  if (*value == "true" || *value == "1") return std::optional<bool>(true);
  if (*value == "false" || *value == "0") return std::optional<bool>(false);
  return bad(name, "true or false");
}

Result<std::optional<std::chrono::nanoseconds>> QueryParams::duration(const std::string& name) const {
  auto value = text(name);
  if (!value) return std::optional<std::chrono::nanoseconds>();
  if (value->size() > 32) return bad(name, "a duration such as 250ms, 2s or 1h");
  auto parsed = parse_duration(*value);
  // parse_duration goes up to INT64_MAX milliseconds; in nanoseconds that overflows.
  constexpr auto kMax = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::nanoseconds::max());
  if (!parsed || *parsed > kMax) return bad(name, "a duration such as 250ms, 2s or 1h");
  return std::optional<std::chrono::nanoseconds>(std::chrono::duration_cast<std::chrono::nanoseconds>(*parsed));
}

Result<std::optional<int64_t>> QueryParams::time(const std::string& name) const {
  auto value = text(name);
  if (!value) return std::optional<int64_t>();
  const std::string& v = *value;
  // The end of 2261: later times overflow int64 nanoseconds.
  constexpr int64_t kMaxMillis = 9214646399999;
  constexpr int kMaxYear = 2261;
  if (v.find_first_not_of("0123456789") == std::string::npos) {
    int64_t millis = 0;
    auto [end, error] = std::from_chars(v.data(), v.data() + v.size(), millis);
    if (error != std::errc() || end != v.data() + v.size() || millis > kMaxMillis) return bad(name, "unix milliseconds or an RFC 3339 time");
    return std::optional<int64_t>(millis * 1'000'000);
  }
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, consumed = 0;
  if (v.size() > 40 || std::sscanf(v.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute, &second, &consumed) != 6 ||
      month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60 || year < 1970 || year > kMaxYear) {
    return bad(name, "unix milliseconds or an RFC 3339 time such as 2026-11-23T10:00:00Z");
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  int64_t nanos = static_cast<int64_t>(timegm(&tm)) * 1'000'000'000;
  std::string_view rest(v.c_str() + consumed);
  if (!rest.empty() && rest[0] == '.') {
    size_t digits = 1;
    int64_t fraction = 0, scale = 100'000'000;
    while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') {
      if (scale > 0) fraction += (rest[digits] - '0') * scale;
      scale /= 10;
      ++digits;
    }
    nanos += fraction;
    rest.remove_prefix(digits);
  }
  if (rest == "Z" || rest == "z") return std::optional<int64_t>(nanos);
  int offset_hours = 0, offset_minutes = 0;
  if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') &&
      std::sscanf(std::string(rest.substr(1)).c_str(), "%2d:%2d", &offset_hours, &offset_minutes) == 2) {
    int64_t offset = (static_cast<int64_t>(offset_hours) * 3600 + offset_minutes * 60) * 1'000'000'000;
    return std::optional<int64_t>(rest[0] == '+' ? nanos - offset : nanos + offset);
  }
  return bad(name, "an RFC 3339 time needs a zone: Z or +hh:mm");
}

Status check_hex_id(std::string_view value, size_t hex_digits, std::string_view what) {
  if (value.size() != hex_digits || value.find_first_not_of("0123456789abcdefABCDEF") != std::string_view::npos) {
    return Status(Code::invalid_argument, std::string(what) + " must be " + std::to_string(hex_digits) + " hex digits");
  }
  return Status::ok();
}

}  // namespace spanline::api
