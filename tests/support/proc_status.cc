#include "tests/support/proc_status.h"

#include <dirent.h>

#include <fstream>
#include <string>

namespace spanline::testing {

ProcStatus read_proc_status(pid_t pid) {
  ProcStatus out;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) out.threads = std::stoi(line.substr(8));
    if (line.rfind("VmRSS:", 0) == 0) out.rss_mb = std::stod(line.substr(6)) / 1024.0;  // kB
    if (line.rfind("VmHWM:", 0) == 0) out.peak_rss_mb = std::stod(line.substr(6)) / 1024.0;
  }
  if (DIR* fds = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str())) {
    while (dirent* entry = ::readdir(fds)) {
      if (entry->d_name[0] != '.') ++out.open_fds;
    }
    ::closedir(fds);
  }
  return out;
}

}  // namespace spanline::testing
