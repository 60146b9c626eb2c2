#pragma once
// Every route the api serves, in one table: its path as stages/api/openapi.json
// writes it ("/api/v1/traces/{trace_id}"), its methods, who may call it, and
// its handler. The server finds a request's route here instead of in a chain
// of ifs, and tests/unit/api/route_table_test.cc checks the table against the
// OpenAPI document (every route documented, every documented route served,
// the same methods).
//
// Access, in the order the server applies its checks:
// - open: before any /api/v1 check (health, metrics, the OpenAPI document, JWKS, the web UI);
// - visitor: /api/v1 routes a visitor without a session may use (sign-in, first user, token exchange);
// - signed_in: behind the RequestGuard;
// - index_query: behind the guard and counted against --max-concurrent-queries.
// A route whose handler answers every method itself (`own_methods`) gets the
// request whatever its method; otherwise a method not listed is answered 405
// here (HEAD goes with GET).

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stages/api/http/api_types.h"

namespace spanline::api {

class TraceRoutes;
class WorkflowRoutes;
class LlmRoutes;
class PipelineRoutes;
class StaticFiles;
class AuthRoutes;
class ResolveRoutes;
class PriceRoutes;
class LogsRoutes;
class SessionRoutes;
class PlaygroundRoutes;
class ProviderRoutes;
class SseStream;

// Opens a streamed route's event stream on its connection (the 200 head sent):
// what the route calls once it accepts the request. cancelled: the client left.
using OpenStream = std::function<Result<std::unique_ptr<SseStream>>()>;

struct ApiHandlers {
  TraceRoutes* traces = nullptr;
  WorkflowRoutes* workflows = nullptr;
  LlmRoutes* llm = nullptr;
  PipelineRoutes* pipeline = nullptr;
  StaticFiles* files = nullptr;
  AuthRoutes* auth = nullptr;
  ResolveRoutes* resolve = nullptr;
  PriceRoutes* prices = nullptr;
  LogsRoutes* logs = nullptr;
  SessionRoutes* sessions = nullptr;
  PlaygroundRoutes* playground = nullptr;
  ProviderRoutes* providers = nullptr;
};

enum class Access { open, visitor, signed_in, index_query };

struct Route {
  std::string path;                   // OpenAPI path template
  std::vector<std::string> methods;   // "GET", "POST", ...; HEAD is implied by GET
  Access access = Access::signed_in;
  bool own_methods = false;           // the handler answers 405 itself
  bool live_stream = false;           // served by the live tail on its own socket (GET only)
  // Called with the request and the path's {parameters} in order.
  std::function<ApiReply(const ApiRequest&, const std::vector<std::string>&)> handle;
  // Instead of `handle`, for a route that answers with an event stream on its
  // own socket after every check a request passes (playground runs): the
  // refusal to send, or nothing once it took the connection over.
  std::function<std::optional<ApiReply>(const ApiRequest&, const std::vector<std::string>&, const OpenStream&)> stream;
};

class RouteTable {
 public:
  // The api's routes bound to `handlers` (which may be empty for tests that only read the table).
  explicit RouteTable(ApiHandlers handlers);

  // The route whose path matches `segments` (decoded path segments), with its
  // {parameters} in `parameters`; nullptr when none.
  const Route* find(const std::vector<std::string>& segments, std::vector<std::string>& parameters) const;
  const std::vector<Route>& routes() const { return routes_; }

  // Whether `method` is one of the route's (HEAD with GET).
  static bool allows(const Route& route, const std::string& method);
  // "GET, POST": the route's methods for a 405's message.
  static std::string method_list(const Route& route);

 private:
  std::vector<Route> routes_;
  std::vector<std::vector<std::string>> patterns_;  // each route's path split on '/'
};

}  // namespace spanline::api
