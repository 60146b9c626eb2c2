#pragma once
// LLM usage: calls, errors, tokens and latency quantiles by model and by
// service over a window, in buckets (about 60 when no size is given).

#include "stages/api/http/api_types.h"
#include "stages/api/query/query_service.h"

namespace spanline::api {

class LlmRoutes {
 public:
  explicit LlmRoutes(QueryService& service) : service_(service) {}

  ApiReply usage(const ApiRequest& request);

 private:
  QueryService& service_;
};

}  // namespace spanline::api
