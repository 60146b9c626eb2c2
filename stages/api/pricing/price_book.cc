#include "stages/api/pricing/price_book.h"

namespace spanline::api {

PriceBook::PriceBook(const std::vector<auth::PriceChange>& changes) {
  for (const auth::PriceChange& change : changes) by_model_[change.model][change.effective_from_ns] = change.price;
}

std::optional<EffectivePrice> PriceBook::price_at(const std::string& model, int64_t at_ns) const {
  auto found = by_model_.find(model);
  if (found == by_model_.end()) return std::nullopt;
  const auto& history = found->second;
  auto after = history.upper_bound(at_ns);  // the first change made after `at_ns`
  if (after == history.begin()) return std::nullopt;
  const auto& [from, price] = *std::prev(after);
  if (!price) return std::nullopt;
  return EffectivePrice{*price, from};
}

}  // namespace spanline::api
