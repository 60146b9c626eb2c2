#pragma once
// What a process costs, read from /proc/<pid>/status and /proc/<pid>/fd: the
// figures the hostile-load tests hold each stage to.

#include <sys/types.h>

namespace spanline::testing {

struct ProcStatus {
  int threads = 0;
  double rss_mb = 0;       // VmRSS: resident now
  double peak_rss_mb = 0;  // VmHWM: the most it has been resident
  int open_fds = 0;
};

// Zeroes when the process is gone.
ProcStatus read_proc_status(pid_t pid);

}  // namespace spanline::testing
