#include "base/private_files.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

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
