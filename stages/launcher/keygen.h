#pragma once

#include <string>

namespace spanline::launcher {

// `spanline keygen`: a new bus key pair, printed or written to a new file only
// its owner can read. Never overwrites: replacing a deployment's key is a
// decision, not a side effect. Returns the exit code.
int keygen(const std::string& out_path);

}  // namespace spanline::launcher
