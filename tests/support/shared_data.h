#pragma once
// Files the team keeps beside the project, in ../shared (real telemetry written by
// other projects: the official OTLP/JSON examples, Junjo's contract fixtures).
// A clone made outside the team has no ../shared: a test that only makes sense
// with one of those files asks shared_file() and skips, saying why, when it is
// missing; the project-made data in junjo_workflow.h and otlp_json_writer.h
// covers the same paths either way.
//
//   TEST(X, Y) {
//     SPANLINE_SKIP_WITHOUT_SHARED("fixtures/otlp/trace.json");
//     ...
//   }

#include <optional>
#include <string>

namespace spanline::testing {

// The absolute path of ../shared/<relative> when that file exists, else nullopt.
std::optional<std::string> shared_file(const std::string& relative);
// Why a test that needs ../shared/<relative> is skipped: "needs ../shared/fixtures/otlp/trace.json:
// this clone has no ../shared (see README Tests)", or that the folder lacks the file.
std::string shared_missing_reason(const std::string& relative);

// The real Python clients of ../shared/clients/python, ready to run: the
// PYTHONPATH its setup.sh prints (the links it makes go in `scratch_dir`), or,
// with python_path empty, why a test that needs them is skipped.
struct PythonKit {
  std::string python_path;
  std::string missing_reason;
};
PythonKit python_kit(const std::string& scratch_dir);

}  // namespace spanline::testing

// Returns from the calling test as skipped when ../shared/<relative> is missing.
#define SPANLINE_SKIP_WITHOUT_SHARED(relative)                        \
  do {                                                                \
    if (!::spanline::testing::shared_file(relative)) {                \
      GTEST_SKIP() << ::spanline::testing::shared_missing_reason(relative); \
    }                                                                 \
  } while (false)
