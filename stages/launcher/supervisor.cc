#include "stages/launcher/supervisor.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "stages/common/log.h"

extern char** environ;

namespace spanline::launcher {

using std::chrono::steady_clock;

namespace {
constexpr std::chrono::milliseconds kMaxBackoff{10'000};
constexpr std::chrono::seconds kHealthyAfter{30};
}  // namespace

Supervisor::Supervisor(std::vector<StageSpec> stages) {
  for (auto& spec : stages) children_.push_back({std::move(spec)});
}

Status Supervisor::spawn(Child& child) {
  std::vector<char*> argv;
  argv.push_back(child.spec.binary.data());
  for (auto& arg : child.spec.args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  // The launcher blocks termination signals for sigwait; children must not inherit that.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, child.spec.binary.c_str(), nullptr, &attributes, argv.data(), environ);
  posix_spawnattr_destroy(&attributes);
  if (rc != 0) {
    return Status(Code::unavailable, "cannot start " + child.spec.binary + ": " + std::strerror(rc));
  }
  child.pid = pid;
  child.started = steady_clock::now();
  log::info("stage started", {{"child", child.spec.name}, {"child_pid", pid}, {"restarts", child.restarts}});
  return Status::ok();
}

Status Supervisor::start_all() {
  for (Child& child : children_) {
    if (Status started = spawn(child); !started.is_ok()) return started;
  }
  return Status::ok();
}

void Supervisor::tick() {
  auto now = steady_clock::now();
  for (Child& child : children_) {
    if (child.pid > 0) {
      int status = 0;
      pid_t done = ::waitpid(child.pid, &status, WNOHANG);
      if (done != child.pid) continue;
      bool stayed_up = now - child.started > kHealthyAfter;
      if (stayed_up) child.backoff = std::chrono::milliseconds(200);
      std::string how = WIFSIGNALED(status) ? std::string("signal ") + std::to_string(WTERMSIG(status))
                                            : "exit code " + std::to_string(WEXITSTATUS(status));
      log::warn("stage died; restarting", {{"child", child.spec.name}, {"how", how}, {"after_ms", child.backoff.count()}});
      child.pid = -1;
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
}

void Supervisor::stop_all(std::chrono::milliseconds grace) {
  // Reverse start order: ingress stops first, so nothing is accepted that the
  // stages behind it could no longer store.
  for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
    Child& child = *it;
    if (child.pid <= 0) continue;
    ::kill(child.pid, SIGTERM);
    auto deadline = steady_clock::now() + grace;
    int status = 0;
    while (::waitpid(child.pid, &status, WNOHANG) == 0) {
      if (steady_clock::now() > deadline) {
        log::warn("stage did not stop in time; killing it", {{"child", child.spec.name}});
        ::kill(child.pid, SIGKILL);
        ::waitpid(child.pid, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    log::info("stage stopped", {{"child", child.spec.name}});
    child.pid = -1;
  }
}

}  // namespace spanline::launcher
