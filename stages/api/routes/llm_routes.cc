#include "stages/api/routes/llm_routes.h"

#include <algorithm>

#include "base/clock.h"
#include "stages/api/routes/route_support.h"

namespace spanline::api {

namespace wire = protocol::query;

ApiReply LlmRoutes::usage(const ApiRequest& request) {
  QueryParams params(request.query);
  if (Status s = params.only({"start", "end", "lookback", "bucket", "service", "model"}); !s.is_ok()) return error_reply(s);
  auto window = read_window(params);
  if (!window) return error_reply(window.status());
  wire::LlmUsageQuery query;
  const int64_t from = window->from_ns.value_or(unix_nanos_now() - int64_t{24} * 3600 * 1'000'000'000);
  const int64_t to = window->to_ns.value_or(unix_nanos_now());
  query.from_ns = from;
  query.to_ns = window->to_ns;
  auto bucket = params.duration("bucket");
  auto service = params.text("service", 1, 512);
  auto model = params.text("model", 1, 512);
  for (const Status& s : {bucket.status(), service.status(), model.status()}) {
    if (!s.is_ok()) return error_reply(s);
  }
  // Without a bucket size: about 60 buckets over the window, at least a minute each.
  const int64_t bucket_ns = *bucket ? (*bucket)->count() : std::max<int64_t>((to - from) / 60, 60'000'000'000);
  if (bucket_ns < wire::kMinBucketNs) return error_reply(400, "invalid_argument", "parameter 'bucket': at least 1s");
  if ((to - from) / bucket_ns > 10'000) {
    return error_reply(400, "invalid_argument", "parameter 'bucket': the window would need more than 10000 buckets");
  }
  query.bucket_ns = bucket_ns;
  query.service = *service;
  query.model = *model;
  // Without the prices (the auth-responder silent), the usage still answers, with sent costs only.
  auto book = prices_.book();
  auto answer = service_.llm_usage(query, to, book ? book->get() : nullptr);
  if (!answer.ok()) return failure_reply(answer);
  return json_reply(mark_completeness(answer.value, answer.missing));
}

}  // namespace spanline::api
