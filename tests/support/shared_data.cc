#include "tests/support/shared_data.h"

#include <filesystem>

namespace spanline::testing {

std::optional<std::string> shared_file(const std::string& relative) {
  std::string path = std::string(SPANLINE_SHARED_DIR) + "/" + relative;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
  return path;
}

std::string shared_missing_reason(const std::string& relative) {
  std::error_code ec;
  if (!std::filesystem::is_directory(SPANLINE_SHARED_DIR, ec)) {
    return "needs ../shared/" + relative + ": this clone has no ../shared (see README Tests)";
  }
  return "needs ../shared/" + relative + ": " + SPANLINE_SHARED_DIR + " has no such file (see README Tests)";
}

}  // namespace spanline::testing
