// spanline-api: the REST API and web UI on :1323. Reads the index only through
// the indexers (bus queries) and the pipeline only through the stats stages publish.
#include <cstdio>

#include "stages/api/api_stage.h"
#include "base/fd_limit.h"
#include "base/log.h"
#include "base/options.h"
#include "base/private_files.h"
#include "base/signals.h"

int main(int argc, char** argv) {
  using namespace spanline;
  block_termination_signals();
  api::ApiConfig config;
  Options options("spanline-api",
                  "The api stage: REST API (JSON, OpenAPI at /api/openapi.json), live tail (SSE), pipeline\n"
                  "monitoring (/api/v1/pipeline, /metrics, /health) and the web UI, on one HTTP port.\n"
                  "It never opens a shard: queries go over the bus to the indexers that own the partitions,\n"
                  "found from the stats every stage publishes to --stats-endpoint.");
  config.register_options(options);
  auto parsed = options.parse(argc, argv);
  if (!parsed) {
    std::fprintf(stderr, "spanline-api: %s\n", parsed.status().message().c_str());
    return 2;
  }
  if (parsed->exit_now) return 0;
  if (!parsed->positional.empty()) {
    std::fprintf(stderr, "spanline-api: unexpected argument '%s' (see --help)\n", parsed->positional[0].c_str());
    return 2;
  }
  config.resolve();
  if (config.max_concurrent_sign_ins == 0) {
    std::fprintf(stderr, "spanline-api: --max-concurrent-sign-ins must be at least 1 (else nobody could ever sign in)\n");
    return 2;
  }
  log::Level level = log::Level::info;
  log::parse_level(config.log_level, level);
  log::init("api", level);
  // The data folder holds secrets and every trace: nothing in it is for other local users.
  make_data_folder_private(config.data_dir);
  // The connection caps, not the fd table, must be what bounds connections.
  OpenFilesLimit files = raise_open_files_limit();
  if (files.now != 0 && config.max_connections != 0 && config.max_connections + 256 > files.now) {
    log::warn("--max-connections is close to the open files limit: connections past the limit fail in accept instead",
              {{"max_connections", config.max_connections}, {"open_files_limit", files.now}});
  }
  auto bus_key = bus::bus_key_or_explain("spanline-api", config.curve_secret_key);
  if (!bus_key) return 2;
  api::ApiStage stage(config, *bus_key);
  if (Status started = stage.start(); !started.is_ok()) {
    log::error("cannot start", {{"error", started.to_string()}});
    return 1;
  }
  for (;;) {
    if (auto sig = wait_for_termination_signal(std::chrono::milliseconds(500))) {
      log::info("stopping", {{"signal", *sig}});
      break;
    }
  }
  stage.stop();
  log::info("stopped");
  return 0;
}
