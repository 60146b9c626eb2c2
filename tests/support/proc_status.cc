#include "tests/support/proc_status.h"

#include <dirent.h>

#include <algorithm>
#include <chrono>
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

ProcSampler::ProcSampler(pid_t pid) : pid_(pid) {
  thread_ = std::thread([this] {
    while (!stop_) {
      sample();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
}

ProcSampler::~ProcSampler() { finish(); }

ProcStatus ProcSampler::finish() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  sample();
  std::lock_guard lock(mutex_);
  return peak_;
}

void ProcSampler::sample() {
  ProcStatus now = read_proc_status(pid_);
  std::lock_guard lock(mutex_);
  peak_.threads = std::max(peak_.threads, now.threads);
  peak_.rss_mb = std::max(peak_.rss_mb, now.rss_mb);
  peak_.peak_rss_mb = std::max(peak_.peak_rss_mb, now.peak_rss_mb);
  peak_.open_fds = std::max(peak_.open_fds, now.open_fds);
}

}  // namespace spanline::testing
