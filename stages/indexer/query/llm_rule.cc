#include "stages/indexer/query/llm_rule.h"

#include <vector>

namespace spanline::indexer::query::llm {
namespace {

using Keys = std::vector<std::string_view>;

// Junjo's agent model requests (SDK 0.66) name the model and provider of
// their driver; the conventions' keys, when a driver also sets them, go first.
const Keys kModel = {"gen_ai.response.model", "gen_ai.request.model", "llm.model_name", "junjo.agent.model.name"};
const Keys kProvider = {"gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system", "junjo.agent.model.provider"};
const Keys kInputTokens = {"gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt"};
const Keys kOutputTokens = {"gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.token_count.completion"};
// A Junjo model request's usage: one JSON text, {"v":1,"inputTokens":..,"outputTokens":..}.
constexpr std::string_view kJunjoUsageKey = "junjo.agent.model.usage";
constexpr std::string_view kJunjoInputTokens = "inputTokens";
constexpr std::string_view kJunjoOutputTokens = "outputTokens";
constexpr std::string_view kJunjoPrefix = "junjo.agent.model.";
constexpr std::string_view kKindKey = "openinference.span.kind";
constexpr std::string_view kKindLlm = "LLM";

std::string path(std::string_view key) { return "'$.\"" + std::string(key) + "\"'"; }

// The first of `keys` present; then, when `junjo_field` is given, that field
// of the Junjo usage text (checked to be JSON: json_extract fails the whole
// query on malformed JSON).
std::string first_present(const Keys& keys, std::string_view attributes, std::string_view junjo_field = {}) {
  std::string sql = "coalesce(";
  for (std::string_view key : keys) sql += "json_extract(" + std::string(attributes) + ", " + path(key) + "), ";
  if (!junjo_field.empty()) {
    const std::string usage = "json_extract(" + std::string(attributes) + ", " + path(kJunjoUsageKey) + ")";
    sql += "CASE WHEN json_valid(" + usage + ") THEN json_extract(" + usage + ", '$." + std::string(junjo_field) + "') END, ";
  }
  return sql + "NULL)";
}

}  // namespace

std::string model_sql(std::string_view attributes) { return first_present(kModel, attributes); }
std::string provider_sql(std::string_view attributes) { return first_present(kProvider, attributes); }
std::string input_tokens_sql(std::string_view attributes) { return first_present(kInputTokens, attributes, kJunjoInputTokens); }
std::string output_tokens_sql(std::string_view attributes) { return first_present(kOutputTokens, attributes, kJunjoOutputTokens); }

std::string is_llm_sql(std::string_view attributes) {
  const std::string column(attributes);
  std::string marked;
  for (const Keys* keys : {&kModel, &kProvider}) {
    for (std::string_view key : *keys) marked += "json_type(" + column + ", " + path(key) + ") IS NOT NULL OR ";
  }
  marked += "json_extract(" + column + ", " + path(kKindKey) + ") = '" + std::string(kKindLlm) + "'";
  return "(CASE WHEN (instr(" + column + ", '\"gen_ai.') > 0 OR instr(" + column + ", '\"llm.') > 0 OR instr(" + column + ", '\"" +
         std::string(kKindKey) + "\"') > 0 OR instr(" + column + ", '\"" + std::string(kJunjoPrefix) + "') > 0) AND json_valid(" +
         column + ") THEN (" + marked + ") ELSE 0 END)";
}

std::string marks_llm_sql(std::string_view key, std::string_view text) {
  std::string keys;
  for (const Keys* list : {&kModel, &kProvider}) {
    for (std::string_view k : *list) keys += (keys.empty() ? "'" : ", '") + std::string(k) + "'";
  }
  return "(" + std::string(key) + " IN (" + keys + ") OR (" + std::string(key) + " = '" + std::string(kKindKey) + "' AND " +
         std::string(text) + " = '" + std::string(kKindLlm) + "'))";
}

std::string counted_once_sql(std::string_view span) {
  const std::string s(span);
  return "NOT (instr(" + s + ".attributes, '\"" + std::string(kJunjoPrefix) + "') > 0 AND EXISTS (SELECT 1 FROM spans child WHERE " +
         "child.trace_id = " + s + ".trace_id AND child.parent_span_id = " + s + ".span_id AND " + is_llm_sql("child.attributes") +
         " = 1))";
}

}  // namespace spanline::indexer::query::llm
