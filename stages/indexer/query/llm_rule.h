#pragma once
// The one rule for what an LLM span is and what it reports, whichever
// convention wrote it: OpenTelemetry GenAI (current keys first, then their
// deprecated names) or OpenInference. The indexer applies it in SQL, both to
// each span it returns (its `llm` object, which the web UI shows as is) and to
// the LLM usage aggregation, so the span view and the usage page cannot
// disagree.
//
// Precedence (first present wins), as the GenAI conventions and the leading
// tools (Langfuse, Phoenix) read them:
// - model: gen_ai.response.model (what answered, often a dated variant),
//   gen_ai.request.model, llm.model_name;
// - provider: gen_ai.provider.name, gen_ai.system (deprecated), llm.provider, llm.system;
// - input tokens: gen_ai.usage.input_tokens, gen_ai.usage.prompt_tokens, llm.token_count.prompt;
// - output tokens: gen_ai.usage.output_tokens, gen_ai.usage.completion_tokens, llm.token_count.completion.
// - Junjo agent model requests (SDK 0.66) last: junjo.agent.model.name and
//   .provider, tokens from the junjo.agent.model.usage JSON (inputTokens,
//   outputTokens).
// A span is an LLM span when it carries a model or provider key above, or
// openinference.span.kind = LLM. A Junjo model request whose driver's own
// call is traced below it as an LLM span is counted once in the usage: the
// call below it counts (counted_once_sql).

#include <string>
#include <string_view>

namespace spanline::indexer::query::llm {

// The model a span reports (NULL when none), from the span's `attributes` column.
std::string model_sql(std::string_view attributes);
std::string provider_sql(std::string_view attributes);
std::string input_tokens_sql(std::string_view attributes);
std::string output_tokens_sql(std::string_view attributes);
// 1 for an LLM span, 0 otherwise, from the span's `attributes` column; a cheap
// text check first, so spans without such keys cost no JSON parse.
std::string is_llm_sql(std::string_view attributes);
// The same over span_attributes rows (key, text): a condition true for a row
// that makes its span an LLM span (the usage query's index-driven filter).
std::string marks_llm_sql(std::string_view key, std::string_view text);
// A condition on the spans row `span` (an alias): false for a Junjo model
// request with an LLM span directly below it, so one call counts once.
std::string counted_once_sql(std::string_view span);

}  // namespace spanline::indexer::query::llm
