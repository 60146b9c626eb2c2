#include "stages/api/http/route_table.h"

#include "stages/api/auth/auth_routes.h"
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

namespace spanline::api {
namespace {

using Params = std::vector<std::string>;

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> segments;
  for (size_t begin = 0; begin < path.size();) {
    size_t end = path.find('/', begin);
    if (end == std::string::npos) end = path.size();
    if (end > begin) segments.push_back(path.substr(begin, end - begin));
    begin = end + 1;
  }
  return segments;
}

bool is_parameter(const std::string& segment) { return segment.size() > 2 && segment.front() == '{' && segment.back() == '}'; }

}  // namespace

RouteTable::RouteTable(ApiHandlers h) {
  const std::vector<std::string> get = {"GET"};
  const std::vector<std::string> post = {"POST"};
  // Literal paths come before the templates they would also match (users/first before users/{id}).
  routes_ = {
      {"/health", get, Access::open, false, false, [h](const ApiRequest& r, const Params&) { return h.pipeline->health(r); }},
      {"/metrics", get, Access::open, false, false, [h](const ApiRequest& r, const Params&) { return h.pipeline->metrics(r); }},
      {"/api/openapi.json", get, Access::open, false, false, [](const ApiRequest&, const Params&) { return openapi_document(); }},
      {"/.well-known/jwks.json", get, Access::open, true, false, [h](const ApiRequest& r, const Params&) { return h.auth->jwks(r); }},
      {"/", get, Access::open, true, false, [h](const ApiRequest& r, const Params&) { return h.files->serve(r); }},

      {"/api/v1/users/first", {"GET", "POST"}, Access::visitor, true, false,
       [h](const ApiRequest& r, const Params&) { return h.auth->first_user(r); }},
      {"/api/v1/auth/sign-in", post, Access::visitor, true, false, [h](const ApiRequest& r, const Params&) { return h.auth->sign_in(r); }},
      {"/api/v1/otel/token", post, Access::visitor, true, false, [h](const ApiRequest& r, const Params&) { return h.auth->otel_token(r); }},

      {"/api/v1/auth/sign-out", post, Access::signed_in, true, false, [h](const ApiRequest& r, const Params&) { return h.auth->sign_out(r); }},
      {"/api/v1/auth/me", get, Access::signed_in, true, false, [h](const ApiRequest& r, const Params&) { return h.auth->me(r); }},
      {"/api/v1/users", {"GET", "POST"}, Access::signed_in, true, false, [h](const ApiRequest& r, const Params&) { return h.auth->users(r); }},
      {"/api/v1/users/{id}", {"DELETE", "PATCH"}, Access::signed_in, true, false,
       [h](const ApiRequest& r, const Params& p) { return h.auth->user(r, p[0]); }},
      {"/api/v1/api-keys", {"GET", "POST"}, Access::signed_in, true, false, [h](const ApiRequest& r, const Params&) { return h.auth->api_keys(r); }},
      {"/api/v1/api-keys/{id}", {"DELETE"}, Access::signed_in, true, false,
       [h](const ApiRequest& r, const Params& p) { return h.auth->api_key(r, p[0]); }},
      // The price table: any signed-in user reads it; the auth-responder lets only admins change it.
      {"/api/v1/llm/prices", get, Access::signed_in, true, false, [h](const ApiRequest& r, const Params&) { return h.prices->prices(r); }},
      {"/api/v1/llm/prices/{model}", {"PUT", "DELETE"}, Access::signed_in, true, false,
       [h](const ApiRequest& r, const Params& p) { return h.prices->price(r, p[0]); }},
      // The playground's providers: any signed-in user lists them (never a key); the auth-responder lets only admins change them.
      {"/api/v1/playground/providers", get, Access::signed_in, true, false, [h](const ApiRequest& r, const Params&) { return h.providers->providers(r); }},
      {"/api/v1/playground/providers/{name}", {"PUT", "DELETE"}, Access::signed_in, true, false,
       [h](const ApiRequest& r, const Params& p) { return h.providers->provider(r, p[0]); }},
      {"/api/v1/pipeline", get, Access::signed_in, false, false, [h](const ApiRequest& r, const Params&) { return h.pipeline->pipeline(r); }},
      // Playground: a run answers with its event stream on its own socket (the server opens it once the run is accepted).
      {"/api/v1/playground/runs", post, Access::signed_in, false, false, nullptr,
       [h](const ApiRequest& r, const Params&, const OpenStream& open) { return h.playground->run(r, open); }},
      {"/api/v1/playground/providers/{name}/models", get, Access::signed_in, false, false,
       [h](const ApiRequest& r, const Params& p) { return h.playground->models(r, p[0]); }},

      // The live tail is answered on its own socket by the server; listed here so it is routed and documented like the rest.
      {"/api/v1/traces/live", get, Access::signed_in, false, true, nullptr},
      {"/api/v1/services", get, Access::index_query, false, false, [h](const ApiRequest& r, const Params&) { return h.traces->services(r); }},
      {"/api/v1/services/{service}/operations", get, Access::index_query, false, false,
       [h](const ApiRequest& r, const Params& p) { return h.traces->operations(r, p[0]); }},
      {"/api/v1/traces", get, Access::index_query, false, false, [h](const ApiRequest& r, const Params&) { return h.traces->search(r); }},
      {"/api/v1/traces/{trace_id}", get, Access::index_query, false, false,
       [h](const ApiRequest& r, const Params& p) { return h.traces->trace(r, p[0]); }},
      {"/api/v1/spans/{trace_id}/{span_id}", get, Access::index_query, false, false,
       [h](const ApiRequest& r, const Params& p) { return h.traces->span(r, p[0], p[1]); }},
      {"/api/v1/workflows", get, Access::index_query, false, false,
       [h](const ApiRequest& r, const Params&) { return h.workflows->workflows(r); }},
      {"/api/v1/workflows/{trace_id}/{span_id}", get, Access::index_query, false, false,
       [h](const ApiRequest& r, const Params& p) { return h.workflows->workflow(r, p[0], p[1]); }},
      {"/api/v1/agents/{trace_id}/{span_id}", get, Access::index_query, false, false,
       [h](const ApiRequest& r, const Params& p) { return h.workflows->agent(r, p[0], p[1]); }},
      {"/api/v1/llm/usage", get, Access::index_query, false, false, [h](const ApiRequest& r, const Params&) { return h.llm->usage(r); }},
      {"/api/v1/resolve/executable", get, Access::index_query, false, false,
       [h](const ApiRequest& r, const Params&) { return h.resolve->executable(r); }},
      {"/api/v1/logs", get, Access::index_query, false, false, [h](const ApiRequest& r, const Params&) { return h.logs->search(r); }},
      {"/api/v1/traces/{trace_id}/logs", get, Access::index_query, false, false,
       [h](const ApiRequest& r, const Params& p) { return h.logs->trace_logs(r, p[0]); }},
      {"/api/v1/sessions", get, Access::index_query, false, false, [h](const ApiRequest& r, const Params&) { return h.sessions->list(r); }},
      {"/api/v1/sessions/{session_id}", get, Access::index_query, false, false,
       [h](const ApiRequest& r, const Params& p) { return h.sessions->session(r, p[0]); }},
  };
  for (const Route& route : routes_) patterns_.push_back(split_path(route.path));
}

const Route* RouteTable::find(const std::vector<std::string>& segments, std::vector<std::string>& parameters) const {
  for (size_t i = 0; i < routes_.size(); ++i) {
    const std::vector<std::string>& pattern = patterns_[i];
    if (pattern.size() != segments.size()) continue;
    std::vector<std::string> found;
    bool matches = true;
    for (size_t s = 0; s < pattern.size() && matches; ++s) {
      if (is_parameter(pattern[s])) found.push_back(segments[s]);
      else matches = pattern[s] == segments[s];
    }
    if (matches) {
      parameters = std::move(found);
      return &routes_[i];
    }
  }
  return nullptr;
}

bool RouteTable::allows(const Route& route, const std::string& method) {
  for (const std::string& allowed : route.methods) {
    if (allowed == method || (allowed == "GET" && method == "HEAD")) return true;
  }
  return false;
}

std::string RouteTable::method_list(const Route& route) {
  std::string list;
  for (const std::string& method : route.methods) list += (list.empty() ? "" : ", ") + method;
  return list;
}

}  // namespace spanline::api
