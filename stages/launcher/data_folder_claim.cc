#include "stages/launcher/data_folder_claim.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>

namespace spanline::launcher {
namespace {

constexpr std::array<std::string_view, 5> kStageBinaries = {"spanline-wal", "spanline-auth", "spanline-gateway",
                                                           "spanline-indexer", "spanline-api"};

std::string read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<std::string> split_nul(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\0', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string normalized(const std::string& folder, const std::string& relative_to) {
  std::filesystem::path path(folder);
  if (path.is_relative()) path = std::filesystem::path(relative_to) / path;
  std::string text = path.lexically_normal().string();
  if (text.size() > 1 && text.back() == '/') text.pop_back();
  return text;
}

// The stage binary a process runs ("spanline-wal"), or nothing.
std::optional<std::string> stage_binary(const std::vector<std::string>& argv) {
  if (argv.empty()) return std::nullopt;
  std::string base = std::filesystem::path(argv[0]).filename().string();
  for (std::string_view stage : kStageBinaries) {
    if (base == stage) return base;
  }
  return std::nullopt;
}

// The data folder a stage process uses, resolved the way its options resolve it.
std::string data_dir_of(pid_t pid, const std::vector<std::string>& argv) {
  std::error_code ec;
  std::string cwd = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/cwd", ec).string();
  std::optional<std::string> folder;
  for (size_t i = 1; i < argv.size(); ++i) {
    if (argv[i] == "--data-dir" && i + 1 < argv.size()) folder = argv[i + 1];
    if (argv[i].starts_with("--data-dir=")) folder = argv[i].substr(std::strlen("--data-dir="));
  }
  if (!folder) {
    for (const std::string& entry : split_nul(read_whole("/proc/" + std::to_string(pid) + "/environ"))) {
      if (entry.starts_with("SPANLINE_DATA_DIR=")) folder = entry.substr(std::strlen("SPANLINE_DATA_DIR="));
    }
  }
  return normalized(folder.value_or("./spanline-data"), cwd);
}

std::string describe(const std::vector<RunningStage>& stages) {
  std::string out;
  for (const RunningStage& stage : stages) {
    if (!out.empty()) out += ", ";
    out += stage.name + " (pid " + std::to_string(stage.pid) + ")";
  }
  return out;
}

std::string pid_list(const std::vector<RunningStage>& stages) {
  std::string out;
  for (const RunningStage& stage : stages) {
    out += ' ';
    out += std::to_string(stage.pid);
  }
  return out;
}

// What the holder of the lock wrote: "launcher <pid>" first, then its stages.
std::vector<RunningStage> read_record(int fd) {
  std::string text(4096, '\0');
  ssize_t got = ::pread(fd, text.data(), text.size(), 0);
  text.resize(got > 0 ? static_cast<size_t>(got) : 0);
  std::vector<RunningStage> out;
  std::istringstream lines(text);
  std::string name;
  pid_t pid = 0;
  while (lines >> name >> pid) out.push_back({name, pid});
  return out;
}

}  // namespace

std::vector<RunningStage> stages_using(const std::string& data_dir) {
  std::vector<RunningStage> found;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return found;
  const pid_t self = ::getpid();
  while (dirent* entry = ::readdir(proc)) {
    char* end = nullptr;
    long number = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || number <= 0 || number == self) continue;
    pid_t pid = static_cast<pid_t>(number);
    // A zombie's command line reads empty, so it is passed over: it runs nothing.
    auto argv = split_nul(read_whole("/proc/" + std::to_string(pid) + "/cmdline"));
    auto binary = stage_binary(argv);
    if (!binary || data_dir_of(pid, argv) != data_dir) continue;
    found.push_back({*binary, pid});
  }
  ::closedir(proc);
  return found;
}

Result<std::unique_ptr<DataFolderClaim>> DataFolderClaim::acquire(const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir + "/run", ec);
  std::string path = data_dir + "/run/launcher.lock";
  // O_CLOEXEC: the stages must not inherit the lock, or a stage still stopping
  // would look like a live launcher.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Status(Code::unavailable, "cannot open " + path + ": " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int error = errno;
    if (error != EWOULDBLOCK) {
      ::close(fd);
      return Status(Code::unavailable, "cannot lock " + path + ": " + std::strerror(error));
    }
    std::vector<RunningStage> record = read_record(fd);
    ::close(fd);
    std::string launcher = "another launcher";
    std::vector<RunningStage> stages;
    for (const RunningStage& entry : record) {
      if (entry.name == "launcher") {
        launcher += " (pid " + std::to_string(entry.pid) + ")";
      } else {
        stages.push_back(entry);
      }
    }
    return Status(Code::failed_precondition,
                  "the data folder " + data_dir + " is in use by " + launcher +
                      (stages.empty() ? std::string() : " running " + describe(stages)) +
                      "; stop it first, or give this one another --data-dir (the lock is " + path + ")");
  }
  auto claim = std::unique_ptr<DataFolderClaim>(new DataFolderClaim(fd, path));
  if (auto left = stages_using(data_dir); !left.empty()) {
    return Status(Code::failed_precondition,
                  "stages of the data folder " + data_dir + " are still running without a launcher: " + describe(left) +
                      "; stop them first (kill" + pid_list(left) + ") and run this again");
  }
  claim->record({});
  return claim;
}

DataFolderClaim::~DataFolderClaim() {
  // Emptied, not deleted (see the header); closing drops the lock.
  [[maybe_unused]] int truncated = ::ftruncate(fd_, 0);
  ::close(fd_);
}

void DataFolderClaim::record(const std::vector<RunningStage>& stages) {
  std::string text = "launcher " + std::to_string(::getpid()) + "\n";
  for (const RunningStage& stage : stages) text += stage.name + " " + std::to_string(stage.pid) + "\n";
  // A reader may catch the file between these two calls and see less: it only
  // names pids in a message, and the lock, not the text, decides who runs.
  [[maybe_unused]] int truncated = ::ftruncate(fd_, 0);
  [[maybe_unused]] ssize_t written = ::pwrite(fd_, text.data(), text.size(), 0);
}

}  // namespace spanline::launcher
