#include "stages/api/pricing/price_source.h"

#include "base/log.h"
#include "stages/api/pricing/llm_cost.h"

namespace spanline::api {

namespace {
const std::string kBookKey = "book";  // the one entry of the cache
}

Result<std::shared_ptr<const PriceBook>> PriceSource::book() {
  if (auto cached = cache_.get(kBookKey)) return *cached;
  auto listed = client_.list_prices();
  if (!listed) return listed.status();
  auto book = std::make_shared<const PriceBook>(listed->changes);
  cache_.put(kBookKey, book);
  return book;
}

Result<auth::PriceChange> PriceSource::set(const auth::SetPrice& request) {
  auto change = client_.set_price(request);
  if (change) cache_.clear();
  return change;
}

Result<auth::PriceChange> PriceSource::remove(const auth::DeletePrice& request) {
  auto change = client_.delete_price(request);
  if (change) cache_.clear();
  return change;
}

std::string priced(std::string answer, PriceSource& prices) {
  if (!may_hold_llm_records(answer)) return answer;
  auto book = prices.book();
  if (!book) {
    log::warn("LLM calls answered without price-table costs", {{"error", book.status().message()}});
    return answer;
  }
  return price_answer(std::move(answer), **book);
}

}  // namespace spanline::api
