#pragma once
// The api's view of the model price table: the auth-responder's list_prices,
// as a PriceBook, fetched at most once per kPriceCacheTtl (protocol/auth/
// ttl_cache.h) whatever the number of spans or requests priced with it, so a
// page of spans costs one price lookup at most. A change made through this api
// is seen at once (it forgets its copy); one made elsewhere (another api, the
// CLI) within kPriceCacheTtl.
//
// Threads: any.

#include <chrono>
#include <memory>
#include <string>

#include "base/status.h"
#include "protocol/auth/auth_client.h"
#include "protocol/auth/ttl_cache.h"
#include "stages/api/pricing/price_book.h"

namespace spanline::api {

inline constexpr std::chrono::seconds kPriceCacheTtl{5};

class PriceSource;

// An index answer's text with its LLM spans priced (llm_cost.h, price_answer):
// the prices are asked for only when the answer may hold an LLM record. When
// the auth-responder cannot say, the answer goes out unpriced (sent costs only).
std::string priced(std::string answer, PriceSource& prices);

class PriceSource {
 public:
  explicit PriceSource(auth::AuthClient& client) : client_(client) {}

  // The table's every change (what GET /api/v1/llm/prices shows), asked of the auth-responder now.
  Result<auth::PriceList> changes() { return client_.list_prices(); }
  // The prices to cost LLM calls with; the auth-responder's error when it cannot say.
  Result<std::shared_ptr<const PriceBook>> book();
  // Changes, asked for by a signed-in user (the auth-responder holds them to
  // their role); a change made is seen by this api's next book() at once.
  Result<auth::PriceChange> set(const auth::SetPrice& request);
  Result<auth::PriceChange> remove(const auth::DeletePrice& request);

 private:
  auth::AuthClient& client_;
  auth::TtlCache<std::shared_ptr<const PriceBook>> cache_{kPriceCacheTtl, 1};
};

}  // namespace spanline::api
