#include "stages/launcher/up.h"

#include <cstdio>
#include <filesystem>

#include "base/log.h"
#include "base/options.h"
#include "base/private_files.h"
#include "base/signals.h"
#include "stages/launcher/data_folder_claim.h"
#include "stages/launcher/setup_token.h"
#include "stages/launcher/supervisor.h"

namespace spanline::launcher {
namespace {

// The data folder as every stage will be told it: absolute, private, no trailing slash.
std::string settle_data_folder(const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  make_data_folder_private(data_dir);
  std::string settled = std::filesystem::absolute(data_dir).lexically_normal().string();
  if (settled.size() > 1 && settled.back() == '/') settled.pop_back();
  return settled;
}

// Started in this order, stopped by stop_group: ingress first, the WAL last.
enum StopGroup { kGateway = 0, kReaders = 1, kAuth = 2, kWal = 3 };

std::vector<StageSpec> stage_specs(const LauncherConfig& config) {
  std::vector<std::string> common = {"--data-dir", config.data_dir, "--log-level", config.log_level};
  if (!config.curve_secret_key.empty()) {
    common.insert(common.end(), {"--curve-secret-key", config.curve_secret_key});
  }
  auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.begin(), common.begin(), common.end());
    return extra;
  };
  return {
      // Only the WAL is told the partition count (it keeps it); the others learn it from the WAL.
      {"wal", config.binary("spanline-wal"),
       with(config.partitions == 0 ? std::vector<std::string>{} : std::vector<std::string>{"--partitions", std::to_string(config.partitions)}),
       kWal},
      {"auth", config.binary("spanline-auth"), with({}), kAuth},
      {"gateway", config.binary("spanline-gateway"),
       with({"--grpc-address", config.grpc_address, "--http-address", config.http_address}),
       kGateway},
      {"indexer", config.binary("spanline-indexer"), with({"--instance", "indexer-1"}),
       kReaders},
      {"api", config.binary("spanline-api"),
       with({"--listen", config.api_address, "--web-dir", config.web_dir, "--allowed-hosts", config.allowed_hosts}),
       kReaders},
  };
}

void print_addresses(const LauncherConfig& config) {
  std::printf("Spanline is starting (data in %s)\n"
              "  OTLP/gRPC  %s\n"
              "  OTLP/HTTP  %s  (POST /v1/traces, /v1/logs, /v1/metrics)\n"
              "  WAL bus    ipc://%s/run/wal.sock\n"
              "  index      %s/index/part-<p>.sqlite (one indexer owns every partition of the WAL)\n"
              "  API + UI   http://%s  (OpenAPI at /api/openapi.json, health at /health)\n"
              "Press Ctrl-C to stop.\n",
              config.data_dir.c_str(), config.grpc_address.c_str(), config.http_address.c_str(), config.data_dir.c_str(),
              config.data_dir.c_str(), config.api_address.c_str());
}

// While no user exists, whoever reaches the api first would own the
// deployment: setup from another machine needs this token (from this
// machine's loopback interface it needs none).
void announce_setup_token(const LauncherConfig& config, const bus::BusKey& bus_key) {
  bus::Context context(bus_key);
  std::string token = setup_token(context, expand_data_dir(config.admin.auth_endpoint, config.data_dir), std::chrono::seconds(10), nullptr);
  if (token.empty()) return;
  std::printf("No user exists yet. Create the first one at http://localhost%s (from this machine), or from another\n"
              "machine with this one-time setup token (single use; `spanline setup-token` prints a new one):\n"
              "  %s\n",
              config.api_address.substr(config.api_address.rfind(':')).c_str(), token.c_str());
}

// Until a termination signal (0) or a stage that keeps dying (1); the claim
// file always names the stages running.
int supervise(Supervisor& supervisor, DataFolderClaim& claim) {
  claim.record(supervisor.running());  // again: a stage may have restarted while the banner waited for a setup token
  uint64_t recorded = supervisor.generation();
  for (;;) {
    if (auto sig = wait_for_termination_signal(std::chrono::milliseconds(200))) {
      log::info("stopping every stage", {{"signal", *sig}});
      return 0;
    }
    if (Status ticked = supervisor.tick(); !ticked.is_ok()) {
      // Restarting it forever would hide the cause behind a pipeline that looks up.
      std::fprintf(stderr, "spanline up: %s; stopping\n", ticked.message().c_str());
      return 1;
    }
    if (supervisor.generation() != recorded) {
      claim.record(supervisor.running());
      recorded = supervisor.generation();
    }
  }
}

}  // namespace

int up(LauncherConfig config, const bus::BusKey& bus_key) {
  log::Level level = log::Level::info;
  log::parse_level(config.log_level, level);
  log::init("launcher", level);
  config.data_dir = settle_data_folder(config.data_dir);
  // One launcher per data folder: a second set of stages would fight the first
  // over the WAL, the shards and the ports.
  auto claim = DataFolderClaim::acquire(config.data_dir);
  if (!claim) {
    std::fprintf(stderr, "spanline up: %s\n", claim.status().message().c_str());
    return 1;
  }
  Supervisor supervisor(stage_specs(config));
  if (Status started = supervisor.start_all(); !started.is_ok()) {
    log::error("cannot start the pipeline", {{"error", started.to_string()}});
    supervisor.stop_all(config.stop_grace);
    return 1;
  }
  (*claim)->record(supervisor.running());
  print_addresses(config);
  announce_setup_token(config, bus_key);
  std::fflush(stdout);
  int exit_code = supervise(supervisor, **claim);
  supervisor.stop_all(config.stop_grace);
  return exit_code;
}

}  // namespace spanline::launcher
