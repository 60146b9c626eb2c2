#pragma once
// Runs a real stage binary as a child process for integration and fault tests:
// start, SIGTERM/SIGKILL, wait, and read what it logged. The child's stderr goes
// to a file so a failing test can print it.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace spanline::testing {

std::string bin_path(const std::string& name);  // a binary of this build

class Process {
 public:
  Process(std::string binary, std::vector<std::string> args, std::string log_path,
          std::map<std::string, std::string> env = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  void start();
  void kill_hard();                // SIGKILL, then reap
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(10));  // SIGTERM; exit code (-signal if killed)
  bool running();
  void pause();   // SIGSTOP: a stage stuck on a slow disk, or descheduled
  void resume();  // SIGCONT
  double rss_mb() const;  // resident memory now, from /proc (0 when not running)
  pid_t pid() const { return pid_; }
  std::string log() const;
  // Pid, scheduler state and where it waits, from /proc: what a "did not come up" names.
  std::string describe() const;

 private:
  std::string binary_;
  std::vector<std::string> args_;
  std::string log_path_;
  std::map<std::string, std::string> env_;
  pid_t pid_ = -1;
};

// Runs a command to completion and returns its exit code; stdout into `out`.
int run_command(const std::vector<std::string>& argv, std::string* out = nullptr,
                std::chrono::milliseconds timeout = std::chrono::seconds(120));

// Polls `ready` every 20 ms until it returns true or `timeout` passes.
bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds timeout = std::chrono::seconds(15));

// A TCP port that was free a moment ago on 127.0.0.1.
int free_port();
// Whether something accepts TCP connections on 127.0.0.1:port.
bool port_open(int port);

}  // namespace spanline::testing
