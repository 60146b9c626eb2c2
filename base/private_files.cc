#include "base/private_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "base/log.h"

namespace spanline {
namespace {

constexpr mode_t kGroupAndOthers = S_IRWXG | S_IRWXO;

std::string octal(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// Takes group and other bits off `path` (not following a symbolic link). True when it changed something.
bool tighten(const std::string& path, const struct stat& info, PrivateDataFolder& counts) {
  if ((info.st_mode & kGroupAndOthers) == 0) return false;
  if (::chmod(path.c_str(), info.st_mode & 07777 & ~kGroupAndOthers) != 0) {
    if (counts.not_changed++ == 0) {
      log::warn("cannot make a data folder entry private to its owner", {{"path", path}, {"error", std::strerror(errno)}});
    }
    return false;
  }
  return true;
}

}  // namespace

void create_files_private() { ::umask(kGroupAndOthers); }

PrivateDataFolder make_data_folder_private(const std::string& data_dir) {
  create_files_private();
  PrivateDataFolder counts;
  struct stat top{};
  // The data folder itself may be a symbolic link (to another disk): its target is what is tightened.
  if (data_dir.empty() || ::stat(data_dir.c_str(), &top) != 0 || !S_ISDIR(top.st_mode)) return counts;
  if (tighten(data_dir, top, counts)) {
    counts.folder_tightened = true;
    log::info("data folder permissions tightened from " + octal(top.st_mode) + " to " +
                  octal(top.st_mode & ~kGroupAndOthers),
              {{"path", data_dir}});
  }
  std::error_code ec;
  std::filesystem::recursive_directory_iterator it(data_dir, std::filesystem::directory_options::skip_permission_denied, ec);
  for (; !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    const std::string path = it->path().string();
    struct stat info{};
    // lstat: a symbolic link is not followed (its target may be anywhere) and the iterator does not descend into one.
    if (::lstat(path.c_str(), &info) != 0 || S_ISLNK(info.st_mode)) continue;
    if (!tighten(path, info, counts)) continue;
    if (S_ISDIR(info.st_mode)) {
      ++counts.folders_tightened;
    } else {
      ++counts.files_tightened;
    }
  }
  if (counts.folders_tightened > 0) {
    log::info(std::to_string(counts.folders_tightened) +
                  " folders inside the data folder were open to group or others; now private to their owner",
              {{"path", data_dir}, {"folders", counts.folders_tightened}});
  }
  if (counts.files_tightened > 0) {
    log::info(std::to_string(counts.files_tightened) +
                  " files inside the data folder were readable by group or others; now private to their owner",
              {{"path", data_dir}, {"files", counts.files_tightened}});
  }
  if (counts.not_changed > 1) {
    log::warn("some data folder entries could not be made private (not owned by this user?)",
              {{"path", data_dir}, {"entries", counts.not_changed}});
  }
  return counts;
}

}  // namespace spanline

namespace spanline {
namespace {

Status file_error(const std::string& what, const std::string& path) {
  return Status(Code::internal, "cannot " + what + " " + path + ": " + std::strerror(errno));
}

Result<std::string> read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return file_error("read", path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Writes `content` to a new 0600 file at `path` and syncs it.
Status write_new_private(const std::string& path, const std::string& content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return file_error("create", path);
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status failed = file_error("write", path);
      ::close(fd);
      return failed;
    }
    written += static_cast<size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  return synced ? Status::ok() : file_error("sync", path);
}

}  // namespace

Result<std::string> read_or_create_private_file(const std::string& path, const std::function<std::string()>& make_content) {
  if (::access(path.c_str(), F_OK) == 0) return read_whole(path);
  const std::string staged = path + ".new." + std::to_string(::getpid()) + "." +
                             std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id()));
  if (Status s = write_new_private(staged, make_content()); !s.is_ok()) {
    ::unlink(staged.c_str());
    return s;
  }
  // link() refuses an existing name, so a racing writer that got there first wins and both read its file.
  const bool linked = ::link(staged.c_str(), path.c_str()) == 0;
  const int link_errno = errno;
  ::unlink(staged.c_str());
  if (!linked && link_errno != EEXIST) {
    errno = link_errno;
    return file_error("create", path);
  }
  return read_whole(path);
}

}  // namespace spanline
