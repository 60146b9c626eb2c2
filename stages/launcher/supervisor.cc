#include "stages/launcher/supervisor.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <thread>

#include "base/log.h"

extern char** environ;

namespace spanline::launcher {

using std::chrono::steady_clock;

namespace {
constexpr std::chrono::milliseconds kMaxBackoff{10'000};
constexpr std::chrono::seconds kHealthyAfter{30};
// How often stop_all looks whether a stage has exited: short, because the stop
// of an idle pipeline is the sum of its groups' stop times.
constexpr std::chrono::milliseconds kStopPoll{5};

int64_t millis_since(steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(steady_clock::now() - start).count();
}

std::string how_it_ended(int wait_status) {
  if (WIFSIGNALED(wait_status)) return "signal " + std::to_string(WTERMSIG(wait_status));
  return "exit code " + std::to_string(WEXITSTATUS(wait_status));
}

// An operator (or the kernel's OOM killer) ended it; not a failure of the stage.
bool killed_from_outside(int wait_status) {
  if (!WIFSIGNALED(wait_status)) return false;
  int sig = WTERMSIG(wait_status);
  return sig == SIGKILL || sig == SIGTERM || sig == SIGINT;
}

// Runs in the child between fork and exec: async-signal-safe calls only (the
// launcher may have had other threads holding locks when it forked).
[[noreturn]] void become_stage(const char* binary, char* const argv[], pid_t launcher, int exec_error_fd) {
  // The launcher blocks termination signals for sigwait; stages must not inherit
  // that, nor the launcher's ignored SIGPIPE.
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  sigemptyset(&default_action.sa_mask);
  ::sigaction(SIGPIPE, &default_action, nullptr);
  int error = 0;
  if (::prctl(PR_SET_PDEATHSIG, SIGTERM) != 0) {
    error = errno;
  } else if (::getppid() != launcher) {
    // The launcher died before the request above took effect: nobody would
    // stop this stage, so it does not start.
    ::_exit(1);
  } else {
    ::execve(binary, argv, environ);
    error = errno;
  }
  [[maybe_unused]] auto written = ::write(exec_error_fd, &error, sizeof error);
  ::_exit(127);
}

}  // namespace

Supervisor::Supervisor(std::vector<StageSpec> stages) {
  for (auto& spec : stages) children_.push_back({std::move(spec)});
}

Status Supervisor::spawn(Child& child) {
  std::vector<char*> argv;
  argv.push_back(child.spec.binary.data());
  for (auto& arg : child.spec.args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  // The child reports a failed exec through this pipe; a successful exec closes
  // it (O_CLOEXEC), so an empty read means the stage runs.
  int exec_error[2];
  if (::pipe2(exec_error, O_CLOEXEC) != 0) {
    return Status(Code::unavailable, "cannot start " + child.spec.binary + ": pipe: " + std::strerror(errno));
  }
  pid_t launcher = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    int error = errno;
    ::close(exec_error[0]);
    ::close(exec_error[1]);
    return Status(Code::unavailable, "cannot start " + child.spec.binary + ": fork: " + std::strerror(error));
  }
  if (pid == 0) {
    ::close(exec_error[0]);
    become_stage(child.spec.binary.c_str(), argv.data(), launcher, exec_error[1]);
  }
  ::close(exec_error[1]);
  int child_error = 0;
  ssize_t got = 0;
  do {
    got = ::read(exec_error[0], &child_error, sizeof child_error);
  } while (got < 0 && errno == EINTR);
  ::close(exec_error[0]);
  if (got > 0) {
    ::waitpid(pid, nullptr, 0);
    return Status(Code::unavailable, "cannot start " + child.spec.binary + ": " + std::strerror(child_error));
  }
  child.pid = pid;
  child.started = steady_clock::now();
  ++generation_;
  log::info("stage started", {{"child", child.spec.name}, {"child_pid", pid}, {"restarts", child.restarts}});
  return Status::ok();
}

Status Supervisor::start_all() {
  for (Child& child : children_) {
    if (Status started = spawn(child); !started.is_ok()) return started;
  }
  return Status::ok();
}

Status Supervisor::tick() {
  auto now = steady_clock::now();
  for (Child& child : children_) {
    if (child.pid > 0) {
      int status = 0;
      pid_t done = ::waitpid(child.pid, &status, WNOHANG);
      if (done != child.pid) continue;
      auto ran = now - child.started;
      if (ran > kHealthyAfter) child.backoff = std::chrono::milliseconds(200);
      child.pid = -1;
      ++generation_;
      std::string how = how_it_ended(status);
      if (ran < kStartWindow && !killed_from_outside(status)) {
        ++child.start_failures;
      } else {
        child.start_failures = 0;
      }
      if (child.start_failures >= kStartFailuresToGiveUp) {
        log::error("stage keeps failing at start; stopping the pipeline",
                   {{"child", child.spec.name}, {"how", how}, {"failures_in_a_row", child.start_failures}});
        return Status(Code::failed_precondition,
                      "the " + child.spec.name + " stage ended " + std::to_string(child.start_failures) +
                          " times in a row within " + std::to_string(kStartWindow.count() / 1000) +
                          " s of starting (last: " + how + "); its own error is logged above (a port in use, an option, "
                          "the data folder)");
      }
      log::warn("stage died; restarting", {{"child", child.spec.name}, {"how", how}, {"after_ms", child.backoff.count()}});
      child.restart_at = now + child.backoff;
      child.backoff = std::min(child.backoff * 2, kMaxBackoff);
    } else if (now >= child.restart_at) {
      ++child.restarts;
      if (Status restarted = spawn(child); !restarted.is_ok()) {
        log::error("restart failed", {{"child", child.spec.name}, {"error", restarted.to_string()}});
        child.restart_at = now + child.backoff;
      }
    }
  }
  return Status::ok();
}

void Supervisor::stop_all(std::chrono::milliseconds grace) {
  auto began = steady_clock::now();
  std::set<int> groups;
  for (const Child& child : children_) groups.insert(child.spec.stop_group);
  for (int group : groups) {
    std::vector<Child*> stopping;
    for (Child& child : children_) {
      if (child.spec.stop_group != group || child.pid <= 0) continue;
      ::kill(child.pid, SIGTERM);
      stopping.push_back(&child);
    }
    auto signalled = steady_clock::now();
    auto deadline = signalled + grace;
    auto stopped = [&](Child& child, int status) {
      log::info("stage stopped", {{"child", child.spec.name}, {"how", how_it_ended(status)}, {"after_ms", millis_since(signalled)}});
      child.pid = -1;
    };
    for (;;) {
      bool waiting = false;
      for (Child* child : stopping) {
        if (child->pid <= 0) continue;
        int status = 0;
        pid_t done = ::waitpid(child->pid, &status, WNOHANG);
        if (done == child->pid || (done < 0 && errno == ECHILD)) {
          stopped(*child, status);
        } else {
          waiting = true;
        }
      }
      if (!waiting) break;
      if (steady_clock::now() > deadline) {
        for (Child* child : stopping) {
          if (child->pid <= 0) continue;
          log::warn("stage did not stop in time; killing it", {{"child", child->spec.name}, {"grace_ms", grace.count()}});
          ::kill(child->pid, SIGKILL);
          int status = 0;
          ::waitpid(child->pid, &status, 0);
          stopped(*child, status);
        }
        break;
      }
      std::this_thread::sleep_for(kStopPoll);
    }
  }
  log::info("every stage stopped", {{"after_ms", millis_since(began)}});
}

std::vector<RunningStage> Supervisor::running() const {
  std::vector<RunningStage> out;
  for (const Child& child : children_) {
    if (child.pid > 0) out.push_back({child.spec.name, child.pid});
  }
  return out;
}

}  // namespace spanline::launcher
