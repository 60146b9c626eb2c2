#pragma once
// Command-line and environment configuration for every binary, from one table per
// binary: the same table prints --help and the README's configuration table, so
// the two cannot drift. Each option `--foo-bar` is also read from the environment
// as SPANLINE_FOO_BAR; a flag beats the environment, which beats the default.

#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace spanline {

class Options {
 public:
  Options(std::string program, std::string summary, std::string usage = "[options]");

  // Each add() records the target's current value as the documented default.
  Options& add(std::string_view name, std::string* target, std::string help);
  Options& add(std::string_view name, bool* target, std::string help);
  Options& add(std::string_view name, std::chrono::milliseconds* target, std::string help);
  Options& add(std::string_view name, int64_t* target, std::string help);
  Options& add(std::string_view name, double* target, std::string help);
  template <std::unsigned_integral T>
  Options& add(std::string_view name, T* target, std::string help) {
    return add_unsigned(name, std::to_string(*target), std::move(help),
                        [target](uint64_t v) { *target = static_cast<T>(v); }, static_cast<uint64_t>(T(~T(0))));
  }

  struct Parsed {
    bool exit_now = false;  // --help or --print-config-table was handled
    std::vector<std::string> positional;
  };
  // Reads the environment, then argv. Unknown flags and bad values are errors
  // that name the option.
  Result<Parsed> parse(int argc, const char* const* argv);

  std::string help_text() const;
  std::string markdown_table() const;

  static std::string env_name(std::string_view option_name);

 private:
  struct Option {
    std::string name;
    std::string env;
    std::string default_text;
    std::string help;
    bool is_switch = false;
    std::function<Status(std::string_view)> set;
  };
  Options& add_unsigned(std::string_view name, std::string default_text, std::string help,
                        std::function<void(uint64_t)> assign, uint64_t max);
  Option* find(std::string_view name);

  std::string program_;
  std::string summary_;
  std::string usage_;
  std::vector<Option> options_;
};

// Parses "16MiB", "64k", "1g", "4096" (binary multiples) into a byte count.
Result<uint64_t> parse_byte_size(std::string_view text);
// Parses "250ms", "2s", "5m", "1h", "7d" or a plain number of milliseconds.
Result<std::chrono::milliseconds> parse_duration(std::string_view text);
// Parses "0,1,3" or "0-3" into partition numbers.
Result<std::vector<uint32_t>> parse_uint_list(std::string_view text);
// The inverse: numbers as such a list, each run of consecutive numbers a range
// ("0-3,6,8-9"); sorted and without repeats whatever the input's order.
std::string format_uint_list(std::vector<uint32_t> numbers);

// Replaces "{data-dir}" in `text` with `data_dir`: endpoints default to ipc paths
// inside the data folder, wherever the user put it.
std::string expand_data_dir(std::string text, const std::string& data_dir);

}  // namespace spanline
