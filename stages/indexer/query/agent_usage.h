#pragma once
// A Junjo agent's token usage as the api gives it: the SDK's camelCase JSON
// (a model request's junjo.agent.model.usage {"v":1,"inputTokens":..}, a
// run's junjo.agent.usage {"v":1,"modelResponses":..,"fields":{"inputTokens":
// {"sum":..,"observations":..}}}) read into snake_case totals
// ({"input_tokens", "output_tokens", "total_tokens", "cached_input_tokens",
// "reasoning_tokens"}, each only when reported), the names the LLM usage uses.
//
// Threads: free functions on values.

#include <string>

#include <nlohmann/json.hpp>

namespace spanline::indexer::query::agent {

// A model request's usage; null when it reported none (or not as JSON).
nlohmann::json model_request_usage(const std::string& usage_text);

// A run's usage: what the run span summed ("source": "run", with
// "model_responses"), else the sum of its model requests' usage ("source":
// "model_requests": a run still going, or one whose span has no summary).
nlohmann::json run_usage(const std::string& usage_text, const nlohmann::json& operations);

}  // namespace spanline::indexer::query::agent
