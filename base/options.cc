#include "base/options.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>

namespace spanline {
namespace {

// Builds "'text'" by appending: GCC 12 warns falsely (-Wrestrict) on "'" + std::string(...).
std::string quoted(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '\'';
  out += text;
  out += '\'';
  return out;
}

Result<uint64_t> parse_u64(std::string_view text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return Status(Code::invalid_argument, quoted(text) + " is not a non-negative whole number");
  }
  return value;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

std::string format_duration(std::chrono::milliseconds ms) {
  auto count = ms.count();
  if (count != 0 && count % 3'600'000 == 0) return std::to_string(count / 3'600'000) + "h";
  if (count != 0 && count % 60'000 == 0) return std::to_string(count / 60'000) + "m";
  if (count != 0 && count % 1000 == 0) return std::to_string(count / 1000) + "s";
  return std::to_string(count) + "ms";
}

}  // namespace

Options::Options(std::string program, std::string summary, std::string usage)
    : program_(std::move(program)), summary_(std::move(summary)), usage_(std::move(usage)) {}

std::string Options::env_name(std::string_view option_name) {
  std::string env = "SPANLINE_";
  for (char c : option_name) env += c == '-' ? '_' : static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return env;
}

Options& Options::add(std::string_view name, std::string* target, std::string help) {
  options_.push_back({std::string(name), env_name(name), *target, std::move(help), false,
                      [target](std::string_view v) {
                        *target = std::string(v);
                        return Status::ok();
                      }});
  return *this;
}

Options& Options::add(std::string_view name, bool* target, std::string help) {
  options_.push_back({std::string(name), env_name(name), *target ? "true" : "false", std::move(help), true,
                      [target, n = std::string(name)](std::string_view v) {
                        std::string l = lower(v);
                        if (l == "1" || l == "true" || l == "yes" || l == "on") *target = true;
                        else if (l == "0" || l == "false" || l == "no" || l == "off") *target = false;
                        else return Status(Code::invalid_argument, "--" + n + " takes true or false, not " + quoted(v));
                        return Status::ok();
                      }});
  return *this;
}

Options& Options::add(std::string_view name, std::chrono::milliseconds* target, std::string help) {
  options_.push_back({std::string(name), env_name(name), format_duration(*target), std::move(help), false,
                      [target, n = std::string(name)](std::string_view v) {
                        auto parsed = parse_duration(v);
                        if (!parsed) return Status(Code::invalid_argument, "--" + n + ": " + parsed.status().message());
                        *target = *parsed;
                        return Status::ok();
                      }});
  return *this;
}

Options& Options::add(std::string_view name, int64_t* target, std::string help) {
  options_.push_back({std::string(name), env_name(name), std::to_string(*target), std::move(help), false,
                      [target, n = std::string(name)](std::string_view v) {
                        int64_t value = 0;
                        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
                        if (ec != std::errc() || end != v.data() + v.size() || v.empty())
                          return Status(Code::invalid_argument, "--" + n + " takes a whole number, not " + quoted(v));
                        *target = value;
                        return Status::ok();
                      }});
  return *this;
}

Options& Options::add(std::string_view name, double* target, std::string help) {
  char shown[32];
  std::snprintf(shown, sizeof shown, "%g", *target);
  options_.push_back({std::string(name), env_name(name), shown, std::move(help), false,
                      [target, n = std::string(name)](std::string_view v) {
                        double value = 0;
                        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
                        if (ec != std::errc() || end != v.data() + v.size() || v.empty() || value < 0)
                          return Status(Code::invalid_argument, "--" + n + " takes a number >= 0, not " + quoted(v));
                        *target = value;
                        return Status::ok();
                      }});
  return *this;
}

Options& Options::add_unsigned(std::string_view name, std::string default_text, std::string help,
                               std::function<void(uint64_t)> assign, uint64_t max) {
  options_.push_back({std::string(name), env_name(name), std::move(default_text), std::move(help), false,
                      [assign = std::move(assign), max, n = std::string(name)](std::string_view v) {
                        auto parsed = parse_byte_size(v);
                        if (!parsed) return Status(Code::invalid_argument, "--" + n + ": " + parsed.status().message());
                        if (*parsed > max)
                          return Status(Code::invalid_argument, "--" + n + ": " + std::string(v) + " is larger than " + std::to_string(max));
                        assign(*parsed);
                        return Status::ok();
                      }});
  return *this;
}

Options::Option* Options::find(std::string_view name) {
  for (Option& option : options_) {
    if (option.name == name) return &option;
  }
  return nullptr;
}

Result<Options::Parsed> Options::parse(int argc, const char* const* argv) {
  for (Option& option : options_) {
    if (const char* value = std::getenv(option.env.c_str()); value != nullptr) {
      Status status = option.set(value);
      if (!status.is_ok()) return Status(Code::invalid_argument, option.env + ": " + status.message());
    }
  }
  Parsed parsed;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(help_text().c_str(), stdout);
      parsed.exit_now = true;
      return parsed;
    }
    if (arg == "--print-config-table") {
      std::fputs(markdown_table().c_str(), stdout);
      parsed.exit_now = true;
      return parsed;
    }
    if (arg == "--") {
      for (++i; i < argc; ++i) parsed.positional.emplace_back(argv[i]);
      break;
    }
    if (!arg.starts_with("--")) {
      parsed.positional.emplace_back(arg);
      continue;
    }
    std::string_view body = arg.substr(2);
    std::string_view name = body;
    std::string_view value;
    bool has_value = false;
    if (auto eq = body.find('='); eq != std::string_view::npos) {
      name = body.substr(0, eq);
      value = body.substr(eq + 1);
      has_value = true;
    }
    Option* option = find(name);
    if (option == nullptr) {
      return Status(Code::invalid_argument, "unknown option --" + std::string(name) + " (see --help)");
    }
    if (!has_value) {
      if (option->is_switch) {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return Status(Code::invalid_argument, "--" + std::string(name) + " needs a value");
      }
    }
    Status status = option->set(value);
    if (!status.is_ok()) return status;
  }
  return parsed;
}

