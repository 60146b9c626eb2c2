#include "tests/support/auth_stage.h"

#include <stdexcept>

#include <nlohmann/json.hpp>

namespace spanline::testing {

AuthStage::AuthStage(std::string data_dir, std::vector<std::string> extra_args) : data_dir_(std::move(data_dir)) {
  // A cheap scrypt cost keeps tests quick; production uses the default.
  std::vector<std::string> args = {"--data-dir", data_dir_, "--log-level", "debug", "--scrypt-log2-n", "10"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  process_ = std::make_unique<Process>(bin_path("spanline-auth"), args, data_dir_ + "/auth.log");
}

void AuthStage::start() {
  process_->start();
  bool up = wait_until([&] {
    std::string out;
    return run_command({bin_path("spanline"), "key", "list", "--json", "--data-dir", data_dir_}, &out) == 0;
  });
  if (!up) throw std::runtime_error("the auth-responder did not come up (" + process_->describe() + "):\n" + process_->log());
  if (api_key_.empty()) api_key_ = create_key("tests");
}

std::string AuthStage::admin(std::vector<std::string> args) const {
  std::vector<std::string> argv = {bin_path("spanline")};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--data-dir");
  argv.push_back(data_dir_);
  std::string out;
  int rc = run_command(argv, &out);
  if (rc != 0) throw std::runtime_error("spanline " + args.at(0) + " failed (" + std::to_string(rc) + "): " + out);
  return out;
}

std::string AuthStage::create_key(const std::string& name, std::string* id) const {
  auto reply = nlohmann::json::parse(admin({"key", "create", "--name", name, "--json"}));
  if (id != nullptr) *id = reply["id"].get<std::string>();
  return reply["key"].get<std::string>();
}

}  // namespace spanline::testing
