#pragma once
// The real auth-responder for tests: spanline-auth on a data folder, and API
// keys made the way an operator makes them (`spanline key create`).

#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace spanline::testing {

class AuthStage {
 public:
  AuthStage(std::string data_dir, std::vector<std::string> extra_args = {});
  // Starts it and waits until it answers; the first start also creates api_key().
  void start();
  Process& process() const { return *process_; }
  // A key made at the first start, for every client of the pipeline.
  const std::string& api_key() const { return api_key_; }
  // Runs `spanline <args...> --data-dir D`; returns stdout, throws on failure.
  std::string admin(std::vector<std::string> args) const;
  // A fresh key: {"id", "name", "key", ...}.
  std::string create_key(const std::string& name, std::string* id = nullptr) const;

 private:
  std::string data_dir_;
  std::unique_ptr<Process> process_;
  std::string api_key_;
};

}  // namespace spanline::testing
