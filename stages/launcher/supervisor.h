#pragma once
// Runs each stage as its own child process, restarts one that dies (with
// exponential backoff, reset after it stayed up a while), and stops them all in
// reverse start order on request: SIGTERM first, SIGKILL after a grace period.
//
// Threads: one thread calls everything (the launcher's main loop).

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "stages/common/status.h"

namespace spanline::launcher {

struct StageSpec {
  std::string name;                // "wal"
  std::string binary;              // absolute path
  std::vector<std::string> args;   // without argv[0]
};

class Supervisor {
 public:
  explicit Supervisor(std::vector<StageSpec> stages);

  Status start_all();
  // Reaps children that exited and restarts those whose backoff has passed.
  void tick();
  void stop_all(std::chrono::milliseconds grace);

 private:
  struct Child {
    StageSpec spec;
    pid_t pid = -1;
    std::chrono::steady_clock::time_point started;
    std::chrono::steady_clock::time_point restart_at;
    std::chrono::milliseconds backoff{200};
    int restarts = 0;
  };
  Status spawn(Child& child);

  std::vector<Child> children_;
};

}  // namespace spanline::launcher
