#pragma once
// What the index routes share: the time window every listing takes, ids read
// from a path, and turning a QueryService answer into a reply (an error with
// the partitions that did not answer, or the body with "partial" and
// "missing_partitions").

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "stages/api/http/api_types.h"
#include "stages/api/http/query_params.h"
#include "stages/api/query/query_service.h"

namespace spanline::api {

// start/end, or lookback from now (unix ns); 400s name the parameter.
struct Window {
  std::optional<int64_t> from_ns, to_ns;
};
Result<Window> read_window(const QueryParams& params);

// A trace id (and span id) from a path: no query parameters, hex checked, lower-cased.
struct PathIds {
  std::string trace, span;
};
Result<PathIds> ids_from_path(const ApiRequest& request, const std::string& trace_id, const std::string* span_id);

// Adds "partial" and "missing_partitions" to an answer built from several partitions.
json& mark_completeness(json& body, const std::vector<uint32_t>& missing);

// The reply for an answer that is not ok: its status as an error, and when no
// indexer answered, the partitions that were asked.
ApiReply failure_reply(const Status& status, const std::vector<uint32_t>& missing);
template <typename T>
ApiReply failure_reply(const Answer<T>& answer) {
  return failure_reply(answer.status, answer.missing);
}

// A body the service already wrote as JSON text, sent as it is.
ApiReply raw_json_reply(std::string body);

}  // namespace spanline::api
