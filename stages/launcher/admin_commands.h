#pragma once
// `spanline user ...`, `spanline key ...` and `spanline signing-key rotate`:
// headless administration, asked of the running auth-responder over the bus
// (it alone owns meta.sqlite). Each returns the process exit code. The CLI acts
// as the operator: whoever may reach the bus on this host may read meta.sqlite
// anyway, so it is not held to a web user's role. Names and emails are printed
// with control characters escaped, so a key name cannot drive the terminal.

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
  std::string role;  // user create: admin, member (default) or viewer
  bool json = false;
  bus::BusKey bus_key;
};

int run_admin_command(const AdminArgs& args);

// `text` with C0 controls, DEL, C1 controls and bytes that are not UTF-8 shown
// as \xNN / \u{NNNN}, and backslashes doubled: safe to print to a terminal.
std::string printable(const std::string& text);

}  // namespace spanline::launcher
