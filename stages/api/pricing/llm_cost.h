#pragma once
// What an LLM call costs at a model price: input tokens at the input price
// (those of them read from a cache, cache_read_tokens, at the cached-input
// price, or the input price when the table has none), output tokens at the
// output price, in USD per million tokens. Where an LLM record's cost comes
// from: sent by the application always wins; else the price table's price in
// effect at the call's start; else none ("no price", never 0). HTTP-free.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "protocol/query/query_messages.h"
#include "stages/api/pricing/price_book.h"

namespace spanline::api {

// A call's tokens as its record has them (nullopt: not sent).
struct CallTokens {
  std::optional<int64_t> input, output, cache_read;
};

struct CallCost {
  std::optional<double> input, output;  // nullopt: those tokens were not sent
  double total = 0;                     // of the parts known
};

// nullopt when neither input nor output tokens are known: no tokens, no cost.
std::optional<CallCost> cost_at(const CallTokens& tokens, const auth::ModelPrice& price);

// The value of SpanLlm's `source` for a cost computed here (LlmCost in openapi.json).
inline constexpr const char* kPriceTableSource = "price_table";

// Gives an LLM record (SpanLlm's JSON) a cost from `book` when the application
// sent none and its model_group has a price at `start_ns`: {input, output,
// total, currency "USD", source "price_table", effective_from_ns}. A record
// with a sent cost, without a model group, or without a price is left as it is.
// True when the record changed.
bool price_record(nlohmann::json& llm, int64_t start_ns, const PriceBook& book);

// The price-table cost of one row of the LLM usage (one model group, service
// and bucket), at the price in effect at the bucket's start (a change made
// inside a bucket counts from the next one): nullopt unless the model has a
// price then and none of the row's calls sent a cost of its own. A row where
// only some calls sent one is not priced: the row's tokens are not split by
// that, so the table's cost of the others cannot be told apart.
std::optional<double> usage_row_cost(const protocol::query::UsageRow& row, const PriceBook& book);

// Whether an index answer's text may hold an LLM record (a span's "llm"
// object): when not, it needs no prices and goes out as it came.
bool may_hold_llm_records(std::string_view answer);

// An index answer (a span, an array of spans, or an object with "spans": a
// trace, a workflow or agent run) with every LLM span priced by price_record.
// The text is returned as it came, unparsed, when the book is empty or no span
// changed, so that answers without LLM calls cost nothing more.
std::string price_answer(std::string answer, const PriceBook& book);

}  // namespace spanline::api
