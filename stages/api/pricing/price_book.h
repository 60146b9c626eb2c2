#pragma once
// The model price table as the api prices LLM calls with it: for a model group
// and a time, the price in effect then (the latest change made at or before it),
// or none. Built from the auth-responder's list_prices answer (every change
// kept, protocol/auth/auth_messages.h); a model matches a call's model_group
// exactly (case and all), as the price table names it. HTTP-free.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocol/auth/auth_messages.h"

namespace spanline::api {

// A price and the time its change was made (what a cost computed with it says).
struct EffectivePrice {
  auth::ModelPrice price;
  int64_t effective_from_ns = 0;
};

class PriceBook {
 public:
  PriceBook() = default;
  explicit PriceBook(const std::vector<auth::PriceChange>& changes);

  // The price of `model` at `at_ns`: nullopt before its first change, and from a
  // deletion until it is priced again.
  std::optional<EffectivePrice> price_at(const std::string& model, int64_t at_ns) const;
  // No change was ever made: nothing to price with (answers go out as they came).
  bool empty() const { return by_model_.empty(); }

 private:
  // model -> its changes by effective time; a deletion is a change without a price.
  std::map<std::string, std::map<int64_t, std::optional<auth::ModelPrice>>, std::less<>> by_model_;
};

}  // namespace spanline::api
