#include "tests/support/shared_data.h"

#include <cctype>
#include <filesystem>

#include "tests/support/process.h"

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

PythonKit python_kit(const std::string& scratch_dir) {
  const std::string setup_relative = "clients/python/setup.sh";
  auto setup = shared_file(setup_relative);
  if (!setup) return {"", shared_missing_reason(setup_relative)};
  std::string python_path;
  const int exit_code = run_command({"bash", *setup, scratch_dir}, &python_path);
  if (exit_code != 0) {
    return {"", "../shared/" + setup_relative + " could not prepare the Python kit (exit " + std::to_string(exit_code) + ")"};
  }
  while (!python_path.empty() && std::isspace(static_cast<unsigned char>(python_path.back()))) python_path.pop_back();
  return {python_path, ""};
}

}  // namespace spanline::testing
