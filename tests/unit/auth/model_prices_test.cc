// The model price table in meta.sqlite (MetaStore's price methods) and its ops
// at the auth-responder: every change is kept and effective from when it was
// made, the bounds of auth_messages.h hold, what is out of bounds is refused
// naming why, and only an admin (or the operator) changes prices.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "stages/auth/store/meta_store.h"
#include "tests/support/temp_dir.h"

namespace spanline::auth {
namespace {

std::unique_ptr<MetaStore> open_store(const testing::TempDir& dir) {
  auto store = MetaStore::open(MetaStore::path_in(dir.path()));
  EXPECT_TRUE(store.is_ok()) << store.status().to_string();
  return std::move(store.value());
}

TEST(ModelPrices, EveryChangeIsKeptEffectiveFromWhenItWasMade) {
  testing::TempDir dir;
  auto store = open_store(dir);
  EXPECT_TRUE(store->price_changes()->empty());
  auto first = store->set_price("gpt-4o", ModelPrice{2.5, 10, std::nullopt}, 1000, "a@example.com");
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  EXPECT_EQ(first->effective_from_ns, 1000);
  EXPECT_EQ(first->changed_by, "a@example.com");
  ASSERT_TRUE(store->set_price("gpt-4o", ModelPrice{2, 8, 1}, 2000, "b@example.com").is_ok());
  ASSERT_TRUE(store->set_price("claude-3-5-sonnet", ModelPrice{3, 15, 0.3}, 1500, "operator").is_ok());
  auto deleted = store->delete_price("gpt-4o", 3000, "a@example.com");
  ASSERT_TRUE(deleted.is_ok());
  ASSERT_TRUE(deleted->has_value());
  EXPECT_EQ((*deleted)->price, std::nullopt) << "a deletion is a change to no price";

  auto changes = store->price_changes();
  ASSERT_TRUE(changes.is_ok());
  ASSERT_EQ(changes->size(), 4u) << "nothing rewritten: every change is a row";
  EXPECT_EQ((*changes)[0].model, "claude-3-5-sonnet") << "by model, oldest first";
  EXPECT_EQ((*changes)[1], (PriceChange{"gpt-4o", ModelPrice{2.5, 10, std::nullopt}, 1000, "a@example.com"}));
  EXPECT_EQ((*changes)[2], (PriceChange{"gpt-4o", ModelPrice{2, 8, 1}, 2000, "b@example.com"}));
  EXPECT_EQ((*changes)[3], (PriceChange{"gpt-4o", std::nullopt, 3000, "a@example.com"}));

  // A restarted auth-responder reads the same history.
  store.reset();
  EXPECT_EQ(*open_store(dir)->price_changes(), *changes);
}

TEST(ModelPrices, ChangesOfAModelStayInOrderAndTheSamePriceAddsNothing) {
  testing::TempDir dir;
  auto store = open_store(dir);
  ASSERT_TRUE(store->set_price("m", ModelPrice{1, 2, std::nullopt}, 5000, "x").is_ok());
  auto again = store->set_price("m", ModelPrice{1, 2, std::nullopt}, 6000, "y");
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(again->effective_from_ns, 5000) << "the same price: the current change, no new row";
  EXPECT_EQ(store->price_changes()->size(), 1u);
  auto earlier_clock = store->set_price("m", ModelPrice{1, 3, std::nullopt}, 4000, "x");
  ASSERT_TRUE(earlier_clock.is_ok());
  EXPECT_EQ(earlier_clock->effective_from_ns, 5001) << "a clock that stepped back still orders the change after the last";
  auto gone = store->delete_price("m", 1, "x");
  ASSERT_TRUE(gone.is_ok() && gone->has_value());
  EXPECT_EQ((*gone)->effective_from_ns, 5002);
  EXPECT_FALSE(store->delete_price("m", 9000, "x")->has_value()) << "no price left to delete";
  EXPECT_FALSE(store->delete_price("never-priced", 9000, "x")->has_value());
  ASSERT_TRUE(store->set_price("m", ModelPrice{1, 3, std::nullopt}, 9000, "x").is_ok()) << "priced again after a deletion";
  EXPECT_EQ(store->price_changes()->size(), 4u);
}

TEST(ModelPrices, ANameOrAPriceOutOfBoundsIsRefusedNamingWhy) {
  testing::TempDir dir;
  auto store = open_store(dir);
  const auto refusal = [&](const std::string& model, ModelPrice price) {
    auto set = store->set_price(model, price, 1, "x");
    EXPECT_FALSE(set.is_ok()) << model;
    return set.status().to_string();
  };
  const ModelPrice fine{1, 1, std::nullopt};
  EXPECT_EQ(refusal("", fine), "invalid_argument: field 'model' must not be empty");
  EXPECT_EQ(refusal(std::string(kModelField.max_bytes + 1, 'm'), fine), "invalid_argument: field 'model' is longer than 256 bytes");
  EXPECT_EQ(refusal("gpt\n4o", fine), "invalid_argument: field 'model' must not contain control characters");
  const std::string range = " must be a number of USD per million tokens from 0 to 1000000";
  EXPECT_EQ(refusal("m", ModelPrice{-0.01, 1, std::nullopt}), "invalid_argument: field 'input_per_million'" + range);
  EXPECT_EQ(refusal("m", ModelPrice{1, kMaxPricePerMillion * 2, std::nullopt}), "invalid_argument: field 'output_per_million'" + range);
  EXPECT_EQ(refusal("m", ModelPrice{1, 1, std::numeric_limits<double>::quiet_NaN()}),
            "invalid_argument: field 'cached_input_per_million'" + range);
  EXPECT_EQ(refusal("m", ModelPrice{std::numeric_limits<double>::infinity(), 1, std::nullopt}),
            "invalid_argument: field 'input_per_million'" + range);
  EXPECT_TRUE(store->price_changes()->empty()) << "nothing refused was kept";
  EXPECT_TRUE(store->set_price("free-model", ModelPrice{0, 0, 0}, 1, "x").is_ok()) << "0 is a price (a free model), not none";
  EXPECT_TRUE(store->set_price(std::string(kModelField.max_bytes, 'm'), fine, 1, "x").is_ok());
  EXPECT_EQ(store->delete_price("", 1, "x").status().code(), Code::invalid_argument);
}

TEST(ModelPrices, AtMostTheBoundedNumberOfModelsHaveAPrice) {
  testing::TempDir dir;
  auto store = open_store(dir);
  for (size_t i = 0; i < kMaxPricedModels; ++i) {
    ASSERT_TRUE(store->set_price("model-" + std::to_string(i), ModelPrice{1, 1, std::nullopt}, 10, "x").is_ok()) << i;
  }
  auto one_more = store->set_price("one-more", ModelPrice{1, 1, std::nullopt}, 20, "x");
  EXPECT_EQ(one_more.status().to_string(),
            "failed_precondition: at most 1000 models may have a price; delete the price of one no longer used first");
  EXPECT_TRUE(store->set_price("model-0", ModelPrice{2, 2, std::nullopt}, 20, "x").is_ok()) << "a priced model may change price";
  ASSERT_TRUE(store->delete_price("model-1", 30, "x")->has_value());
  EXPECT_TRUE(store->set_price("one-more", ModelPrice{1, 1, std::nullopt}, 40, "x").is_ok()) << "a deleted price frees a place";
}

}  // namespace
}  // namespace spanline::auth
