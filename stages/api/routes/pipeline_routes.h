#pragma once
// The routes about the pipeline itself, answered from the stats every stage
// publishes (StageDirectory), never from the index: /health, /api/v1/pipeline
// (latest counters, rates, the last 10 minutes per second and the last hour per
// minute, for charts; the health conditions; where the gateways listen; per
// partition its WAL, epoch, moves and replicas with state, lag and committed
// sequence) and /metrics (the same in Prometheus text format). With --metrics-token set,
// /metrics and /health's per-stage details need it (Authorization: Bearer);
// plain /health stays open and says only ok or unavailable.

#include <string>
#include <vector>

#include "stages/api/config/api_config.h"
#include "stages/api/directory/pipeline_health.h"
#include "stages/api/directory/stage_directory.h"
#include "stages/api/http/api_types.h"

namespace spanline::api {

class PipelineRoutes {
 public:
  PipelineRoutes(const ApiConfig& config, const StageDirectory& directory);

  ApiReply health(const ApiRequest& request);
  ApiReply pipeline(const ApiRequest& request);
  ApiReply metrics(const ApiRequest& request);

 private:
  // /metrics and /health's details: open when no --metrics-token is set, else only with it as a Bearer token.
  bool may_see_details(const ApiRequest& request) const;

  const ApiConfig& config_;
  const StageDirectory& directory_;
  std::vector<std::string> required_;
  HealthThresholds thresholds_;
};

// A stats name as a Prometheus metric name part ("lag_entries.p3" -> "lag_entries", partition "3").
struct MetricName {
  std::string name;
  std::string partition;
};
MetricName metric_name(const std::string& stats_name);

}  // namespace spanline::api
