#include "stages/api/routes/price_routes.h"

#include "protocol/auth/auth_codec.h"
#include "stages/api/auth/auth_routes.h"

namespace spanline::api {

json prices_body(const std::vector<auth::PriceChange>& changes) {
  json models = json::array();
  for (size_t i = 0; i < changes.size();) {
    size_t end = i;
    while (end < changes.size() && changes[end].model == changes[i].model) ++end;
    json history = json::array();
    for (size_t k = end; k > i; --k) history.push_back(auth::encode(changes[k - 1]));
    models.push_back({{"model", changes[i].model}, {"current", history.front()}, {"history", std::move(history)}});
    i = end;
  }
  return {{"models", std::move(models)},
          {"limits",
           {{"max_priced_models", auth::kMaxPricedModels},
            {"max_model_bytes", auth::kModelField.max_bytes},
            {"max_price_per_million", auth::kMaxPricePerMillion},
            {"cache_ttl_s", kPriceCacheTtl.count()}}}};
}

ApiReply PriceRoutes::prices(const ApiRequest& request) {
  if (request.method != "GET" && request.method != "HEAD") return method_not_allowed(request, "GET, HEAD");
  auto listed = prices_.changes();
  if (!listed) return error_reply(listed.status());
  return json_reply(prices_body(listed->changes));
}

ApiReply PriceRoutes::price(const ApiRequest& request, const std::string& model) {
  if (request.method != "PUT" && request.method != "DELETE") return method_not_allowed(request, "PUT, DELETE");
  const auth::Asker asker = auth::Asker::with_session(request.session);
  if (request.method == "DELETE") {
    auto change = prices_.remove(auth::DeletePrice{asker, model});
    return change ? json_reply(auth::encode(*change)) : error_reply(change.status());
  }
  auto set = auth_request_from_body<auth::SetPrice>(request, auth::kModelField, model);
  if (!set) return error_reply(set.status());
  auto change = prices_.set(*set);
  return change ? json_reply(auth::encode(*change)) : error_reply(change.status());
}

}  // namespace spanline::api
