#include "stages/launcher/commands.h"

#include <cstdio>
#include <string_view>

#include "bus/context.h"
#include "stages/launcher/keygen.h"
#include "stages/launcher/setup_token.h"
#include "stages/launcher/shard_commands.h"
#include "stages/launcher/up.h"

namespace spanline::launcher {
namespace {

int run_admin(LauncherConfig& config, const std::vector<std::string>& positional, const bus::BusKey& bus_key) {
  AdminArgs admin = config.admin;
  admin.auth_endpoint = expand_data_dir(admin.auth_endpoint, config.data_dir);
  admin.positional = positional;
  admin.bus_key = bus_key;
  return run_admin_command(admin);
}

struct Command {
  std::string_view name;
  bool uses_the_bus;  // the bus key is read (and must be valid) before it runs
  int (*run)(LauncherConfig& config, const std::vector<std::string>& positional, const bus::BusKey& bus_key);
};

constexpr Command kCommands[] = {
    {"up", true, [](LauncherConfig& config, const std::vector<std::string>&, const bus::BusKey& key) { return up(config, key); }},
    // The indexer binary reads the bus key itself.
    {"reindex", false, [](LauncherConfig& config, const std::vector<std::string>&, const bus::BusKey&) { return reindex_command(config); }},
    {"delete", false, [](LauncherConfig& config, const std::vector<std::string>&, const bus::BusKey&) { return delete_command(config); }},
    {"user", true, run_admin},
    {"key", true, run_admin},
    {"signing-key", true, run_admin},
    {"setup-token", true,
     [](LauncherConfig& config, const std::vector<std::string>&, const bus::BusKey& key) {
       return setup_token_command(key, expand_data_dir(config.admin.auth_endpoint, config.data_dir));
     }},
    {"keygen", false, [](LauncherConfig& config, const std::vector<std::string>&, const bus::BusKey&) { return keygen(config.keygen_out); }},
};

}  // namespace

std::string usage_line() {
  std::string usage;
  for (const Command& command : kCommands) {
    if (!usage.empty()) usage += '|';
    usage += command.name;
  }
  return usage + " [options]";
}

int run_command(LauncherConfig& config, const std::vector<std::string>& positional) {
  const std::string_view name = positional.empty() ? std::string_view() : std::string_view(positional[0]);
  const Command* found = nullptr;
  for (const Command& command : kCommands) {
    if (command.name == name) found = &command;
  }
  bus::BusKey bus_key;
  if (found == nullptr || found->uses_the_bus) {
    auto key = bus::bus_key_or_explain("spanline", config.curve_secret_key);
    if (!key) return 2;
    bus_key = *key;
  }
  if (found == nullptr) {
    std::string names;
    for (size_t i = 0; i < std::size(kCommands); ++i) {
      names += i == 0 ? "" : i + 1 == std::size(kCommands) ? " or " : ", ";
      names += kCommands[i].name;
    }
    std::fprintf(stderr, "spanline: say what to do: %s (see --help)\n", names.c_str());
    return 2;
  }
  return found->run(config, positional, bus_key);
}

}  // namespace spanline::launcher
