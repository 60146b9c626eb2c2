#include "stages/indexer/query/agent_usage.h"

#include <string_view>
#include <utility>

namespace spanline::indexer::query::agent {
namespace {

using nlohmann::json;

// The SDK's names (agent/result.py USAGE_FIELDS) and the api's.
constexpr std::pair<std::string_view, std::string_view> kFields[] = {
    {"inputTokens", "input_tokens"},
    {"outputTokens", "output_tokens"},
    {"totalTokens", "total_tokens"},
    {"cachedInputTokens", "cached_input_tokens"},
    {"reasoningTokens", "reasoning_tokens"},
};

json parsed_object(const std::string& text) {
  if (text.empty()) return nullptr;
  json value = json::parse(text, nullptr, false);
  return value.is_object() ? value : json(nullptr);
}

}  // namespace

json model_request_usage(const std::string& usage_text) {
  const json sent = parsed_object(usage_text);
  if (sent.is_null()) return nullptr;
  json usage = json::object();
  for (const auto& [sdk_name, name] : kFields) {
    auto found = sent.find(sdk_name);
    if (found != sent.end() && found->is_number_integer()) usage[std::string(name)] = found->get<int64_t>();
  }
  return usage;
}

json run_usage(const std::string& usage_text, const json& operations) {
  const json sent = parsed_object(usage_text);
  json usage = json::object();
  if (!sent.is_null() && sent.contains("fields") && sent["fields"].is_object()) {
    usage["source"] = "run";
    const json& count = sent.value("modelResponses", json());
    usage["model_responses"] = count.is_number_integer() ? count.get<int64_t>() : 0;
    const json& fields = sent["fields"];
    for (const auto& [sdk_name, name] : kFields) {
      auto found = fields.find(sdk_name);
      if (found == fields.end() || !found->is_object()) continue;
      const json& sum = found->value("sum", json());
      if (sum.is_number_integer()) usage[std::string(name)] = sum.get<int64_t>();
    }
    return usage;
  }
  usage["source"] = "model_requests";
  int64_t responses = 0;
  for (const json& operation : operations) {
    const json& reported = operation.value("usage", json());
    if (!reported.is_object()) continue;
    ++responses;
    for (const auto& [key, value] : reported.items()) {
      if (value.is_number_integer()) usage[key] = usage.value(key, int64_t{0}) + value.get<int64_t>();
    }
  }
  usage["model_responses"] = responses;
  return usage;
}

}  // namespace spanline::indexer::query::agent
