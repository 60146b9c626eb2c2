#pragma once
// `spanline user ...`, `spanline key ...` and `spanline signing-key rotate`:
// headless administration, asked of the running auth-responder over the bus
// (it alone owns meta.sqlite). Each returns the process exit code.

#include <string>
#include <vector>

#include "bus/security/bus_key.h"

namespace spanline::launcher {

struct AdminArgs {
  std::string auth_endpoint;
  std::vector<std::string> positional;  // e.g. {"key", "revoke", "<id>"}
  std::string email;
  std::string password;  // empty: read one line from stdin
  std::string name;
  bool json = false;
  bus::BusKey bus_key;
};

int run_admin_command(const AdminArgs& args);

}  // namespace spanline::launcher
