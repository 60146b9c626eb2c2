#include "base/log.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace spanline::log {
namespace {

// Set once by init() before threads start, then only read.
struct Settings {
  std::string stage = "spanline";
  Level level = Level::info;
  std::mutex write_mutex;
};

Settings& settings() {
  static Settings instance;
  return instance;
}

std::string_view level_name(Level level) {
  switch (level) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}

void append_timestamp(std::string& out) {
  auto now = std::chrono::system_clock::now();
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis % 1000));
  out += buf;
}

}  // namespace

bool parse_level(std::string_view text, Level& out) {
  if (text == "debug") out = Level::debug;
  else if (text == "info") out = Level::info;
  else if (text == "warn" || text == "warning") out = Level::warn;
  else if (text == "error") out = Level::error;
  else return false;
  return true;
}

Field::Field(std::string_view key, std::string_view value) : key_(key) { append_json_string(json_, value); }

Field::Field(std::string_view key, double value) : key_(key) {
  if (std::isfinite(value)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", value);
    json_ = buf;
  } else {
    json_ = "null";
  }
}

void init(std::string_view stage, Level level) {
  settings().stage = std::string(stage);
  settings().level = level;
}

void write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  Settings& s = settings();
  if (level < s.level) return;
  std::string line;
  line.reserve(128);
  line += "{\"ts\":\"";
  append_timestamp(line);
  line += "\",\"level\":\"";
  line += level_name(level);
  line += "\",\"stage\":";
  append_json_string(line, s.stage);
  line += ",\"pid\":";
  line += std::to_string(::getpid());
  line += ",\"msg\":";
  append_json_string(line, message);
  for (const Field& field : fields) {
    line += ',';
    append_json_string(line, field.key());
    line += ':';
    line += field.json_value();
  }
  line += "}\n";
  std::lock_guard lock(s.write_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

}  // namespace spanline::log
