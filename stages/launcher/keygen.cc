#include "stages/launcher/keygen.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "bus/security/bus_key.h"

namespace spanline::launcher {

int keygen(const std::string& out_path) {
  auto key = bus::generate_bus_key();
  if (!key) {
    std::fprintf(stderr, "spanline keygen: %s\n", key.status().to_string().c_str());
    return 1;
  }
  char created[32];
  std::time_t now = std::time(nullptr);
  std::strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  std::string text = bus::key_file_text(*key, created);
  if (out_path.empty()) {
    std::fputs(text.c_str(), stdout);
    return 0;
  }
  int fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::fprintf(stderr, "spanline keygen: cannot create %s: %s%s\n", out_path.c_str(), std::strerror(errno),
                 errno == EEXIST ? " (keygen never overwrites a key file)" : "");
    return 1;
  }
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    std::fprintf(stderr, "spanline keygen: cannot write %s\n", out_path.c_str());
    return 1;
  }
  std::printf("wrote the bus key to %s (public key %s)\n"
              "give every stage SPANLINE_CURVE_SECRET_KEY=%s (or --curve-secret-key)\n",
              out_path.c_str(), key->public_z85.c_str(), out_path.c_str());
  return 0;
}

}  // namespace spanline::launcher
