#include "stages/indexer/llm/llm_record.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <span>

#include "base/json_depth.h"
#include "stages/indexer/llm/flat_keys.h"
#include "stages/indexer/llm/messages.h"
#include "stages/indexer/llm/model_group.h"

namespace spanline::indexer::llm {
namespace {

using Keys = std::span<const std::string_view>;

// What makes a span an LLM span: a model or provider key (any family), or an
// operation that is a model call.
constexpr std::string_view kRequestModel[] = {"gen_ai.request.model"};
constexpr std::string_view kResponseModel[] = {"gen_ai.response.model"};
constexpr std::string_view kOtherModel[] = {"llm.model_name", "embedding.model_name", "junjo.agent.model.name"};
constexpr std::string_view kProvider[] = {"gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system", "junjo.agent.model.provider"};
constexpr std::string_view kOpenInferenceKind = "openinference.span.kind";
constexpr std::string_view kOperation = "gen_ai.operation.name";

constexpr std::string_view kInputTokens[] = {"gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt"};
constexpr std::string_view kOutputTokens[] = {"gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.token_count.completion"};
constexpr std::string_view kTotalTokens[] = {"gen_ai.usage.total_tokens", "llm.token_count.total", "llm.usage.total_tokens"};
constexpr std::string_view kCacheReadTokens[] = {"gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens",
                                   "llm.token_count.prompt_details.cache_read"};
constexpr std::string_view kCacheWriteTokens[] = {"gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens",
                                    "llm.token_count.prompt_details.cache_write"};
constexpr std::string_view kReasoningTokens[] = {"gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens",
                                   "llm.token_count.completion_details.reasoning"};
// A Junjo model request's usage: one JSON text (the SDK's USAGE_FIELDS).
constexpr std::string_view kJunjoUsage = "junjo.agent.model.usage";
// Conversation as one text: OpenLLMetry's entity input and output, OpenInference's values.
constexpr std::string_view kInputText[] = {"traceloop.entity.input", "input.value"};
constexpr std::string_view kOutputText[] = {"traceloop.entity.output", "output.value"};
constexpr std::string_view kRequestPrefix = "gen_ai.request.";

// Strings a stored attributes text must hold for its span to be a candidate.
constexpr std::string_view kCandidateMarks[] = {"\"gen_ai.", "\"llm.", "\"openinference.span.kind\"", "\"junjo.agent.model.",
                                                "\"embedding.model_name\""};
constexpr int kMaxNesting = 128;

const json* find(const json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

const json* first(const json& object, Keys keys) {
  for (std::string_view key : keys) {
    if (const json* value = find(object, key)) return value;
  }
  return nullptr;
}

std::optional<std::string> first_text(const json& object, Keys keys) {
  const json* value = first(object, keys);
  if (!value) return std::nullopt;
  return text_of(*value);
}

// A number as sent: a JSON number, or a number in a string.
std::optional<double> number_of(const json* value) {
  if (!value) return std::nullopt;
  if (value->is_number()) {
    const double number = value->get<double>();
    return std::isfinite(number) ? std::optional<double>(number) : std::nullopt;
  }
  if (!value->is_string()) return std::nullopt;
  const std::string& text = value->get_ref<const std::string&>();
  double number = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(number)) return std::nullopt;
  return number;
}

std::optional<int64_t> count_of(const json* value) {
  if (value && value->is_number_integer()) return value->get<int64_t>();
  auto number = number_of(value);
  if (!number || *number < -9.2e18 || *number > 9.2e18) return std::nullopt;
  return static_cast<int64_t>(*number);
}

std::optional<int64_t> first_count(const json& object, Keys keys) {
  for (std::string_view key : keys) {
    if (auto count = count_of(find(object, key))) return count;
  }
  return std::nullopt;
}

std::string kind_of(const json& attributes, bool names_model) {
  if (const json* kind = find(attributes, kOpenInferenceKind)) {
    const std::string value = text_of(*kind);
    if (value == "LLM") return "generation";
    if (value == "EMBEDDING") return "embedding";
    if (value == "AGENT") return "agent";
    if (value == "TOOL") return "tool";
    return "other";
  }
  if (const json* operation = find(attributes, kOperation)) {
    const std::string value = text_of(*operation);
    for (std::string_view generation : {"chat", "completion", "text_completion", "generate_content"}) {
      if (value == generation) return "generation";
    }
    if (value == "embeddings") return "embedding";
    if (value == "invoke_agent" || value == "create_agent") return "agent";
    if (value == "execute_tool") return "tool";
    return "other";
  }
  return names_model ? "generation" : "other";
}

bool is_llm_span(const json& attributes) {
  for (Keys keys : {Keys(kRequestModel), Keys(kResponseModel), Keys(kOtherModel), Keys(kProvider)}) {
    if (first(attributes, keys)) return true;
  }
  if (const json* kind = find(attributes, kOpenInferenceKind)) {
    const std::string value = text_of(*kind);
    if (value == "LLM" || value == "EMBEDDING") return true;
  }
  if (find(attributes, kOperation)) {
    const std::string kind = kind_of(attributes, false);
    return kind == "generation" || kind == "embedding";
  }
  return false;
}

void read_usage(const json& attributes, LlmRecord& record) {
  record.input_tokens = first_count(attributes, kInputTokens);
  record.output_tokens = first_count(attributes, kOutputTokens);
  record.total_tokens = first_count(attributes, kTotalTokens);
  record.cache_read_tokens = first_count(attributes, kCacheReadTokens);
  record.cache_write_tokens = first_count(attributes, kCacheWriteTokens);
  record.reasoning_tokens = first_count(attributes, kReasoningTokens);
  if (const json* usage_text = find(attributes, kJunjoUsage)) {
    const json usage = parsed(*usage_text);
    if (usage.is_object()) {
      auto junjo = [&](std::optional<int64_t>& field, std::string_view name) {
        if (!field) field = count_of(find(usage, name));
      };
      junjo(record.input_tokens, "inputTokens");
      junjo(record.output_tokens, "outputTokens");
      junjo(record.total_tokens, "totalTokens");
      junjo(record.cache_read_tokens, "cachedInputTokens");
      junjo(record.reasoning_tokens, "reasoningTokens");
    }
  }
  // As Langfuse does: a side not reported counts nothing, so a call that reports only its input
  // tokens still has a total (the usage's total is then never below its input column).
  if (!record.total_tokens && (record.input_tokens || record.output_tokens)) {
    record.total_tokens = record.input_tokens.value_or(0) + record.output_tokens.value_or(0);
  }
}

void read_cost(const json& attributes, LlmRecord& record) {
  SentCost cost;
  cost.input = number_of(find(attributes, "llm.cost.prompt"));
  cost.output = number_of(find(attributes, "llm.cost.completion"));
  cost.total = number_of(find(attributes, "llm.cost.total"));
  if (!cost.total) cost.total = number_of(find(attributes, "gen_ai.usage.cost"));
  if (!cost.total && cost.input && cost.output) cost.total = *cost.input + *cost.output;
  if (cost.input || cost.output || cost.total) record.cost = cost;
}

void read_request(const json& attributes, LlmRecord& record) {
  const auto& object = attributes.get_ref<const json::object_t&>();
  for (auto it = object.lower_bound(std::string(kRequestPrefix)); it != object.end() && it->first.starts_with(kRequestPrefix); ++it) {
    std::string name = it->first.substr(kRequestPrefix.size());
    if (name == "model" || it->second.is_null()) continue;
    record.request[name] = it->second;
  }
  if (!record.request.empty()) return;
  if (const json* parameters = find(attributes, "llm.invocation_parameters")) {
    json value = parsed(*parameters);
    if (value.is_object()) record.request = std::move(value);
  }
}

// Text of the first of `keys` in the span's attributes, else its resource's.
std::optional<std::string> span_or_resource(const SpanDocument& span, Keys keys) {
  for (std::string_view key : keys) {
    if (const json* value = find(span.attributes, key)) return text_of(*value);
    if (const json* value = find(span.resource, key)) return text_of(*value);
  }
  return std::nullopt;
}

json output_messages(const SpanDocument& span, const FlatKeys& flat) {
  const json& a = span.attributes;
  if (const json* value = find(a, "gen_ai.output.messages")) return genai_messages(*value);
  json messages = event_messages(span.events, true);
  if (!messages.empty()) return messages;
  if (const json* value = find(a, "gen_ai.completion")) return chat_messages(*value, "assistant");
  if (!flat.openllmetry_completion.empty()) return flat_messages(flat.openllmetry_completion);
  if (!flat.openinference_output.empty()) return flat_messages(flat.openinference_output);
  if (const json* value = first(a, kOutputText)) return chat_messages(text_of(*value), "assistant");
  return json::array();
}

json input_messages(const SpanDocument& span, const FlatKeys& flat) {
  const json& a = span.attributes;
  if (const json* value = find(a, "gen_ai.input.messages")) return genai_messages(*value);
  json messages = event_messages(span.events, false);
  if (!messages.empty()) return messages;
  if (const json* value = find(a, "gen_ai.prompt")) return chat_messages(*value, "user");
  if (!flat.openllmetry_prompt.empty()) return flat_messages(flat.openllmetry_prompt);
  if (!flat.openinference_input.empty()) return flat_messages(flat.openinference_input);
  if (const json* value = first(a, kInputText)) return chat_messages(text_of(*value), "user");
  return json::array();
}

void read_conversation(const SpanDocument& span, const FlatKeys& flat, LlmRecord& record) {
  const json& a = span.attributes;
  record.input_messages = input_messages(span, flat);
  record.output_messages = output_messages(span, flat);
  if (const json* value = find(a, "gen_ai.system_instructions")) record.system_instructions = genai_parts(*value);
  else record.system_instructions = take_system_parts(record.input_messages);
  if (const json* value = find(a, "gen_ai.tool.definitions")) record.tool_definitions = genai_tool_definitions(*value);
  else if (!flat.openinference_tools.empty()) record.tool_definitions = flat_tool_definitions(flat.openinference_tools);
  else record.tool_definitions = flat_tool_definitions(flat.openllmetry_functions);
}

void read_finish_reasons(const SpanDocument& span, const FlatKeys& flat, LlmRecord& record) {
  if (const json* sent = find(span.attributes, "gen_ai.response.finish_reasons")) {
    const json reasons = parsed(*sent);
    if (reasons.is_array()) {
      for (const json& reason : reasons) record.finish_reasons.push_back(text_of(reason));
    } else {
      record.finish_reasons.push_back(text_of(reasons));
    }
    return;
  }
  if (const json* reason = find(span.attributes, "llm.finish_reason")) {
    record.finish_reasons.push_back(text_of(*reason));
    return;
  }
  // Else the output messages' own: built here when the caller did not want them.
  const json built = record.output_messages.empty() ? output_messages(span, flat) : json();
  for (const json& message : record.output_messages.empty() ? built : record.output_messages) {
    if (message.contains("finish_reason")) record.finish_reasons.push_back(text_of(message["finish_reason"]));
  }
}

bool has_gen_ai_events(const json& events) {
  if (!events.is_array()) return false;
  for (const json& event : events) {
    const json* name = find(event, "name");
    if (!name || !name->is_string()) continue;
    const std::string& text = name->get_ref<const std::string&>();
    if (text == "gen_ai.choice" || (text.starts_with("gen_ai.") && text.ends_with(".message"))) return true;
  }
  return false;
}

std::optional<json> parse_stored(std::string_view text, json empty) {
  if (text.empty()) return empty;
  if (json_nests_deeper_than(text, kMaxNesting)) return std::nullopt;
  json value = json::parse(text, nullptr, false);
  if (value.is_discarded()) return std::nullopt;
  return value;
}

// One pass over the text: does a quote open one of the families' key prefixes?
// (A value holding such a text passes too; parsing it then says no.)
bool may_hold_llm_key(std::string_view text) {
  for (size_t at = text.find('"'); at != std::string_view::npos; at = text.find('"', at + 1)) {
    const std::string_view rest = text.substr(at);
    for (std::string_view mark : kCandidateMarks) {
      if (rest.starts_with(mark)) return true;
    }
  }
  return false;
}

json number_or_null(const std::optional<double>& value) { return value ? json(*value) : json(nullptr); }

}  // namespace

std::optional<LlmRecord> normalise(const SpanDocument& span, Detail detail) {
  const json& a = span.attributes;
  if (!is_llm_span(a)) return std::nullopt;
  LlmRecord record;
  const FlatKeys flat = gather_flat_keys(a);
  record.request_model = first_text(a, kRequestModel);
  record.response_model = first_text(a, kResponseModel);
  record.model = record.response_model ? record.response_model : record.request_model;
  if (!record.model) record.model = first_text(a, kOtherModel);
  if (!record.model) {
    if (const json* plain = find(a, "model")) record.model = text_of(*plain);
  }
  record.model_group = model_group(record.request_model, record.response_model ? record.response_model : record.model);
  record.provider = first_text(a, kProvider);
  if (const json* operation = find(a, kOperation)) record.operation = text_of(*operation);
  else if (const json* kind = find(a, kOpenInferenceKind)) {
    std::string lower = text_of(*kind);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    record.operation = lower;
  }
  record.kind = kind_of(a, record.model.has_value());
  read_usage(a, record);
  read_cost(a, record);
  read_request(a, record);
  record.session_id = span_or_resource(span, kSessionKeys);
  record.user_id = span_or_resource(span, kUserKeys);
  uint8_t families = flat.families;
  if (has_gen_ai_events(span.events)) families |= kGenAiEvents;
  for (const auto& [family, name] : kFamilyNames) {
    if (families & family) record.sources.emplace_back(name);
  }
  record.junjo_model_request = (families & kJunjo) != 0;
  if (detail == Detail::conversation) read_conversation(span, flat, record);
  read_finish_reasons(span, flat, record);
  return record;
}

std::optional<LlmRecord> normalise_stored(std::string_view attributes_json, std::string_view events_json,
                                          std::string_view resource_json, Detail detail) {
  if (!may_hold_llm_key(attributes_json)) return std::nullopt;
  auto attributes = parse_stored(attributes_json, json::object());
  if (!attributes || !attributes->is_object()) return std::nullopt;
  if (!is_llm_span(*attributes)) return std::nullopt;
  // Events and resource are parsed only when they can hold what the record reads from them.
  auto events = events_json.find("\"gen_ai.") == std::string_view::npos ? std::nullopt : parse_stored(events_json, json::array());
  auto resource = resource_json.find(".id\"") == std::string_view::npos ? std::nullopt : parse_stored(resource_json, json::object());
  const json no_events = json::array(), no_resource = json::object();
  return normalise({*attributes, events ? *events : no_events, resource ? *resource : no_resource}, detail);
}

json to_json(const LlmRecord& record) {
  auto text = [](const std::optional<std::string>& value) { return value ? json(*value) : json(nullptr); };
  auto count = [](const std::optional<int64_t>& value) { return value ? json(*value) : json(nullptr); };
  json cost = nullptr;
  if (record.cost) {
    cost = {{"input", number_or_null(record.cost->input)}, {"output", number_or_null(record.cost->output)},
            {"total", number_or_null(record.cost->total)}, {"currency", "USD"}, {"source", "sent"}};
  }
  return {{"kind", record.kind},
          {"operation", text(record.operation)},
          {"provider", text(record.provider)},
          {"request_model", text(record.request_model)},
          {"response_model", text(record.response_model)},
          {"model", text(record.model)},
          {"model_group", text(record.model_group)},
          {"input_tokens", count(record.input_tokens)},
          {"output_tokens", count(record.output_tokens)},
          {"total_tokens", count(record.total_tokens)},
          {"cache_read_tokens", count(record.cache_read_tokens)},
          {"cache_write_tokens", count(record.cache_write_tokens)},
          {"reasoning_tokens", count(record.reasoning_tokens)},
          {"cost", cost},
          {"finish_reasons", record.finish_reasons},
          {"session_id", text(record.session_id)},
          {"user_id", text(record.user_id)},
          {"request", record.request},
          {"sources", record.sources},
          {"system_instructions", record.system_instructions},
          {"input_messages", record.input_messages},
          {"output_messages", record.output_messages},
          {"tool_definitions", record.tool_definitions}};
}

}  // namespace spanline::indexer::llm
