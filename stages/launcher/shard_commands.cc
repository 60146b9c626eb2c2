#include "stages/launcher/shard_commands.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace spanline::launcher {
namespace {

int run_indexer_command(const LauncherConfig& config, const std::string& command, const std::vector<std::string>& flags) {
  std::vector<std::string> args = {"spanline-indexer", command, "--data-dir", config.data_dir, "--partitions",
                                   config.indexer_partitions()};
  if (!config.curve_secret_key.empty()) args.insert(args.end(), {"--curve-secret-key", config.curve_secret_key});
  args.insert(args.end(), flags.begin(), flags.end());
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const std::string path = config.binary("spanline-indexer");
  std::fflush(nullptr);
  ::execv(path.c_str(), argv.data());
  std::fprintf(stderr, "spanline %s: cannot run %s: %s\n", command.c_str(), path.c_str(), std::strerror(errno));
  return 1;
}

}  // namespace

int delete_command(const LauncherConfig& config) {
  return run_indexer_command(config, "delete", {"--service", config.service, "--before", std::to_string(config.before_unix_seconds)});
}

int reindex_command(const LauncherConfig& config) { return run_indexer_command(config, "reindex", {"--wal-endpoint", config.wal_endpoint}); }

}  // namespace spanline::launcher
