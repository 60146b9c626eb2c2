#include "stages/api/routes/session_routes.h"

#include "stages/api/routes/route_support.h"

namespace spanline::api {

namespace wire = protocol::query;

namespace {

Result<wire::SessionsQuery> sessions_query(const ApiRequest& request) {
  QueryParams params(request.query);
  if (Status s = params.only({"service", "user_id", "start", "end", "lookback", "q", "limit", "cursor"}); !s.is_ok()) return s;
  auto window = read_window(params);
  if (!window) return window.status();
  wire::SessionsQuery query;
  query.from_ns = window->from_ns;
  query.to_ns = window->to_ns;
  auto service = params.text("service", 1, 512);
  auto user_id = params.text("user_id", 1, 1024);
  auto prefix = params.text("q", 1, wire::kMaxSessionPrefix);
  auto limit = params.integer("limit", 1, wire::kMaxLimit);
  for (const Status& s : {service.status(), user_id.status(), prefix.status(), limit.status()}) {
    if (!s.is_ok()) return s;
  }
  query.service = *service;
  query.user_id = *user_id;
  query.id_prefix = *prefix;
  query.limit = limit->value_or(wire::kDefaultLimit);
  if (auto cursor = params.text("cursor")) {
    auto parsed = wire::session_cursor_from_text(*cursor);
    if (!parsed) return parsed.status();
    query.cursor = std::move(parsed.value());
  }
  return query;
}

}  // namespace

ApiReply SessionRoutes::list(const ApiRequest& request) {
  auto query = sessions_query(request);
  if (!query) return error_reply(query.status());
  // Without the prices (the auth-responder silent), sessions still answer, with sent costs only.
  auto book = prices_.book();
  auto answer = service_.sessions(*query, book ? book->get() : nullptr);
  if (!answer.ok()) return failure_reply(answer);
  json body = {{"sessions", std::move(answer.value.sessions)}, {"next_cursor", nullptr}};
  if (answer.value.next) body["next_cursor"] = wire::to_text(*answer.value.next);
  return json_reply(mark_completeness(body, answer.missing));
}

ApiReply SessionRoutes::session(const ApiRequest& request, const std::string& session_id) {
  QueryParams params(request.query);
  if (Status s = params.only({}); !s.is_ok()) return error_reply(s);
  if (session_id.empty() || session_id.size() > 1024) {
    return error_reply(Status(Code::invalid_argument, "parameter 'session_id': 1 to 1024 bytes"));
  }
  auto book = prices_.book();
  auto answer = service_.session(wire::SessionQuery{session_id}, book ? book->get() : nullptr);
  if (!answer.ok()) return failure_reply(answer);
  return json_reply(mark_completeness(answer.value, answer.missing));
}

}  // namespace spanline::api
