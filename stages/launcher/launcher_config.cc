#include "stages/launcher/launcher_config.h"

#include <filesystem>

namespace spanline::launcher {

std::string LauncherConfig::binary(std::string_view name) const {
  std::string folder = bin_dir;
  if (folder.empty()) {
    std::error_code ec;
    auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    folder = ec ? std::string(".") : self.parent_path().string();
  }
  return folder + "/" + std::string(name);
}

}  // namespace spanline::launcher
