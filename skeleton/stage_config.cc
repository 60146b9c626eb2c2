#include "skeleton/stage_config.h"

#include "bus/security/bus_key.h"
#include "bus/sockets.h"

namespace spanline::stage {

StageConfig::StageConfig(const StageIdentity& identity) : instance(std::string(identity.name) + "-1"), identity_(identity) {}

void StageConfig::register_common_options(Options& options) {
  options
      .add("data-dir", &data_dir,
           "Data folder of the deployment (default bus endpoints are ipc sockets in its run/ folder); " +
               std::string(identity_.data_dir_use))
      .add("instance", &instance,
           identity_.instance_help.empty() ? "Name of this stage instance in stats and logs." : std::string(identity_.instance_help))
      .add("log-level", &log_level, "debug, info, warn or error.")
      .add("curve-secret-key", &curve_secret_key, std::string(bus::kCurveSecretKeyHelp))
      .add("stats-endpoint", &stats_endpoint,
           "Bus endpoint of the stats: the api binds it (SUB, one endpoint); every other stage publishes its stats and heartbeats there, "
           "to each endpoint of a comma-separated list when there are several apis (tcp://api-a:7002,tcp://api-b:7002).");
}

Status StageConfig::check_stats_endpoint(bool binds_it) const {
  auto endpoints = bus::parse_endpoint_list(stats_endpoint, "--stats-endpoint");
  if (!endpoints) return endpoints.status();
  if (binds_it && endpoints->size() > 1) {
    return Status(Code::invalid_argument, "--stats-endpoint '" + stats_endpoint + "': the " + std::string(identity_.name) +
                                              " binds one stats endpoint, not a list (each api binds its own; the other "
                                              "stages' --stats-endpoint lists every api's)");
  }
  return Status::ok();
}

void StageConfig::resolve_endpoints(std::initializer_list<std::string*> endpoints) {
  stats_endpoint = expand_data_dir(stats_endpoint, data_dir);
  for (std::string* endpoint : endpoints) *endpoint = expand_data_dir(*endpoint, data_dir);
}

}  // namespace spanline::stage
