#pragma once
// Log records: the log search (GET /api/v1/logs: service, minimum severity,
// time window, attribute filters, full text, trace id, event name; newest
// first by cursor, like the trace search) and a trace's log records (GET
// /api/v1/traces/{trace_id}/logs, optionally one span's with span_id), which
// the web UI's span detail shows. Each reads its parameters (400 naming the
// bad one), asks the QueryService and writes its answer with its completeness.

#include <string>

#include "stages/api/http/api_types.h"
#include "stages/api/query/query_service.h"

namespace spanline::api {

class LogsRoutes {
 public:
  explicit LogsRoutes(QueryService& service) : service_(service) {}

  ApiReply search(const ApiRequest& request);
  ApiReply trace_logs(const ApiRequest& request, const std::string& trace_id);

 private:
  QueryService& service_;
};

}  // namespace spanline::api
