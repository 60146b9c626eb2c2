#pragma once
// Runs each stage as its own child process, restarts one that dies (with
// exponential backoff, reset after it stayed up a while), and stops them all on
// request, group by group: SIGTERM first, SIGKILL after a grace period.
//
// How it works: each stage is started with fork + exec. Between the two the
// child asks the kernel for SIGTERM when the launcher dies (PR_SET_PDEATHSIG),
// then checks that the launcher is still its parent, so a launcher killed with
// SIGKILL, even while it was starting a stage, leaves no stage behind: each one
// gets the SIGTERM it would have had from `stop_all` and stops the same way.
// The parent-death signal is sent when the *thread* that forked exits, so every
// spawn must happen on the launcher's main thread (it has no other).
//
// Stop order: ascending `stop_group`; every stage of a group gets SIGTERM at once
// and the next group starts only when the whole group has exited (or was killed
// after `grace`). `spanline up` uses gateway -> api and indexers -> auth -> WAL:
// ingress first, so nothing is accepted that the stages behind it could no longer
// store; the WAL last, so no reader waits on a WAL that is already gone.
//
// A stage that keeps failing at start (exits, or crashes, within
// kStartWindow of being started, kStartFailuresToGiveUp times in a row: a port in
// use, a bad option, a data folder it cannot open) is not restarted forever:
// tick() answers an error naming the stage and how it ended, and the launcher
// stops the pipeline. Stages killed with SIGKILL, SIGTERM or SIGINT by someone
// else are always restarted: that is an operator or the kernel, not a start
// failure.
//
// Threads: one thread calls everything (the launcher's main loop).

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace spanline::launcher {

struct StageSpec {
  std::string name;                // "wal"
  std::string binary;              // absolute path
  std::vector<std::string> args;   // without argv[0]
  int stop_group = 0;              // stopped in ascending order; equal groups stop together
};

struct RunningStage {
  std::string name;
  pid_t pid = -1;
};

class Supervisor {
 public:
  // A stage that ends this soon after its start, kStartFailuresToGiveUp times in
  // a row, is failing at start.
  static constexpr std::chrono::milliseconds kStartWindow{5000};
  static constexpr int kStartFailuresToGiveUp = 3;

  explicit Supervisor(std::vector<StageSpec> stages);

  Status start_all();
  // Reaps children that exited and restarts those whose backoff has passed.
  // Answers failed_precondition when a stage keeps failing at start.
  Status tick();
  void stop_all(std::chrono::milliseconds grace);

  // The stages running now, and a number that changes whenever one starts or ends.
  std::vector<RunningStage> running() const;
  uint64_t generation() const { return generation_; }

 private:
  struct Child {
    StageSpec spec;
    pid_t pid = -1;
    std::chrono::steady_clock::time_point started;
    std::chrono::steady_clock::time_point restart_at;
    std::chrono::milliseconds backoff{200};
    int restarts = 0;
    int start_failures = 0;  // consecutive ends within kStartWindow of a start
  };
  Status spawn(Child& child);

  std::vector<Child> children_;
  uint64_t generation_ = 0;
};

}  // namespace spanline::launcher
