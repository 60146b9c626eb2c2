#pragma once
// The model price table over HTTP (Settings' "Model prices"): GET
// /api/v1/llm/prices lists each model's price now and its every change; PUT
// and DELETE /api/v1/llm/prices/{model} change one, each a typed
// auth-responder request (protocol/auth/auth_messages.h) carrying the session,
// so the auth-responder holds the asker to their role (admins only). A change
// applies to calls from when it was made; it is seen at once by this api (its
// price cache is forgotten) and by other api instances within kPriceCacheTtl.

#include <string>

#include "stages/api/http/api_types.h"
#include "stages/api/pricing/price_source.h"

namespace spanline::api {

class PriceRoutes {
 public:
  explicit PriceRoutes(PriceSource& prices) : prices_(prices) {}

  ApiReply prices(const ApiRequest& request);                            // GET
  ApiReply price(const ApiRequest& request, const std::string& model);   // PUT {input_per_million, output_per_million, cached_input_per_million?}, DELETE

 private:
  PriceSource& prices_;
};

// GET /api/v1/llm/prices's body from the table's changes (by model, oldest
// first): {"models": [{model, current, history}], "limits": {...}}, `current`
// being the latest change (its price null when deleted), `history` every change
// newest first. Needs no route state.
json prices_body(const std::vector<auth::PriceChange>& changes);

}  // namespace spanline::api
