#include "base/fd_limit.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "base/log.h"

namespace spanline {

namespace {

// An unlimited hard limit cannot be the soft one: the kernel caps descriptors at fs.nr_open.
rlim_t usable_hard_limit(rlim_t hard) {
  if (hard != RLIM_INFINITY) return hard;
  std::ifstream nr_open("/proc/sys/fs/nr_open");
  uint64_t value = 0;
  return nr_open >> value && value > 0 ? static_cast<rlim_t>(value) : static_cast<rlim_t>(1) << 20;
}

}  // namespace

OpenFilesLimit raise_open_files_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    log::warn("cannot read the open files limit", {{"error", std::strerror(errno)}});
    return {};
  }
  OpenFilesLimit result{limit.rlim_cur, limit.rlim_cur};
  const rlim_t target = usable_hard_limit(limit.rlim_max);
  if (limit.rlim_cur >= target) {
    log::info("open files limit", {{"limit", static_cast<uint64_t>(limit.rlim_cur)}});
    return result;
  }
  const rlim_t before = limit.rlim_cur;
  limit.rlim_cur = target;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    log::warn("cannot raise the open files limit",
              {{"limit", static_cast<uint64_t>(before)}, {"hard_limit", static_cast<uint64_t>(target)}, {"error", std::strerror(errno)}});
    return result;
  }
  result.now = limit.rlim_cur;
  log::info("open files limit raised from " + std::to_string(before) + " to " + std::to_string(limit.rlim_cur),
            {{"from", static_cast<uint64_t>(before)}, {"to", static_cast<uint64_t>(limit.rlim_cur)}});
  return result;
}

}  // namespace spanline
