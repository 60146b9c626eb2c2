#pragma once
// The provider-neutral prompt a playground run sends and the events its answer
// streams back. The shape is the normalised LLM record's (OpenTelemetry GenAI
// messages: a role and typed parts), so a traced call opens in the playground
// without translation and a run is recorded with the same keys it was sent with.
// Each provider protocol (provider_protocol.h) maps these to and from its wire format.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace spanline::api::playground {

// A part of a message, as GenAI's message schema types them.
struct ChatPart {
  enum class Type { text, tool_call, tool_call_response };
  Type type = Type::text;
  std::string content;    // text: the text; tool_call_response: the tool's result as text (JSON or not)
  std::string id;         // tool_call / tool_call_response: the call id that pairs them
  std::string name;       // tool_call: the tool's name
  std::string arguments;  // tool_call: the arguments as JSON text (an object)
};

// role: "user", "assistant" or "tool" (system instructions are ChatRequest::system).
struct ChatMessage {
  std::string role;
  std::vector<ChatPart> parts;
};

struct ToolDefinition {
  std::string name;
  std::string description;
  std::string parameters;  // JSON Schema of the arguments, as JSON text (an object); empty: none
};

struct ChatParameters {
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<int64_t> max_tokens;
  std::optional<int64_t> seed;
  std::vector<std::string> stop;
  enum class ResponseFormat { text, json_object, json_schema };
  ResponseFormat response_format = ResponseFormat::text;
  std::string json_schema;  // json_schema: the schema as JSON text (an object)
};

struct ChatRequest {
  std::string model;
  std::string system;  // system instructions; empty: none
  std::vector<ChatMessage> messages;
  std::vector<ToolDefinition> tools;
  ChatParameters parameters;
  bool stream = true;
};

struct ChatUsage {
  std::optional<int64_t> input_tokens;
  std::optional<int64_t> output_tokens;
  std::optional<int64_t> total_tokens;
  std::optional<int64_t> cache_read_tokens;
  std::optional<int64_t> cache_write_tokens;
  std::optional<int64_t> reasoning_tokens;
};

// What a decoder makes of the provider's answer, in the order it arrives.
// A streamed answer yields many text events; a whole (non-streamed) one yields
// the same kinds at once.
struct ChatEvent {
  enum class Kind {
    text,       // `text`: the next piece of the answer's text
    tool_call,  // `tool_call`: one complete tool call (id, name, arguments JSON text)
    usage,      // `usage`: token counts (a later usage event replaces fields it carries)
    finish,     // `finish_reason` as the provider said it; `content_filtered` when it means the answer was filtered
    response,   // `response_model` / `response_id`: what the provider says answered
  };
  Kind kind = Kind::text;
  std::string text;
  ChatPart tool_call;
  ChatUsage usage;
  std::string finish_reason;
  bool content_filtered = false;
  std::string response_model;
  std::string response_id;
};

}  // namespace spanline::api::playground
