#pragma once
// Junjo's stable execution links. A Junjo application prints a link to a run
// as service name + executable type (workflow | agent) + runtime id (the span's
// junjo.executable_runtime_id, or junjo.id in telemetry contract v1);
// GET /api/v1/resolve/executable?service_name=&executable_type=&runtime_id=
// finds that run and answers where its page is. The web UI's page at
// /resolve/executable (web/src/pages/Resolve.tsx), where such links point,
// asks it until the run has arrived, then opens the run.
//
// Answers:
// - 200 {"state": "found", ...}: the run's trace id, span id, span type, name
//   and `path`, the web page of the run: /workflows/{trace}/{span} for a
//   workflow or subflow run, /agents/{trace}/{span} for an agent run. A
//   workflow link finds subflow runs too.
// - 202 {"state": "not_yet_seen", ...} with Retry-After: no such run has
//   arrived yet (Junjo exports a run's span when the run ends, and a link is
//   often opened while it runs).
// - 404 at once when the runtime id names a run of the other type (an agent
//   asked for as a workflow); for a run not seen at all, once the asker has
//   waited kResolveWaitBoundMs (`waited_ms`: the api keeps no state between
//   asks, so the asker says how long it has been asking).
// - 503 as every index query: no indexer answered; or, past the bound, the
//   run was not in the partitions that answered while others did not answer.
// `service_namespace`, which Junjo Studio's links carry, is accepted and
// ignored: Spanline knows a service by its service.name alone.

#include <cstdint>
#include <string>
#include <vector>

#include "stages/api/http/api_types.h"
#include "stages/api/query/query_service.h"

namespace spanline::api {

// How long a run may take to arrive before a link to it is "no such run".
inline constexpr int64_t kResolveWaitBoundMs = 120'000;
// The Retry-After of a not_yet_seen answer.
inline constexpr int kResolveRetryAfterSeconds = 1;

// What a link asks for.
struct ExecutableLink {
  std::string service, runtime_id;
  protocol::query::ExecutableType type = protocol::query::ExecutableType::workflow;
  int64_t waited_ms = 0;
};

// The web path of a run's page (see above).
std::string run_page_path(const protocol::query::ExecutableMatch& run);

// The answer to `link` given what the indexers found (the matches oldest first).
ApiReply resolve_reply(const ExecutableLink& link, const Answer<std::vector<protocol::query::ExecutableMatch>>& found);

class ResolveRoutes {
 public:
  explicit ResolveRoutes(QueryService& service) : service_(service) {}

  ApiReply executable(const ApiRequest& request);

 private:
  QueryService& service_;
};

}  // namespace spanline::api
