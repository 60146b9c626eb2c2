#pragma once
// LLM usage: calls, errors, tokens and latency quantiles by model and by
// service over a window, in buckets (about 60 when no size is given), with
// their cost: sent by the applications, else from the model price table at
// each bucket's start (pricing/llm_cost.h).

#include "stages/api/http/api_types.h"
#include "stages/api/pricing/price_source.h"
#include "stages/api/query/query_service.h"

namespace spanline::api {

class LlmRoutes {
 public:
  LlmRoutes(QueryService& service, PriceSource& prices) : service_(service), prices_(prices) {}

  ApiReply usage(const ApiRequest& request);

 private:
  QueryService& service_;
  PriceSource& prices_;
};

}  // namespace spanline::api
