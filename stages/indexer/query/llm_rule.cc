#include "stages/indexer/query/llm_rule.h"

#include <vector>

namespace spanline::indexer::query::llm {
namespace {

using Keys = std::vector<std::string_view>;

const Keys kModel = {"gen_ai.response.model", "gen_ai.request.model", "llm.model_name"};
const Keys kProvider = {"gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system"};
const Keys kInputTokens = {"gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt"};
const Keys kOutputTokens = {"gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.token_count.completion"};
constexpr std::string_view kKindKey = "openinference.span.kind";
constexpr std::string_view kKindLlm = "LLM";

std::string path(std::string_view key) { return "'$.\"" + std::string(key) + "\"'"; }

std::string first_present(const Keys& keys, std::string_view attributes) {
  std::string sql = "coalesce(";
  for (std::string_view key : keys) sql += "json_extract(" + std::string(attributes) + ", " + path(key) + "), ";
  return sql + "NULL)";
}

}  // namespace

std::string model_sql(std::string_view attributes) { return first_present(kModel, attributes); }
std::string provider_sql(std::string_view attributes) { return first_present(kProvider, attributes); }
std::string input_tokens_sql(std::string_view attributes) { return first_present(kInputTokens, attributes); }
std::string output_tokens_sql(std::string_view attributes) { return first_present(kOutputTokens, attributes); }

std::string is_llm_sql(std::string_view attributes) {
  const std::string column(attributes);
  std::string marked;
  for (const Keys* keys : {&kModel, &kProvider}) {
    for (std::string_view key : *keys) marked += "json_type(" + column + ", " + path(key) + ") IS NOT NULL OR ";
  }
  marked += "json_extract(" + column + ", " + path(kKindKey) + ") = '" + std::string(kKindLlm) + "'";
  return "(CASE WHEN (instr(" + column + ", '\"gen_ai.') > 0 OR instr(" + column + ", '\"llm.') > 0 OR instr(" + column + ", '\"" +
         std::string(kKindKey) + "\"') > 0) AND json_valid(" + column + ") THEN (" + marked + ") ELSE 0 END)";
}

std::string marks_llm_sql(std::string_view key, std::string_view text) {
  std::string keys;
  for (const Keys* list : {&kModel, &kProvider}) {
    for (std::string_view k : *list) keys += (keys.empty() ? "'" : ", '") + std::string(k) + "'";
  }
  return "(" + std::string(key) + " IN (" + keys + ") OR (" + std::string(key) + " = '" + std::string(kKindKey) + "' AND " +
         std::string(text) + " = '" + std::string(kKindLlm) + "'))";
}

}  // namespace spanline::indexer::query::llm
