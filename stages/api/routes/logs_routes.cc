#include "stages/api/routes/logs_routes.h"

#include "stages/api/routes/route_support.h"
#include "stages/api/routes/search_filters.h"

namespace spanline::api {

namespace wire = protocol::query;

namespace {

// `severity`: a name (wire::severity_named) or a number 1..24, as the minimum.
Result<std::optional<int>> min_severity(const QueryParams& params) {
  auto text = params.text("severity", 1, 16);
  if (!text) return text.status();
  if (!*text) return std::optional<int>();
  if (int named = wire::severity_named(**text); named > 0) return std::optional<int>(named);
  auto number = params.integer("severity", 1, wire::kMaxSeverityNumber);
  if (!number) {
    return Status(Code::invalid_argument, "parameter 'severity': " + std::string(wire::kSeverityNames));
  }
  return std::optional<int>(static_cast<int>(**number));
}

Result<wire::LogsQuery> logs_query(const ApiRequest& request) {
  QueryParams params(request.query);
  if (Status s = params.only({"service", "severity", "start", "end", "lookback", "attr", "q", "trace_id", "event_name", "limit", "cursor"});
      !s.is_ok()) {
    return s;
  }
  auto window = read_window(params);
  if (!window) return window.status();
  wire::LogsQuery query;
  query.from_ns = window->from_ns;
  query.to_ns = window->to_ns;
  auto service = params.text("service", 1, 512);
  auto event_name = params.text("event_name", 1, 512);
  auto trace_id = params.text("trace_id", 32, 32);
  auto severity = min_severity(params);
  auto limit = params.integer("limit", 1, wire::kMaxLimit);
  auto q = params.text("q", 3, 512);
  if (!q) return Status(Code::invalid_argument, q.status().message() + " (full-text search matches substrings of 3 or more characters)");
  for (const Status& s : {service.status(), event_name.status(), trace_id.status(), severity.status(), limit.status()}) {
    if (!s.is_ok()) return s;
  }
  if (*trace_id) {
    if (Status s = check_hex_id(**trace_id, 32, "parameter 'trace_id'"); !s.is_ok()) return s;
  }
  auto attributes = attribute_filters(request);
  if (!attributes) return attributes.status();
  query.service = *service;
  query.event_name = *event_name;
  query.trace_id = *trace_id;
  query.min_severity = *severity;
  query.text = *q;
  query.attributes = std::move(attributes.value());
  query.limit = limit->value_or(wire::kDefaultLimit);
  if (auto cursor = params.text("cursor")) {
    auto parsed = wire::log_cursor_from_text(*cursor);
    if (!parsed) return parsed.status();
    query.cursor = std::move(parsed.value());
  }
  return query;
}

}  // namespace

ApiReply LogsRoutes::search(const ApiRequest& request) {
  auto query = logs_query(request);
  if (!query) return error_reply(query.status());
  auto answer = service_.logs(*query);
  if (!answer.ok()) return failure_reply(answer);
  json body = {{"logs", std::move(answer.value.logs)}, {"next_cursor", nullptr}};
  if (answer.value.next) body["next_cursor"] = wire::to_text(*answer.value.next);
  return json_reply(mark_completeness(body, answer.missing));
}

ApiReply LogsRoutes::trace_logs(const ApiRequest& request, const std::string& trace_id) {
  QueryParams params(request.query);
  if (Status s = params.only({"span_id"}); !s.is_ok()) return error_reply(s);
  // The ids are checked as the span route checks them (its path's rules), the span id coming from the query.
  ApiRequest ids_only = request;
  ids_only.query.clear();
  const std::optional<std::string> span_id = params.text("span_id");
  auto ids = ids_from_path(ids_only, trace_id, span_id ? &*span_id : nullptr);
  if (!ids) return error_reply(ids.status());
  wire::TraceLogsQuery query{ids->trace, std::nullopt};
  if (span_id) query.span_id = ids->span;
  auto answer = service_.trace_logs(query);
  if (!answer.ok()) return failure_reply(answer);
  json body = {{"trace_id", ids->trace}, {"logs", std::move(answer.value.logs)}, {"truncated", answer.value.truncated}};
  if (span_id) body["span_id"] = ids->span;
  return json_reply(mark_completeness(body, answer.missing));
}

}  // namespace spanline::api
