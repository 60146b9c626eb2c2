// The api's pricing (stages/api/pricing): the price in effect at a time, what a
// call costs (cached input tokens at their own price), that a sent cost always
// wins, that a model without a price stays without a cost (null, never 0), and
// that answers without LLM calls go out untouched.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "stages/api/pricing/llm_cost.h"
#include "stages/api/pricing/price_book.h"

namespace spanline::api {
namespace {

using json = nlohmann::json;
using auth::ModelPrice;
using auth::PriceChange;

// gpt-4o: 2.5/10 from t=100, 2/8 with cached 1 from t=200, no price from t=300, 5/20 from t=400.
PriceBook sample_book() {
  return PriceBook({PriceChange{"gpt-4o", ModelPrice{2.5, 10, std::nullopt}, 100, "a@example.com"},
                    PriceChange{"gpt-4o", ModelPrice{2, 8, 1}, 200, "a@example.com"},
                    PriceChange{"gpt-4o", std::nullopt, 300, "a@example.com"},
                    PriceChange{"gpt-4o", ModelPrice{5, 20, std::nullopt}, 400, "operator"},
                    PriceChange{"o1", ModelPrice{15, 60, 7.5}, 50, "operator"}});
}

TEST(PriceBook, ThePriceInEffectIsTheLatestChangeAtOrBeforeTheTime) {
  const PriceBook book = sample_book();
  EXPECT_FALSE(book.price_at("gpt-4o", 99)) << "before its first price: none";
  EXPECT_EQ(book.price_at("gpt-4o", 100)->price, (ModelPrice{2.5, 10, std::nullopt})) << "from the change's own time";
  EXPECT_EQ(book.price_at("gpt-4o", 199)->effective_from_ns, 100);
  EXPECT_EQ(book.price_at("gpt-4o", 200)->effective_from_ns, 200);
  EXPECT_FALSE(book.price_at("gpt-4o", 300)) << "deleted: none from then on";
  EXPECT_FALSE(book.price_at("gpt-4o", 399));
  EXPECT_EQ(book.price_at("gpt-4o", 1'000'000)->price.input_per_million, 5) << "priced again";
  EXPECT_FALSE(book.price_at("GPT-4o", 1000)) << "matched exactly, case and all";
  EXPECT_FALSE(book.price_at("gpt-4o-2024-08-06", 1000)) << "the model group, not a dated model";
  EXPECT_FALSE(book.price_at("unknown", 1000));
  EXPECT_TRUE(PriceBook().empty());
  EXPECT_FALSE(book.empty());
}

TEST(LlmCost, InputAndOutputAtTheirPricesAndCachedInputAtItsOwn) {
  auto plain = cost_at({1'000'000, 500'000, std::nullopt}, ModelPrice{2.5, 10, std::nullopt});
  ASSERT_TRUE(plain);
  EXPECT_DOUBLE_EQ(*plain->input, 2.5);
  EXPECT_DOUBLE_EQ(*plain->output, 5.0);
  EXPECT_DOUBLE_EQ(plain->total, 7.5);
  // 1000 input tokens of which 400 from the cache: 600 x 2 + 400 x 1 per million.
  auto cached = cost_at({1000, 100, 400}, ModelPrice{2, 8, 1});
  EXPECT_DOUBLE_EQ(*cached->input, (600 * 2.0 + 400 * 1.0) / 1e6);
  EXPECT_DOUBLE_EQ(cached->total, (600 * 2.0 + 400 * 1.0 + 100 * 8.0) / 1e6);
  auto no_cached_price = cost_at({1000, 0, 400}, ModelPrice{2, 8, std::nullopt});
  EXPECT_DOUBLE_EQ(*no_cached_price->input, 1000 * 2.0 / 1e6) << "no cached price: cached tokens at the input price";
  auto embedding = cost_at({2000, std::nullopt, std::nullopt}, ModelPrice{0.1, 0, std::nullopt});
  EXPECT_DOUBLE_EQ(embedding->total, 2000 * 0.1 / 1e6);
  EXPECT_FALSE(embedding->output) << "output tokens not sent: no output cost";
  EXPECT_FALSE(cost_at({std::nullopt, std::nullopt, 5}, ModelPrice{1, 1, std::nullopt})) << "no tokens, no cost";
  EXPECT_DOUBLE_EQ(*cost_at({10, 0, 50}, ModelPrice{1, 1, 0})->input, 0) << "more cached than input: all input cached";
}

json llm_record(const char* model_group, json input_tokens, json output_tokens, json cost = nullptr) {
  return {{"model_group", model_group}, {"input_tokens", input_tokens}, {"output_tokens", output_tokens},
          {"cache_read_tokens", nullptr}, {"cost", cost}};
}

TEST(LlmCost, ARecordWithoutASentCostIsPricedAtItsStartAndSaysSo) {
  const PriceBook book = sample_book();
  json llm = llm_record("gpt-4o", 1'000'000, 1'000'000);
  ASSERT_TRUE(price_record(llm, 150, book));
  EXPECT_EQ(llm["cost"], (json{{"input", 2.5}, {"output", 10.0}, {"total", 12.5}, {"currency", "USD"}, {"source", "price_table"},
                               {"effective_from_ns", 100}}));
  json later = llm_record("gpt-4o", 1'000'000, 1'000'000);
  ASSERT_TRUE(price_record(later, 250, book));
  EXPECT_EQ(later["cost"]["total"], 10.0) << "a call after a change has the new price";
  EXPECT_EQ(later["cost"]["effective_from_ns"], 200);
}

TEST(LlmCost, ASentCostAlwaysWinsAndNoPriceStaysNull) {
  const PriceBook book = sample_book();
  const json sent = {{"input", 0.01}, {"output", 0.02}, {"total", 0.03}, {"currency", "USD"}, {"source", "sent"}};
  json with_sent = llm_record("gpt-4o", 1000, 1000, sent);
  EXPECT_FALSE(price_record(with_sent, 150, book));
  EXPECT_EQ(with_sent["cost"], sent);
  for (int64_t start : {50, 350}) {  // before the first price; after the deletion
    json unpriced = llm_record("gpt-4o", 1000, 1000);
    EXPECT_FALSE(price_record(unpriced, start, book)) << start;
    EXPECT_TRUE(unpriced["cost"].is_null()) << "no price: null, never 0";
  }
  json unknown = llm_record("mystery-model", 1000, 1000);
  EXPECT_FALSE(price_record(unknown, 150, book));
  EXPECT_TRUE(unknown["cost"].is_null());
  json no_tokens = llm_record("gpt-4o", nullptr, nullptr);
  EXPECT_FALSE(price_record(no_tokens, 150, book));
  EXPECT_TRUE(no_tokens["cost"].is_null());
  json no_group = {{"model_group", nullptr}, {"input_tokens", 5}, {"cost", nullptr}};
  EXPECT_FALSE(price_record(no_group, 150, book));
}

TEST(LlmCost, AnAnswerIsPricedSpanBySpanAndOneWithoutLlmCallsGoesOutAsItCame) {
  const PriceBook book = sample_book();
  json trace = {{"trace_id", "t"},
                {"spans", json::array({json{{"span_id", "a"}, {"start_ns", 150}, {"llm", llm_record("gpt-4o", 1'000'000, 0)}},
                                       json{{"span_id", "b"}, {"start_ns", 150}},
                                       json{{"span_id", "c"}, {"start_ns", 150}, {"llm", llm_record("unknown", 1, 1)}}})}};
  json priced = json::parse(price_answer(trace.dump(), book));
  EXPECT_EQ(priced["spans"][0]["llm"]["cost"]["total"], 2.5);
  EXPECT_FALSE(priced["spans"][1].contains("llm"));
  EXPECT_TRUE(priced["spans"][2]["llm"]["cost"].is_null());

  const json span = {{"span_id", "a"}, {"start_ns", 450}, {"llm", llm_record("gpt-4o", 1'000'000, 0)}};
  EXPECT_EQ(json::parse(price_answer(span.dump(), book))["llm"]["cost"]["total"], 5.0) << "one span";
  const json array = json::array({span});
  EXPECT_EQ(json::parse(price_answer(array.dump(), book))[0]["llm"]["cost"]["total"], 5.0) << "an array of spans";

  const std::string plain = R"({"trace_id":"t","spans":[{"span_id":"b","start_ns":1, "attributes":{"x":1}}]})";
  EXPECT_EQ(price_answer(plain, book), plain) << "no LLM record: the text as it came";
  EXPECT_FALSE(may_hold_llm_records(plain));
  const std::string unpriced = json{{"spans", json::array({json{{"start_ns", 1}, {"llm", llm_record("unknown", 1, 1)}}})}}.dump();
  EXPECT_EQ(price_answer(unpriced, book), unpriced) << "nothing priced: the text as it came";
  const std::string with_llm = trace.dump();
  EXPECT_EQ(price_answer(with_llm, PriceBook()), with_llm) << "an empty table prices nothing";
}

TEST(LlmCost, AUsageRowIsPricedAtItsBucketStartOnlyWhenNoCallSentACost) {
  const PriceBook book = sample_book();
  protocol::query::UsageRow row;
  row.model = "gpt-4o";
  row.bucket_start_ns = 150;
  row.calls = 3;
  row.input_tokens = 1'000'000;
  row.output_tokens = 100'000;
  EXPECT_DOUBLE_EQ(*usage_row_cost(row, book), 2.5 + 1.0);
  row.cache_read_tokens = 500'000;
  row.bucket_start_ns = 250;
  EXPECT_DOUBLE_EQ(*usage_row_cost(row, book), (500'000 * 2.0 + 500'000 * 1.0 + 100'000 * 8.0) / 1e6);
  row.bucket_start_ns = 350;
  EXPECT_FALSE(usage_row_cost(row, book)) << "no price in that bucket";
  row.bucket_start_ns = 150;
  row.cost_calls = 1;
  EXPECT_FALSE(usage_row_cost(row, book)) << "some calls sent a cost: the others' tokens are not told apart";
  row.cost_calls = 0;
  row.model = "unknown";
  EXPECT_FALSE(usage_row_cost(row, book));
  row.model = "gpt-4o";
  row.input_tokens = row.output_tokens = row.cache_read_tokens = 0;
  EXPECT_FALSE(usage_row_cost(row, book)) << "no tokens: no cost, not 0";
}

}  // namespace
}  // namespace spanline::api
