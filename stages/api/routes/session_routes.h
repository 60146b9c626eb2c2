#pragma once
// Sessions (issue 28): GET /api/v1/sessions (newest first by last seen, with
// turns, LLM calls, tokens, cost, error turns, users and services; filters
// service, user_id, start/end/lookback on a turn's start, q: a prefix of the
// session id; cursor paging) and GET /api/v1/sessions/{session_id} (its turns
// in time order, each a trace, with totals). Costs: sent by the application,
// else from the model price table (pricing/), null when neither.

#include <string>

#include "stages/api/http/api_types.h"
#include "stages/api/pricing/price_source.h"
#include "stages/api/query/query_service.h"

namespace spanline::api {

class SessionRoutes {
 public:
  SessionRoutes(QueryService& service, PriceSource& prices) : service_(service), prices_(prices) {}

  ApiReply list(const ApiRequest& request);
  ApiReply session(const ApiRequest& request, const std::string& session_id);

 private:
  QueryService& service_;
  PriceSource& prices_;
};

}  // namespace spanline::api
