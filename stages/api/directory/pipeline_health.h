#pragma once
// What is wrong with the pipeline, judged from the stats in the StageDirectory:
// a required stage with no live instance (what makes /health answer 503), an
// indexer partition lagging past --health-lag-warn, the WAL's disk past
// --wal-disk-warn-fraction of its budget. /health's details and
// /api/v1/pipeline carry the same list; the web UI's banner shows it.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stages/api/directory/stage_directory.h"

namespace spanline::api {

// A stage instance's state: heard within two publish intervals (up, kStaleAfter),
// later but within the stage timeout (stale), or silent longer (down).
std::string_view instance_state(std::chrono::milliseconds silent_for, std::chrono::milliseconds stage_timeout);

struct HealthThresholds {
  std::chrono::milliseconds stage_timeout{5000};
  std::chrono::milliseconds lag_warn{30000};
  double wal_disk_warn_fraction = 0.8;
  std::vector<std::string> required_stages;
};

struct HealthCondition {
  std::string kind;      // stage_down, index_lag, wal_disk
  std::string severity;  // error (the pipeline cannot serve) or warning
  std::string stage;
  std::string instance;  // empty for stage_down
  std::optional<uint32_t> partition;
  double value = 0;      // silent seconds, lag seconds, disk fraction
  double threshold = 0;
  std::string message;   // for people: what is wrong, with the figures
};

std::vector<HealthCondition> pipeline_conditions(const std::vector<InstanceView>& instances, const HealthThresholds& thresholds);

// Whether any condition makes the pipeline unable to serve (a required stage down).
bool any_error(const std::vector<HealthCondition>& conditions);

}  // namespace spanline::api
