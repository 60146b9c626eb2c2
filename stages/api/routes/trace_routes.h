#pragma once
// Traces and their search: services, a service's operations, trace search
// (newest first, by cursor), a trace, a span. Each reads its parameters (400
// naming the bad one), asks the QueryService and writes its answer; answers
// from several partitions say whether they are complete. LLM spans without a
// sent cost are costed from the model price table (pricing/).

#include <string>

#include "stages/api/http/api_types.h"
#include "stages/api/pricing/price_source.h"
#include "stages/api/query/query_service.h"

namespace spanline::api {

class TraceRoutes {
 public:
  TraceRoutes(QueryService& service, PriceSource& prices) : service_(service), prices_(prices) {}

  ApiReply services(const ApiRequest& request);
  ApiReply operations(const ApiRequest& request, const std::string& service);
  ApiReply search(const ApiRequest& request);
  ApiReply trace(const ApiRequest& request, const std::string& trace_id);
  ApiReply span(const ApiRequest& request, const std::string& trace_id, const std::string& span_id);

 private:
  QueryService& service_;
  PriceSource& prices_;
};

}  // namespace spanline::api
