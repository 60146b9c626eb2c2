// spanline: the command-line front door. `spanline up` runs the whole pipeline
// on one machine with embedded defaults; the other commands administer it.
#include <cstdio>

#include "base/options.h"
#include "base/private_files.h"
#include "base/signals.h"
#include "stages/launcher/commands.h"
#include "stages/launcher/launcher_config.h"

namespace {

constexpr const char* kSummary =
    "Spanline: an observability server for AI workflows.\n"
    "Commands:\n"
    "  up       start every stage as its own process (wal, auth, gateway, indexer, api), restart any that\n"
    "           dies, stop all on Ctrl-C or SIGTERM\n"
    "  reindex  rebuild every shard from what the WAL still holds (stop the indexers first;\n"
    "           the WAL must run), with a progress bar\n"
    "  delete   delete a service's data: spanline delete --service S [--before UNIX_SECONDS]\n"
    "  user create --email E [--password P] [--role admin|member|viewer]   add a user (password read\n"
    "           from stdin when not given; role member unless given)\n"
    "  user list | user delete <id> (revokes their keys) | user role <id> admin|member|viewer\n"
    "  key create --name N   create an ingest API key (owned by the first admin); prints it once\n"
    "  key list (with owners) | key revoke <id>\n"
    "  signing-key rotate   replace the JWT signing key (tokens already issued stay valid)\n"
    "  setup-token   a one-time token for first-user setup from another machine (while no user exists)\n"
    "  keygen [--out FILE]  a new bus CURVE key pair for --curve-secret-key (printed, or written to a new\n"
    "           file readable by its owner only)\n"
    "The user, key and signing-key commands ask the running auth-responder (--auth-endpoint).";

}  // namespace

int main(int argc, char** argv) {
  using namespace spanline;
  block_termination_signals();
  // Whatever a command creates in the data folder (shards, the claim file, sockets) is for this user only.
  create_files_private();
  launcher::LauncherConfig config;
  Options options("spanline", kSummary, launcher::usage_line());
  config.register_options(options);
  auto parsed = options.parse(argc, argv);
  if (!parsed) {
    std::fprintf(stderr, "spanline: %s\n", parsed.status().message().c_str());
    return 2;
  }
  if (parsed->exit_now) return 0;
  if (Status checked = config.check(); !checked.is_ok()) {
    std::fprintf(stderr, "spanline: %s\n", checked.message().c_str());
    return 2;
  }
  return launcher::run_command(config, parsed->positional);
}
