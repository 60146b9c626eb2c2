#pragma once
// Junjo workflow runs: the list (newest first, by cursor, filtered by service,
// name (exact or contained), window, status and type) and one run with its spans and its state
// replayed step by step. LLM spans without a sent cost are costed from the
// model price table (pricing/).

#include <string>

#include "stages/api/http/api_types.h"
#include "stages/api/pricing/price_source.h"
#include "stages/api/query/query_service.h"

namespace spanline::api {

class WorkflowRoutes {
 public:
  WorkflowRoutes(QueryService& service, PriceSource& prices) : service_(service), prices_(prices) {}

  ApiReply workflows(const ApiRequest& request);
  ApiReply workflow(const ApiRequest& request, const std::string& trace_id, const std::string& span_id);
  // One agent run (Junjo SDK 0.66): its operations in order, usage, outcome, parent run.
  ApiReply agent(const ApiRequest& request, const std::string& trace_id, const std::string& span_id);

 private:
  QueryService& service_;
  PriceSource& prices_;
};

}  // namespace spanline::api
