// The api's reading of a request: percent-decoding of the path and query
// (percent_decode), the typed query accessors (QueryParams text / integer /
// boolean / duration / time), id checks (check_hex_id), every index route's
// parameter validation (search filters, attribute filters, cursors, windows)
// and the JSON body of the identity routes (json_object_body).
//
// Input: "<path>?<query>" on the first line, the request body after it, e.g.
//   /api/v1/traces?service=checkout&lookback=1h&attr=http.status_code%3E%3D500
//   {"email":"a@example.com","password":"..."}
// The routes run for real against an empty stage directory: a request they
// accept goes nowhere (no indexer is alive) and is answered 503 without any
// socket, so each input costs microseconds.
//
// Beyond not crashing: a route answers 400 (bad input) or 503 (valid input, no
// indexer), never 500, and its body is valid JSON.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "stages/api/auth/auth_routes.h"
#include "stages/api/http/query_params.h"
#include "stages/api/http/route_table.h"
#include "stages/api/query/query_service.h"
#include "stages/api/pricing/price_source.h"
#include "stages/api/routes/llm_routes.h"
#include "stages/api/routes/logs_routes.h"
#include "stages/api/routes/resolve_routes.h"
#include "stages/api/routes/session_routes.h"
#include "stages/api/routes/trace_routes.h"
#include "stages/api/routes/workflow_routes.h"
#include "bus/context.h"
#include "tests/fuzz/fuzz_check.h"

namespace api = spanline::api;
using spanline::fuzz::require;

namespace {

struct Raw {
  std::string path;
  std::map<std::string, std::string> query;  // undecoded, as Pistache hands it over
  std::string body;
};

// What Pistache 0.0.5 does before our code sees the URL: split the query on
// '&' and the first '=', leave both halves encoded, keep the first of repeated names.
Raw split_request(std::string_view input) {
  Raw raw;
  size_t newline = input.find('\n');
  std::string_view url = input.substr(0, newline);
  if (newline != std::string_view::npos) raw.body = input.substr(newline + 1);
  size_t question = url.find('?');
  raw.path = url.substr(0, question);
  if (question == std::string_view::npos) return raw;
  std::string_view query = url.substr(question + 1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    if (!pair.empty()) raw.query.emplace(pair.substr(0, eq), eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return raw;
}

// The decoding half of the api server's to_api_request; nullopt where it answers 400.
std::optional<api::ApiRequest> decode_request(const Raw& raw) {
  api::ApiRequest request;
  request.method = "GET";
  auto path = api::percent_decode(raw.path, false);
  if (!path) return std::nullopt;
  request.path = *path;
  for (size_t begin = 0; begin < raw.path.size();) {
    size_t end = raw.path.find('/', begin);
    if (end == std::string::npos) end = raw.path.size();
    if (end > begin) {
      auto segment = api::percent_decode(std::string_view(raw.path).substr(begin, end - begin), false);
      if (!segment) return std::nullopt;
      request.segments.push_back(*segment);
    }
    begin = end + 1;
  }
  for (const auto& [encoded_name, encoded_value] : raw.query) {
    auto name = api::percent_decode(encoded_name, true);
    auto value = api::percent_decode(encoded_value, true);
    if (!name || !value) return std::nullopt;
    request.query[*name] = *value;
    request.raw_query[*name] = encoded_value;
  }
  request.body = raw.body;
  return request;
}

// The api's route table with the index routes bound, held for the whole run
// (a process-lifetime fixture, as in the api stage).
const api::RouteTable& route_table() {
  static api::ApiConfig config;
  static spanline::bus::Context context;
  static api::StageDirectory directory;
  static api::IndexerFanout fanout(context, directory, api::FanoutOptions{});
  static api::QueryService queries(config, directory, fanout);
  // No auth-responder listens: answers that would be priced go out with sent costs only, as in the api.
  static spanline::auth::AuthClient auth_client(context, config.auth_endpoint, config.auth_timeout);
  static api::PriceSource prices(auth_client);
  static api::TraceRoutes traces(queries, prices);
  static api::WorkflowRoutes workflows(queries, prices);
  static api::LlmRoutes llm(queries, prices);
  static api::ResolveRoutes resolve(queries);
  static api::LogsRoutes logs(queries);
  static api::SessionRoutes sessions(queries, prices);
  static api::RouteTable table(api::ApiHandlers{.traces = &traces, .workflows = &workflows, .llm = &llm, .resolve = &resolve,
                                                .logs = &logs, .sessions = &sessions});
  return table;
}

// The index routes of the api server's route table.
std::optional<api::ApiReply> route(const api::ApiRequest& request) {
  std::vector<std::string> parameters;
  const api::Route* found = route_table().find(request.segments, parameters);
  if (found == nullptr || found->access != api::Access::index_query || !found->handle) return std::nullopt;
  return found->handle(request, parameters);
}

// Every typed read of every parameter, whatever its name, so each parser sees
// every value the fuzzer makes.
void read_every_way(const api::ApiRequest& request) {
  api::QueryParams params(request.query);
  (void)params.only({"service", "limit"});
  for (const auto& [name, value] : request.query) {
    (void)params.text(name);
    (void)params.text(name, 3, 512);
    (void)params.integer(name, 1, 1000);
    (void)params.integer(name, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
    (void)params.boolean(name);
    (void)params.duration(name);
    (void)params.time(name);
    (void)api::check_hex_id(value, 32, "trace id");
    (void)api::check_hex_id(value, 16, "span id");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Raw raw = split_request(std::string_view(reinterpret_cast<const char*>(data), size));

  // What the identity routes do with an accepted body: copy its fields into a
  // request to the auth-responder and serialize that.
  if (auto body = api::json_object_body(raw.body)) {
    require(body->is_object(), "an accepted body is a JSON object");
    const nlohmann::json forwarded = {{"op", "sign_in"}, {"email", body->value("email", nlohmann::json())}, {"body", *body}};
    (void)forwarded.dump();
  }

  auto request = decode_request(raw);
  if (!request) return 0;
  read_every_way(*request);
  if (auto reply = route(*request)) {
    require(reply->status == 400 || reply->status == 503, "an index route answers 400 or 503 here, never 500");
    require(nlohmann::json::accept(reply->body), "a reply body is valid JSON");
  }
  return 0;
}
