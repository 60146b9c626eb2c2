#include "tests/support/process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

#include <cstring>
#include <string_view>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace spanline::testing {

std::string bin_path(const std::string& name) { return std::string(SPANLINE_BIN_DIR) + "/" + name; }

Process::Process(std::string binary, std::vector<std::string> args, std::string log_path,
                 std::map<std::string, std::string> env)
    : binary_(std::move(binary)), args_(std::move(args)), log_path_(std::move(log_path)), env_(std::move(env)) {}

Process::~Process() {
  if (pid_ > 0) kill_hard();
}

void Process::start() {
  // Everything the child needs is built before fork: between fork and exec the child
  // may only make async-signal-safe calls (another thread of this test could hold a
  // lock that malloc or setenv wants, and the child would hang before its first line).
  std::map<std::string, std::string> merged;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view pair(*entry);
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos) merged.emplace(std::string(pair.substr(0, eq)), std::string(pair.substr(eq + 1)));
  }
  for (const auto& [key, value] : env_) merged[key] = value;
  std::vector<std::string> env_strings;
  env_strings.reserve(merged.size());
  for (const auto& [key, value] : merged) env_strings.push_back(key + "=" + value);
  std::vector<char*> envp;
  for (auto& entry : env_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::vector<char*> argv;
  argv.push_back(binary_.data());
  for (auto& arg : args_) argv.push_back(arg.data());
  argv.push_back(nullptr);
  static constexpr char kExecFailed[] = "exec of the stage binary failed\n";

  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
      ::dup2(fd, STDERR_FILENO);
      ::dup2(fd, STDOUT_FILENO);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(binary_.c_str(), argv.data(), envp.data());
    [[maybe_unused]] ssize_t written = ::write(STDERR_FILENO, kExecFailed, sizeof(kExecFailed) - 1);
    ::_exit(127);
  }
  pid_ = pid;
}

std::string Process::describe() const {
  if (pid_ <= 0) return binary_ + ": not running";
  std::ifstream stat("/proc/" + std::to_string(pid_) + "/stat");
  std::string line;
  std::getline(stat, line);
  // pid (comm) state ...: the state letter follows the last ')'.
  size_t close = line.rfind(')');
  std::string state = close != std::string::npos && close + 2 < line.size() ? line.substr(close + 2, 1) : "?";
  std::ifstream wchan_file("/proc/" + std::to_string(pid_) + "/wchan");
  std::string wchan;
  std::getline(wchan_file, wchan);
  std::ifstream task_dir("/proc/" + std::to_string(pid_) + "/status");
  std::string threads;
  for (std::string status_line; std::getline(task_dir, status_line);) {
    if (status_line.rfind("Threads:", 0) == 0) threads = status_line.substr(8);
  }
  return binary_ + ": pid " + std::to_string(pid_) + ", state " + state + ", waiting in " + (wchan.empty() ? "?" : wchan) +
         ", threads" + threads;
}

void Process::kill_hard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

int Process::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return 0;
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill_hard();
      return -SIGKILL;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

void Process::pause() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void Process::resume() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

double Process::rss_mb() const {
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // kB
  }
  return 0;
}

bool Process::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

std::string Process::log() const {
  std::ifstream in(log_path_);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

int run_command(const std::vector<std::string>& argv_in, std::string* out, std::chrono::milliseconds timeout) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return -1;
  std::vector<std::string> copy = argv_in;  // built before fork, as in Process::start
  std::vector<char*> argv;
  for (auto& arg : copy) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  ::fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
  std::string collected;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    char buffer[65536];
    ssize_t n;
    while ((n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0) collected.append(buffer, static_cast<size_t>(n));
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      while ((n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0) collected.append(buffer, static_cast<size_t>(n));
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      ::close(pipe_fds[0]);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::close(pipe_fds[0]);
  if (out != nullptr) *out = std::move(collected);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return ready();
}

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  int port = ntohs(address.sin_port);
  ::close(fd);
  return port;
}

bool port_open(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

}  // namespace spanline::testing
