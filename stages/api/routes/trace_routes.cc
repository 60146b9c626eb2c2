#include "stages/api/routes/trace_routes.h"

#include "stages/api/routes/route_support.h"
#include "stages/api/routes/search_filters.h"

namespace spanline::api {

namespace wire = protocol::query;

ApiReply TraceRoutes::services(const ApiRequest& request) {
  if (Status s = QueryParams(request.query).only({}); !s.is_ok()) return error_reply(s);
  auto answer = service_.services();
  if (!answer.ok()) return failure_reply(answer);
  json services = json::array();
  for (const ServiceTotals& entry : answer.value) {
    services.push_back({{"service", entry.service}, {"span_count", entry.span_count}, {"trace_count", entry.trace_count},
                        {"last_seen_ns", entry.last_seen_ns}});
  }
  json body = {{"services", std::move(services)}};
  return json_reply(mark_completeness(body, answer.missing));
}

ApiReply TraceRoutes::operations(const ApiRequest& request, const std::string& service) {
  if (Status s = QueryParams(request.query).only({}); !s.is_ok()) return error_reply(s);
  if (service.empty() || service.size() > 512) return error_reply(400, "invalid_argument", "service name must be 1 to 512 bytes");
  auto answer = service_.operations(wire::OperationsQuery{service});
  if (!answer.ok()) return failure_reply(answer);
  json operations = json::array();
  for (const OperationTotals& entry : answer.value) {
    operations.push_back({{"name", entry.name}, {"span_count", entry.span_count}, {"last_seen_ns", entry.last_seen_ns}});
  }
  json body = {{"service", service}, {"operations", std::move(operations)}};
  return json_reply(mark_completeness(body, answer.missing));
}

ApiReply TraceRoutes::search(const ApiRequest& request) {
  auto query = search_filters(request, true);
  if (!query) return error_reply(query.status());
  auto answer = service_.search(*query);
  if (!answer.ok()) return failure_reply(answer);
  json traces = json::array();
  for (const wire::TraceSummary& summary : answer.value.traces) traces.push_back(wire::to_json(summary));
  json body = {{"traces", std::move(traces)}, {"next_cursor", nullptr}};
  if (answer.value.next) body["next_cursor"] = wire::to_text(*answer.value.next);
  return json_reply(mark_completeness(body, answer.missing));
}

ApiReply TraceRoutes::trace(const ApiRequest& request, const std::string& trace_id) {
  auto ids = ids_from_path(request, trace_id, nullptr);
  if (!ids) return error_reply(ids.status());
  auto answer = service_.trace(wire::TraceQuery{ids->trace});
  if (!answer.ok()) return failure_reply(answer);
  return raw_json_reply(priced(std::move(answer.value), prices_));
}

ApiReply TraceRoutes::span(const ApiRequest& request, const std::string& trace_id, const std::string& span_id) {
  auto ids = ids_from_path(request, trace_id, &span_id);
  if (!ids) return error_reply(ids.status());
  auto answer = service_.span(wire::SpanQuery{ids->trace, ids->span});
  if (!answer.ok()) return failure_reply(answer);
  return raw_json_reply(priced(std::move(answer.value), prices_));
}

}  // namespace spanline::api
