#pragma once
// Structured logs: one JSON object per line on stderr, so a person can read them
// and a log shipper can parse them. Configured once in main() before any thread
// starts; after that the settings are read-only and writing is thread-safe.

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace spanline::log {

enum class Level : uint8_t { debug, info, warn, error };

// Parses "debug", "info", "warn", "error"; anything else leaves `out` unchanged and returns false.
bool parse_level(std::string_view text, Level& out);

// A key and a value already rendered as JSON (quoted and escaped for strings).
class Field {
 public:
  Field(std::string_view key, std::string_view value);
  Field(std::string_view key, const char* value) : Field(key, std::string_view(value)) {}
  Field(std::string_view key, const std::string& value) : Field(key, std::string_view(value)) {}
  Field(std::string_view key, bool value) : key_(key), json_(value ? "true" : "false") {}
  template <std::integral T>
  Field(std::string_view key, T value) : key_(key), json_(std::to_string(value)) {}
  Field(std::string_view key, double value);

  std::string_view key() const { return key_; }
  const std::string& json_value() const { return json_; }

 private:
  std::string_view key_;
  std::string json_;
};

void init(std::string_view stage, Level level);

void write(Level level, std::string_view message, std::initializer_list<Field> fields);
inline void debug(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::debug, m, f); }
inline void info(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::info, m, f); }
inline void warn(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::warn, m, f); }
inline void error(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::error, m, f); }

// Appends `text` to `out` as a quoted JSON string.
void append_json_string(std::string& out, std::string_view text);

}  // namespace spanline::log
