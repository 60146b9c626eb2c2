#pragma once
// The api's HTTP server on Pistache: turns a Pistache request into an
// ApiRequest (percent-decoding the path and query, which Pistache leaves raw),
// applies the body cap, CORS and the request guard, finds the route, and sends
// the ApiReply with typed headers only (Pistache 0.0.5 drops addRaw headers).
//
// Threads: Pistache's worker threads run the routes; a route blocks its worker
// while the indexers answer (bounded by --query-timeout). At most
// --max-concurrent-queries index queries run at once; more get 503 at once,
// so the api's own queue is bounded.
//
// Connections: at most --max-connections open at once, --max-connections-per-address
// from one client address (past either, a new connection is closed at once);
// a request must arrive within --header-timeout / --body-timeout and an idle
// keep-alive connection is closed after --keepalive-timeout (see
// base/http/connection_limits.h).

#include <atomic>
#include <memory>
#include <string>

#include "stages/api/auth/auth_routes.h"
#include "stages/api/config/api_config.h"
#include "stages/api/http/request_guard.h"
#include "stages/api/http/route_table.h"
#include "stages/api/live/live_tail.h"
#include "stages/api/routes/llm_routes.h"
#include "stages/api/routes/pipeline_routes.h"
#include "stages/api/routes/price_routes.h"
#include "stages/api/routes/provider_routes.h"
#include "stages/api/routes/logs_routes.h"
#include "stages/api/routes/playground_routes.h"
#include "stages/api/routes/session_routes.h"
#include "stages/api/routes/resolve_routes.h"
#include "stages/api/routes/static_files.h"
#include "stages/api/routes/trace_routes.h"
#include "stages/api/routes/workflow_routes.h"
#include "bus/stats.h"
#include "base/http/connection_limits.h"

namespace Pistache::Http {
class Endpoint;
}

namespace spanline::api {

struct ApiRoutes {
  TraceRoutes& traces;
  WorkflowRoutes& workflows;
  LlmRoutes& llm;
  PipelineRoutes& pipeline;
  StaticFiles& files;
  LiveTail& live;
  RequestGuard& guard;
  AuthRoutes& auth;
  ResolveRoutes& resolve;
  PriceRoutes& prices;
  LogsRoutes& logs;
  SessionRoutes& sessions;
  PlaygroundRoutes* playground = nullptr;  // playground runs and model lists
  ProviderRoutes* providers = nullptr;     // the playground's providers (Settings)
};

class ApiServer {
 public:
  ApiServer(const ApiConfig& config, ApiRoutes routes, bus::StatsRegistry& stats);
  ~ApiServer();

  Status start();
  void stop();
  uint16_t port() const;

 private:
  class Handler;
  struct Counters;
  const ApiConfig& config_;
  ApiRoutes routes_;
  RouteTable table_;
  bus::StatsRegistry& stats_;
  std::shared_ptr<http::ConnectionLimits> limits_;
  std::unique_ptr<Counters> counters_;
  std::unique_ptr<Pistache::Http::Endpoint> endpoint_;
};

}  // namespace spanline::api
