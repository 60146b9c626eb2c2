#pragma once
// One pass over a span's attributes: which families wrote them, and the
// flattened conversation keys of OpenLLMetry (gen_ai.prompt.{i}.role, ...)
// and OpenInference (llm.input_messages.{i}.message.role, ...) gathered by
// index, so that no key is looked for twice.

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace spanline::indexer::llm {

using nlohmann::json;

// The families a record is read from, in the order `sources` lists them.
enum Family : uint8_t {
  kGenAi = 1 << 0,            // gen_ai.* of the current conventions
  kGenAiDeprecated = 1 << 1,  // gen_ai.system, gen_ai.prompt, gen_ai.completion, prompt_tokens, completion_tokens
  kGenAiEvents = 1 << 2,      // gen_ai.*.message and gen_ai.choice span events
  kOpenLlmetry = 1 << 3,      // gen_ai.prompt.{i}.*, gen_ai.completion.{i}.*, traceloop.*, llm.request.functions.*
  kOpenInference = 1 << 4,    // llm.*, openinference.*, input.value, output.value
  kJunjo = 1 << 5,            // junjo.agent.model.*
};
inline constexpr std::pair<Family, const char*> kFamilyNames[] = {
    {kGenAi, "gen_ai"}, {kGenAiDeprecated, "gen_ai_deprecated"}, {kGenAiEvents, "gen_ai_events"},
    {kOpenLlmetry, "openllmetry"}, {kOpenInference, "openinference"}, {kJunjo, "junjo"}};

struct FlatToolCall {
  const json* id = nullptr;
  const json* name = nullptr;
  const json* arguments = nullptr;
};
struct FlatContent {  // OpenInference message_content
  const json* type = nullptr;
  const json* text = nullptr;
  const json* image_url = nullptr;
};
struct FlatMessage {
  const json* role = nullptr;
  const json* content = nullptr;
  const json* name = nullptr;
  const json* tool_call_id = nullptr;
  const json* finish_reason = nullptr;
  std::map<int64_t, FlatToolCall> tool_calls;
  std::map<int64_t, FlatContent> contents;
};
struct FlatTool {
  const json* name = nullptr;
  const json* description = nullptr;
  const json* parameters = nullptr;
  const json* json_schema = nullptr;  // OpenInference: the whole definition as JSON text
};

// Pointers into the attributes object: valid while it lives.
struct FlatKeys {
  uint8_t families = 0;
  std::map<int64_t, FlatMessage> openllmetry_prompt, openllmetry_completion, openinference_input, openinference_output;
  std::map<int64_t, FlatTool> openllmetry_functions, openinference_tools;
};

FlatKeys gather_flat_keys(const json& attributes);

}  // namespace spanline::indexer::llm
