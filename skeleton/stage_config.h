#pragma once
// The settings every stage has, declared once: its data folder, its name in
// stats and logs, its log level, the bus key and where stats go, and the
// default bus endpoints (ipc sockets in the data folder's run/ folder, so one
// data folder is one deployment wherever it lives).
//
// How it works: a stage's config inherits StageConfig, registers these options
// first (so every stage's --help and README table opens with the same rows,
// worded the same) and then its own; resolve_endpoints() replaces "{data-dir}"
// in the stats endpoint and in the stage's own endpoints.

#include <initializer_list>
#include <string>
#include <string_view>

#include "base/options.h"
#include "base/status.h"

namespace spanline::stage {

// The bus endpoints each stage binds or reaches by default; "{data-dir}" is
// replaced when the config is resolved.
namespace default_endpoint {
inline constexpr std::string_view kWal = "ipc://{data-dir}/run/wal.sock";
inline constexpr std::string_view kStats = "ipc://{data-dir}/run/stats.sock";
inline constexpr std::string_view kAuth = "ipc://{data-dir}/run/auth.sock";
inline constexpr std::string_view kAuthEvents = "ipc://{data-dir}/run/auth-events.sock";
inline constexpr std::string_view kQuery = "ipc://{data-dir}/run/query-{instance}.sock";
}  // namespace default_endpoint

// What a stage says about itself in the common settings.
struct StageIdentity {
  std::string_view name = {};      // "wal": the log's stage field, the stats' stage, the default instance "wal-1"
  std::string_view data_dir_use = {};   // what the stage keeps in the data folder, for --data-dir's help
  std::string_view instance_help = {};  // empty: "Name of this stage instance in stats and logs."
};

struct StageConfig {
  explicit StageConfig(const StageIdentity& identity);

  std::string data_dir = "./spanline-data";
  std::string instance;  // "<name>-1" unless set
  std::string log_level = "info";
  std::string curve_secret_key;
  std::string stats_endpoint{default_endpoint::kStats};

  const StageIdentity& identity() const { return identity_; }

  // Registers the common options; call before the stage's own.
  void register_common_options(Options& options);
  // Replaces {data-dir} in the stats endpoint and in each of `endpoints`.
  void resolve_endpoints(std::initializer_list<std::string*> endpoints);
  // --stats-endpoint as the stage uses it: a stage that publishes takes a
  // comma-separated list (one endpoint per api); the api binds its own one, so
  // a list there is refused (invalid_argument naming the flag).
  Status check_stats_endpoint(bool binds_it) const;

 private:
  StageIdentity identity_;
};

}  // namespace spanline::stage
