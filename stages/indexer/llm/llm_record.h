#pragma once
// The normalised LLM record (issue 28): what one LLM span says, whichever
// family of attributes wrote it (OpenTelemetry GenAI current and deprecated,
// the deprecated GenAI span events, OpenLLMetry's flattened keys,
// OpenInference, Junjo agent model requests), decided here and nowhere else.
// The indexer writes its scalar facts to the shard's llm_calls table when it
// indexes a span; a span read back gets the whole record, its conversation
// derived again from the stored attributes and events by the same code (the
// conversation is not stored twice). The precedence is docs/index-schema.md's
// ("The LLM record").

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace spanline::indexer::llm {

using nlohmann::json;

struct SentCost {
  std::optional<double> input, output, total;  // USD
};

// A span's session and user, first present wins, each key on the span, else
// on its resource (llm-conventions: session.id, gen_ai.conversation.id;
// user.id, enduser.id). The sessions index (stages/indexer/sessions/) reads
// every span with them; the record reads them for LLM spans.
inline constexpr std::string_view kSessionKeys[] = {"session.id", "gen_ai.conversation.id"};
inline constexpr std::string_view kUserKeys[] = {"user.id", "enduser.id"};

struct LlmRecord {
  std::string kind;  // generation, embedding, agent, tool, other
  std::optional<std::string> operation, provider, request_model, response_model, model, model_group;
  std::optional<int64_t> input_tokens, output_tokens, total_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens;
  std::optional<SentCost> cost;
  std::vector<std::string> finish_reasons;
  std::optional<std::string> session_id, user_id;
  json request = json::object();
  std::vector<std::string> sources;  // families, in kFamilies order
  // A Junjo agent model request: counted in the usage only when its driver's
  // own call is not traced below it as an LLM span.
  bool junjo_model_request = false;
  // The conversation, in the GenAI message shape; filled only with
  // Detail::conversation (the indexer stores none of it).
  json system_instructions = json::array(), input_messages = json::array(), output_messages = json::array(),
       tool_definitions = json::array();
};

enum class Detail { scalars, conversation };

// A span as the indexer stores it: its attributes (a JSON object), events (a
// JSON array of {name, time_unix_nano, attributes}) and resource attributes.
struct SpanDocument {
  const json& attributes;
  const json& events;
  const json& resource;
};

// The record of an LLM span; nothing for any other span.
std::optional<LlmRecord> normalise(const SpanDocument& span, Detail detail);

// The same from the stored JSON texts. Spans whose attributes cannot hold an
// LLM key (a plain text search, no parse) cost nothing more; the others are
// parsed once.
std::optional<LlmRecord> normalise_stored(std::string_view attributes_json, std::string_view events_json,
                                          std::string_view resource_json, Detail detail);

// The record as the api sends it (SpanLlm in stages/api/openapi.json).
json to_json(const LlmRecord& record);

}  // namespace spanline::indexer::llm