std::string Options::help_text() const {
  std::string out = "Usage: " + program_ + " " + usage_ + "\n\n" + summary_ + "\n\nOptions (flag, environment variable, default):\n";
  for (const Option& option : options_) {
    out += "  --" + option.name + (option.is_switch ? "" : " VALUE") + "\n";
    out += "      " + option.help + "\n";
    out += "      env " + option.env + ", default: " + (option.default_text.empty() ? "(empty)" : option.default_text) + "\n";
  }
  out += "  --help\n      Print this help and exit.\n";
  out += "  --print-config-table\n      Print the options as a Markdown table (used for the README) and exit.\n";
  return out;
}

std::string Options::markdown_table() const {
  std::string out = "| flag | environment | default | meaning |\n|---|---|---|---|\n";
  for (const Option& option : options_) {
    out += "| `--" + option.name + "` | `" + option.env + "` | `" + option.default_text + "` | " + option.help + " |\n";
  }
  return out;
}

Result<uint64_t> parse_byte_size(std::string_view text) {
  std::string l = lower(text);
  uint64_t multiplier = 1;
  auto strip = [&](std::string_view suffix, uint64_t m) {
    if (l.size() > suffix.size() && l.ends_with(suffix)) {
      l.resize(l.size() - suffix.size());
      multiplier = m;
      return true;
    }
    return false;
  };
  strip("kib", 1ULL << 10) || strip("mib", 1ULL << 20) || strip("gib", 1ULL << 30) || strip("kb", 1ULL << 10) ||
      strip("mb", 1ULL << 20) || strip("gb", 1ULL << 30) || strip("k", 1ULL << 10) || strip("m", 1ULL << 20) ||
      strip("g", 1ULL << 30);
  auto number = parse_u64(l);
  if (!number) return Status(Code::invalid_argument, quoted(text) + " is not a size such as 4096, 64k or 16MiB");
  if (*number > UINT64_MAX / multiplier) return Status(Code::invalid_argument, quoted(text) + " is too large");
  return *number * multiplier;
}

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::string l = lower(text);
  int64_t multiplier = 1;
  auto strip = [&](std::string_view suffix, int64_t m) {
    if (l.size() > suffix.size() && l.ends_with(suffix)) {
      l.resize(l.size() - suffix.size());
      multiplier = m;
      return true;
    }
    return false;
  };
  strip("ms", 1) || strip("s", 1000) || strip("m", 60'000) || strip("h", 3'600'000) || strip("d", 86'400'000);
  auto number = parse_u64(l);
  if (!number || *number > static_cast<uint64_t>(INT64_MAX / multiplier)) {
    return Status(Code::invalid_argument, quoted(text) + " is not a duration such as 250ms, 2s, 5m or 7d");
  }
  return std::chrono::milliseconds(static_cast<int64_t>(*number) * multiplier);
}

Result<std::vector<uint32_t>> parse_uint_list(std::string_view text) {
  std::vector<uint32_t> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string_view item = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    auto dash = item.find('-');
    auto first = parse_u64(item.substr(0, dash));
    auto last = dash == std::string_view::npos ? first : parse_u64(item.substr(dash + 1));
    if (!first || !last || *last < *first || *last > 65535) {
      return Status(Code::invalid_argument, quoted(text) + " is not a list such as 0,1,3 or 0-3");
    }
    for (uint64_t v = *first; v <= *last; ++v) out.push_back(static_cast<uint32_t>(v));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string format_uint_list(std::vector<uint32_t> numbers) {
  std::sort(numbers.begin(), numbers.end());
  numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
  std::string out;
  for (size_t i = 0; i < numbers.size();) {
    size_t last = i;
    while (last + 1 < numbers.size() && numbers[last + 1] == numbers[last] + 1) ++last;
    if (!out.empty()) out += ',';
    out += std::to_string(numbers[i]);
    if (last > i) out += '-' + std::to_string(numbers[last]);
    i = last + 1;
  }
  return out;
}

std::string expand_data_dir(std::string text, const std::string& data_dir) {
  static constexpr std::string_view kPlaceholder = "{data-dir}";
  for (size_t at = text.find(kPlaceholder); at != std::string::npos; at = text.find(kPlaceholder, at + data_dir.size())) {
    text.replace(at, kPlaceholder.size(), data_dir);
  }
  return text;
}

}  // namespace spanline
