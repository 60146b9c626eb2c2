#include "stages/api/routes/workflow_routes.h"

#include "stages/api/routes/route_support.h"

namespace spanline::api {

namespace wire = protocol::query;

ApiReply WorkflowRoutes::workflows(const ApiRequest& request) {
  QueryParams params(request.query);
  if (Status s = params.only({"service", "name", "name_contains", "start", "end", "lookback", "status", "type", "limit", "cursor"});
      !s.is_ok()) {
    return error_reply(s);
  }
  auto window = read_window(params);
  if (!window) return error_reply(window.status());
  wire::WorkflowsQuery query;
  query.from_ns = window->from_ns;
  query.to_ns = window->to_ns;
  auto service = params.text("service", 1, 512);
  auto name = params.text("name", 1, 1024);
  auto name_contains = params.text("name_contains", 1, 1024);
  auto limit = params.integer("limit", 1, wire::kMaxLimit);
  for (const Status& s : {service.status(), name.status(), name_contains.status(), limit.status()}) {
    if (!s.is_ok()) return error_reply(s);
  }
  query.service = *service;
  query.name = *name;
  query.name_contains = *name_contains;
  if (auto status = params.text("status")) {
    query.status = wire::workflow_status_named(*status);
    if (!query.status) return error_reply(400, "invalid_argument", "parameter 'status': " + std::string(wire::kWorkflowStatusNames));
  }
  if (auto type = params.text("type")) {
    auto run_type = wire::run_type_named(*type);
    if (!run_type) return error_reply(400, "invalid_argument", "parameter 'type': " + std::string(wire::kRunTypeNames));
    query.type = *run_type;
  }
  query.limit = limit->value_or(wire::kDefaultLimit);
  if (auto cursor = params.text("cursor")) {
    auto parsed = wire::run_cursor_from_text(*cursor);
    if (!parsed) return error_reply(parsed.status());
    query.cursor = std::move(parsed.value());
  }
  auto answer = service_.workflows(query);
  if (!answer.ok()) return failure_reply(answer);
  json runs = json::array();
  for (const wire::RunSummary& run : answer.value.runs) {
    json item = wire::to_json(run);
    item["run_id"] = run.trace_id + run.span_id;
    runs.push_back(std::move(item));
  }
  json body = {{"runs", std::move(runs)}, {"next_cursor", nullptr}};
  if (answer.value.next) body["next_cursor"] = wire::to_text(*answer.value.next);
  return json_reply(mark_completeness(body, answer.missing));
}

ApiReply WorkflowRoutes::workflow(const ApiRequest& request, const std::string& trace_id, const std::string& span_id) {
  auto ids = ids_from_path(request, trace_id, &span_id);
  if (!ids) return error_reply(ids.status());
  auto answer = service_.workflow(wire::WorkflowQuery{ids->trace, ids->span});
  if (!answer.ok()) return failure_reply(answer);
  return raw_json_reply(priced(std::move(answer.value), prices_));
}

ApiReply WorkflowRoutes::agent(const ApiRequest& request, const std::string& trace_id, const std::string& span_id) {
  auto ids = ids_from_path(request, trace_id, &span_id);
  if (!ids) return error_reply(ids.status());
  auto answer = service_.agent(wire::AgentQuery{ids->trace, ids->span});
  if (!answer.ok()) return failure_reply(answer);
  return raw_json_reply(priced(std::move(answer.value), prices_));
}

}  // namespace spanline::api
