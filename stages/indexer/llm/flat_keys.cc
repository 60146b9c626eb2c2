#include "stages/indexer/llm/flat_keys.h"

#include <charconv>
#include <optional>
#include <string_view>

namespace spanline::indexer::llm {
namespace {

// Reads "{n}." off the front of `rest`; the index, or nothing when `rest`
// does not start with one.
std::optional<int64_t> take_index(std::string_view& rest) {
  int64_t index = 0;
  auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), index);
  if (error != std::errc() || end == rest.data() || end == rest.data() + rest.size() || *end != '.' || index < 0) return std::nullopt;
  rest.remove_prefix(static_cast<size_t>(end - rest.data()) + 1);
  return index;
}

bool take_prefix(std::string_view& rest, std::string_view prefix) {
  if (!rest.starts_with(prefix)) return false;
  rest.remove_prefix(prefix.size());
  return true;
}

// OpenLLMetry's message keys after "gen_ai.prompt.{i}." or "gen_ai.completion.{i}.".
void openllmetry_field(FlatMessage& message, std::string_view rest, const json& value) {
  if (rest == "role") message.role = &value;
  else if (rest == "content") message.content = &value;
  else if (rest == "name") message.name = &value;
  else if (rest == "tool_call_id") message.tool_call_id = &value;
  else if (rest == "finish_reason") message.finish_reason = &value;
  else if (take_prefix(rest, "tool_calls.")) {
    auto k = take_index(rest);
    if (!k) return;
    FlatToolCall& call = message.tool_calls[*k];
    if (rest == "id") call.id = &value;
    else if (rest == "name") call.name = &value;
    else if (rest == "arguments") call.arguments = &value;
  }
}

// OpenInference's message keys after "llm.{input,output}_messages.{i}.message.".
void openinference_field(FlatMessage& message, std::string_view rest, const json& value) {
  if (rest == "role") message.role = &value;
  else if (rest == "content") message.content = &value;
  else if (rest == "name") message.name = &value;
  else if (rest == "tool_call_id") message.tool_call_id = &value;
  else if (rest == "finish_reason") message.finish_reason = &value;
  else if (take_prefix(rest, "contents.")) {
    auto j = take_index(rest);
    if (!j || !take_prefix(rest, "message_content.")) return;
    FlatContent& content = message.contents[*j];
    if (rest == "type") content.type = &value;
    else if (rest == "text") content.text = &value;
    else if (rest == "image.image.url") content.image_url = &value;
  } else if (take_prefix(rest, "tool_calls.")) {
    auto k = take_index(rest);
    if (!k || !take_prefix(rest, "tool_call.")) return;
    FlatToolCall& call = message.tool_calls[*k];
    if (rest == "id") call.id = &value;
    else if (rest == "function.name") call.name = &value;
    else if (rest == "function.arguments") call.arguments = &value;
  }
}

constexpr std::string_view kDeprecatedGenAi[] = {"gen_ai.system", "gen_ai.prompt", "gen_ai.completion",
                                                 "gen_ai.usage.prompt_tokens", "gen_ai.usage.completion_tokens"};

}  // namespace

FlatKeys gather_flat_keys(const json& attributes) {
  FlatKeys flat;
  if (!attributes.is_object()) return flat;
  for (auto it = attributes.begin(); it != attributes.end(); ++it) {
    std::string_view rest = it.key();
    const json& value = it.value();
    if (take_prefix(rest, "gen_ai.")) {
      const bool prompt = rest.starts_with("prompt.");
      if (prompt || rest.starts_with("completion.")) {
        rest.remove_prefix(prompt ? 7 : 11);
        if (auto i = take_index(rest)) {
          flat.families |= kOpenLlmetry;
          openllmetry_field((prompt ? flat.openllmetry_prompt : flat.openllmetry_completion)[*i], rest, value);
          continue;
        }
      }
      bool deprecated = false;
      for (std::string_view key : kDeprecatedGenAi) deprecated = deprecated || it.key() == key;
      flat.families |= deprecated ? kGenAiDeprecated : kGenAi;
    } else if (take_prefix(rest, "llm.")) {
      const bool input = rest.starts_with("input_messages.");
      if (input || rest.starts_with("output_messages.")) {
        rest.remove_prefix(input ? 15 : 16);
        auto i = take_index(rest);
        if (i && take_prefix(rest, "message.")) openinference_field((input ? flat.openinference_input : flat.openinference_output)[*i], rest, value);
        flat.families |= kOpenInference;
      } else if (take_prefix(rest, "tools.")) {
        auto i = take_index(rest);
        if (i && rest == "tool.json_schema") flat.openinference_tools[*i].json_schema = &value;
        flat.families |= kOpenInference;
      } else if (take_prefix(rest, "request.functions.")) {
        if (auto i = take_index(rest)) {
          FlatTool& tool = flat.openllmetry_functions[*i];
          if (rest == "name") tool.name = &value;
          else if (rest == "description") tool.description = &value;
          else if (rest == "parameters") tool.parameters = &value;
        }
        flat.families |= kOpenLlmetry;
      } else if (rest.starts_with("usage.") || rest.starts_with("request.") || rest.starts_with("is_streaming")) {
        flat.families |= kOpenLlmetry;  // OpenLLMetry's own llm.usage.total_tokens, llm.request.type, ...
      } else {
        flat.families |= kOpenInference;
      }
    } else if (rest.starts_with("traceloop.")) {
      flat.families |= kOpenLlmetry;
    } else if (rest.starts_with("openinference.") || rest == "input.value" || rest == "output.value") {
      flat.families |= kOpenInference;
    } else if (rest.starts_with("junjo.agent.model.")) {
      flat.families |= kJunjo;
    }
  }
  return flat;
}

}  // namespace spanline::indexer::llm
