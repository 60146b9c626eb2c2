#include "stages/api/routes/route_support.h"

#include <algorithm>

#include "base/clock.h"

namespace spanline::api {

Result<Window> read_window(const QueryParams& params) {
  auto start = params.time("start");
  auto end = params.time("end");
  auto lookback = params.duration("lookback");
  if (!start) return start.status();
  if (!end) return end.status();
  if (!lookback) return lookback.status();
  if (*start && *lookback) return Status(Code::invalid_argument, "give either 'start' or 'lookback', not both");
  Window window;
  if (*start) window.from_ns = **start;
  // Nothing is older than the epoch; stopping there keeps window arithmetic (to - from) within int64.
  if (*lookback) window.from_ns = std::max<int64_t>(0, unix_nanos_now() - (*lookback)->count());
  if (*end) window.to_ns = **end;
  if (window.from_ns && window.to_ns && *window.from_ns > *window.to_ns) return Status(Code::invalid_argument, "'start' is after 'end'");
  return window;
}

Result<PathIds> ids_from_path(const ApiRequest& request, const std::string& trace_id, const std::string* span_id) {
  if (Status s = QueryParams(request.query).only({}); !s.is_ok()) return s;
  if (Status s = check_hex_id(trace_id, 32, "trace id"); !s.is_ok()) return s;
  if (span_id != nullptr) {
    if (Status s = check_hex_id(*span_id, 16, "span id"); !s.is_ok()) return s;
  }
  auto lower = [](std::string hex) {
    for (char& c : hex) c = static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
    return hex;
  };
  return PathIds{lower(trace_id), span_id != nullptr ? lower(*span_id) : std::string()};
}

json& mark_completeness(json& body, const std::vector<uint32_t>& missing) {
  body["partial"] = !missing.empty();
  body["missing_partitions"] = missing;
  return body;
}

ApiReply failure_reply(const Status& status, const std::vector<uint32_t>& missing) {
  ApiReply reply = error_reply(status);
  if (status.code() == Code::unavailable && !missing.empty()) {
    json body = json::parse(reply.body);
    body["missing_partitions"] = missing;
    reply.body = body.dump();
  }
  return reply;
}

ApiReply raw_json_reply(std::string body) {
  ApiReply reply;
  reply.body = std::move(body);
  return reply;
}

}  // namespace spanline::api
