#pragma once
// What a process costs, read from /proc/<pid>/status and /proc/<pid>/fd: the
// figures the hostile-load tests hold each stage to.

#include <sys/types.h>

#include <atomic>
#include <mutex>
#include <thread>

namespace spanline::testing {

struct ProcStatus {
  int threads = 0;
  double rss_mb = 0;       // VmRSS: resident now
  double peak_rss_mb = 0;  // VmHWM: the most it has been resident (the kernel's own peak)
  int open_fds = 0;
};

// Zeroes when the process is gone.
ProcStatus read_proc_status(pid_t pid);

// Samples a process every 20 ms while an attack runs and keeps the peaks of
// each figure (peak_rss_mb is the kernel's VmHWM, so nothing between samples is missed).
class ProcSampler {
 public:
  explicit ProcSampler(pid_t pid);
  ~ProcSampler();
  ProcSampler(const ProcSampler&) = delete;
  ProcSampler& operator=(const ProcSampler&) = delete;

  // Stops sampling; the peaks seen.
  ProcStatus finish();

 private:
  void sample();

  pid_t pid_;
  std::mutex mutex_;
  ProcStatus peak_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace spanline::testing
