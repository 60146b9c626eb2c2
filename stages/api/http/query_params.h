#pragma once
// Parsing what arrives in a URL: percent-decoding (Pistache hands query values
// and paths over raw) and typed, bounded reads of query parameters. Every error
// names the parameter and what was expected, for a 400 the user can act on.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace spanline::api {

// application/x-www-form-urlencoded decoding ('+' is a space when `plus_is_space`);
// invalid escapes, NUL bytes and invalid UTF-8 are errors.
Result<std::string> percent_decode(std::string_view text, bool plus_is_space);

class QueryParams {
 public:
  explicit QueryParams(const std::map<std::string, std::string>& values) : values_(values) {}

  // Names outside `known` are an error, so a misspelt filter is not silently ignored.
  Status only(const std::vector<std::string_view>& known) const;

  std::optional<std::string> text(const std::string& name) const;
  Result<std::optional<std::string>> text(const std::string& name, size_t min_size, size_t max_size) const;
  Result<std::optional<int64_t>> integer(const std::string& name, int64_t min, int64_t max) const;
  Result<std::optional<bool>> boolean(const std::string& name) const;
  // "250ms", "2s", "1h", or a bare number of milliseconds.
  Result<std::optional<std::chrono::nanoseconds>> duration(const std::string& name) const;
  // Unix milliseconds or RFC 3339 ("2026-11-23T10:00:00Z"), as unix nanoseconds.
  Result<std::optional<int64_t>> time(const std::string& name) const;

 private:
  const std::map<std::string, std::string>& values_;
};

// A 32-hex-digit trace id or 16-hex-digit span id, as given in a path.
Status check_hex_id(std::string_view value, size_t hex_digits, std::string_view what);

}  // namespace spanline::api
