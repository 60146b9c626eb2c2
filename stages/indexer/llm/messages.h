#pragma once
// Each family's conversation turned into the OpenTelemetry GenAI message
// shape: [{role, name?, parts: [{type: text|tool_call|tool_call_response|
// reasoning|..., ...}], finish_reason?}]. Values sent as JSON text are parsed
// (bounded in depth); what is not JSON stays text.

#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "stages/indexer/llm/flat_keys.h"

namespace spanline::indexer::llm {

using nlohmann::json;

// A string as is, anything else as its JSON text.
std::string text_of(const json& value);
// `value` parsed when it is JSON text of an object or an array (nested no
// deeper than the indexer allows), else `value` itself.
json parsed(const json& value);

// gen_ai.input.messages / gen_ai.output.messages (an array, or its JSON text):
// the parts as sent, tool-call arguments parsed and a tool result under `response`.
json genai_messages(const json& value);
// gen_ai.system_instructions: an array of parts, or a plain text.
json genai_parts(const json& value);

// Messages in the chat-completions shape ({role, content, tool_calls,
// tool_call_id, name}), as the deprecated gen_ai.prompt / gen_ai.completion
// carry them; a plain text is one message of `default_role`.
json chat_messages(const json& value, std::string_view default_role);

// The deprecated GenAI span events: gen_ai.{system,user,assistant,tool}.message
// for the input, gen_ai.choice for the output (by their index), with the body
// in gen_ai.event.content (JSON text) or its fields as the event's attributes.
json event_messages(const json& events, bool output);

// OpenLLMetry's and OpenInference's flattened messages, by index.
json flat_messages(const std::map<int64_t, FlatMessage>& messages);

// Tool definitions: gen_ai.tool.definitions (array or JSON text), OpenInference's
// json_schema texts, OpenLLMetry's functions; each {name, description?, parameters?}.
json genai_tool_definitions(const json& value);
json flat_tool_definitions(const std::map<int64_t, FlatTool>& tools);

// Moves the system-role messages out of `messages`, returning their parts.
json take_system_parts(json& messages);

}  // namespace spanline::indexer::llm
