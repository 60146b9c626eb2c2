#pragma once
// The api stage's main object: owns every component of the process and wires
// them: the stats listener that learns the pipeline, the fan-out to the
// indexers, the routes, the live tail and the HTTP server.

#include <memory>

#include <zmq.hpp>

#include "stages/api/auth/auth_routes.h"
#include "stages/api/auth/session_guard.h"
#include "stages/api/auth/setup_announcer.h"
#include "stages/api/config/api_config.h"
#include "stages/api/directory/stage_directory.h"
#include "stages/api/directory/stats_listener.h"
#include "stages/api/http/api_server.h"
#include "stages/api/http/request_guard.h"
#include "stages/api/live/live_tail.h"
#include "stages/api/playground/playground_runner.h"
#include "stages/api/playground/provider_registry.h"
#include "stages/api/playground/run_recorder.h"
#include "stages/api/query/indexer_fanout.h"
#include "stages/api/query/query_service.h"
#include "stages/api/routes/llm_routes.h"
#include "stages/api/routes/logs_routes.h"
#include "stages/api/routes/playground_routes.h"
#include "stages/api/routes/session_routes.h"
#include "stages/api/routes/pipeline_routes.h"
#include "stages/api/routes/price_routes.h"
#include "stages/api/routes/provider_routes.h"
#include "stages/api/routes/resolve_routes.h"
#include "stages/api/routes/static_files.h"
#include "stages/api/routes/trace_routes.h"
#include "stages/api/routes/workflow_routes.h"
#include "bus/stats.h"
#include "skeleton/run_stage.h"

namespace spanline::api {

class ApiStage final : public stage::Stage {
 public:
  // The api binds the stats endpoint itself (it is where every stage's stats
  // arrive), so its own stats are read there, not published.
  ApiStage(const ApiConfig& config, stage::StageServices services);
  ~ApiStage() override;

  // Binds the stats endpoint and the HTTP port; an error names what failed.
  Status start() override;
  void stop() override;
  uint16_t port() const { return server_ ? server_->port() : 0; }

 private:
  const ApiConfig& config_;
  bus::Context& context_;
  bus::StatsRegistry& stats_;
  OpenFilesLimit open_files_;
  StageDirectory directory_;
  std::unique_ptr<StatsListener> listener_;
  IndexerFanout fanout_;
  QueryService queries_;
  TraceRoutes trace_routes_;
  WorkflowRoutes workflow_routes_;
  LlmRoutes llm_routes_;
  ResolveRoutes resolve_routes_;
  LogsRoutes logs_routes_;
  SessionRoutes session_routes_;
  PipelineRoutes pipeline_routes_;
  StaticFiles files_;
  auth::AuthClient auth_client_;
  PriceSource prices_;  // the routes above keep a reference; used only once serving
  PriceRoutes price_routes_;
  std::unique_ptr<SessionGuard> guard_;
  std::unique_ptr<AuthRoutes> auth_routes_;
  std::unique_ptr<SetupAnnouncer> setup_announcer_;
  std::unique_ptr<LiveTail> live_;
  // The playground: its providers, its runs and their recording (stopped after the server, so no run starts late).
  std::unique_ptr<playground::ProviderRegistry> providers_;
  std::unique_ptr<playground::RunRecorder> run_recorder_;
  std::unique_ptr<playground::PlaygroundRunner> runner_;
  std::unique_ptr<PlaygroundRoutes> playground_routes_;
  std::unique_ptr<ProviderRoutes> provider_routes_;
  std::unique_ptr<ApiServer> server_;
};

}  // namespace spanline::api
