#pragma once
// The series an LLM call is counted in, so that one model is one series:
// providers answer with a dated snapshot of the model asked for (gpt-4o ->
// gpt-4o-2024-08-06, claude-3-5-sonnet -> claude-3-5-sonnet-20241022).

#include <optional>
#include <string>
#include <string_view>

namespace spanline::indexer::llm {

// `model` without a trailing date stamp: -YYYY-MM-DD, -YYYYMMDD or @YYYYMMDD
// (Vertex AI's form), a plausible date of this century; unchanged otherwise.
std::string fold_date_stamp(std::string_view model);

// The request model when sent (what the application asked for), else the
// answering model with its date stamp folded.
std::optional<std::string> model_group(const std::optional<std::string>& request_model,
                                       const std::optional<std::string>& answering_model);

}  // namespace spanline::indexer::llm
