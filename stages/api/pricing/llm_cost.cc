#include "stages/api/pricing/llm_cost.h"

#include <algorithm>

namespace spanline::api {

using json = nlohmann::json;

namespace {

constexpr double kTokensPerPrice = 1'000'000;  // prices are per million tokens

std::optional<int64_t> integer_at(const json& object, const char* key) {
  auto found = object.find(key);
  if (found == object.end() || !found->is_number_integer()) return std::nullopt;
  return found->get<int64_t>();
}

json number_or_null(const std::optional<double>& value) { return value ? json(*value) : json(nullptr); }

}  // namespace

std::optional<CallCost> cost_at(const CallTokens& tokens, const auth::ModelPrice& price) {
  if (!tokens.input && !tokens.output) return std::nullopt;
  CallCost cost;
  if (tokens.input) {
    // Cached tokens are counted inside the input tokens (GenAI and OpenInference both say so).
    const int64_t input = std::max<int64_t>(*tokens.input, 0);
    const int64_t cached = std::clamp<int64_t>(tokens.cache_read.value_or(0), 0, input);
    const double cached_price = price.cached_input_per_million.value_or(price.input_per_million);
    cost.input = (static_cast<double>(input - cached) * price.input_per_million + static_cast<double>(cached) * cached_price) /
                 kTokensPerPrice;
    cost.total += *cost.input;
  }
  if (tokens.output) {
    cost.output = static_cast<double>(std::max<int64_t>(*tokens.output, 0)) * price.output_per_million / kTokensPerPrice;
    cost.total += *cost.output;
  }
  return cost;
}

bool price_record(json& llm, int64_t start_ns, const PriceBook& book) {
  if (!llm.is_object()) return false;
  auto sent = llm.find("cost");
  if (sent != llm.end() && !sent->is_null()) return false;  // the application's own cost wins
  auto group = llm.find("model_group");
  if (group == llm.end() || !group->is_string()) return false;
  auto price = book.price_at(group->get_ref<const std::string&>(), start_ns);
  if (!price) return false;
  auto cost = cost_at({integer_at(llm, "input_tokens"), integer_at(llm, "output_tokens"), integer_at(llm, "cache_read_tokens")},
                      price->price);
  if (!cost) return false;
  llm["cost"] = {{"input", number_or_null(cost->input)},
                 {"output", number_or_null(cost->output)},
                 {"total", cost->total},
                 {"currency", "USD"},
                 {"source", kPriceTableSource},
                 {"effective_from_ns", price->effective_from_ns}};
  return true;
}

std::optional<double> usage_row_cost(const protocol::query::UsageRow& row, const PriceBook& book) {
  if (row.calls == 0 || row.cost_calls > 0) return std::nullopt;
  if (row.input_tokens == 0 && row.output_tokens == 0) return std::nullopt;  // no tokens sent: no cost, not 0
  auto price = book.price_at(row.model, row.bucket_start_ns);
  if (!price) return std::nullopt;
  // Sums of tokens price as their calls do: the cost is linear in each count.
  auto cost = cost_at({row.input_tokens, row.output_tokens, row.cache_read_tokens}, price->price);
  if (!cost) return std::nullopt;
  return cost->total;
}

bool may_hold_llm_records(std::string_view answer) { return answer.find("\"llm\":{") != std::string_view::npos; }

namespace {

bool price_span(json& span, const PriceBook& book) {
  if (!span.is_object()) return false;
  auto llm = span.find("llm");
  if (llm == span.end()) return false;
  auto start = span.find("start_ns");
  return start != span.end() && start->is_number_integer() && price_record(*llm, start->get<int64_t>(), book);
}

}  // namespace

std::string price_answer(std::string answer, const PriceBook& book) {
  if (book.empty() || !may_hold_llm_records(answer)) return answer;
  json parsed = json::parse(answer, nullptr, false);
  json* spans = &parsed;  // an array of spans, or the spans of a trace or run
  if (parsed.is_object()) {
    auto inner = parsed.find("spans");
    if (inner == parsed.end()) {
      if (!price_span(parsed, book)) return answer;  // one span
      return parsed.dump(-1, ' ', false, json::error_handler_t::replace);
    }
    spans = &*inner;
  }
  if (!spans->is_array()) return answer;
  bool changed = false;
  for (json& span : *spans) changed = price_span(span, book) || changed;
  if (!changed) return answer;
  return parsed.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace spanline::api
