#pragma once
// What POST /api/v1/playground/runs carries and what its event stream says,
// as JSON: the body read into a provider-neutral ChatRequest (refusing what no
// provider could take, naming the field), and each event's data encoded. The
// body's message and tool shapes are the LLM record's (openapi LlmMessage,
// LlmToolDefinition), so a traced call opens in the playground as it was read.
//
// Limits: 256 messages, 128 tools, 64 parts a message, 16 stop sequences, 64
// levels of nesting; every text is bounded by the body's own cap (--max-body-bytes, 413 beyond).
// HTTP-free: unit-tested on bodies.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "stages/api/playground/providers/chat_types.h"
#include "stages/api/playground/providers/provider_protocol.h"

namespace spanline::api::playground {

inline constexpr size_t kMaxRunMessages = 256;
inline constexpr size_t kMaxRunTools = 128;
inline constexpr size_t kMaxMessageParts = 64;
inline constexpr size_t kMaxStopSequences = 16;
inline constexpr size_t kMaxModelBytes = 256;
inline constexpr size_t kMaxLabelBytes = 64;
// Deep enough for tool schemas and tool arguments (JSON Schemas nest), far from what exhausts a stack.
inline constexpr int kMaxBodyDepth = 64;

// The span a run was opened from (hex ids), linked from the run's recorded span.
struct RunSource {
  std::string trace_id;  // 32 hex digits
  std::string span_id;   // 16 hex digits
};

struct RunRequest {
  std::string provider;  // a provider's name ([a-z0-9._-], 1..64 bytes)
  ChatRequest chat;
  std::optional<RunSource> source;
  std::string label;  // "A", "B": which column of a comparison; may be empty
};

// The body read, or invalid_argument naming the field ("field 'messages[2].role': ...").
Result<RunRequest> parse_run_request(std::string_view body);

// A run's end as the done and error events and the recorded span tell it.
struct RunCost {
  std::optional<double> input, output;
  double total = 0;
  std::string currency = "USD";
  std::string source = "price_table";
};

struct RunOutcome {
  std::string run_id;
  std::string trace_id;  // hex: the recorded span's
  std::string span_id;
  std::string provider;  // the provider's name
  ProviderKind kind = ProviderKind::openai;
  std::string model;     // as requested
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  std::optional<int64_t> first_token_ns;  // the first text or tool call arrived
  std::string text;                       // the answer's text, all pieces joined
  std::vector<ChatPart> tool_calls;
  ChatUsage usage;
  std::string finish_reason;
  bool content_filtered = false;
  std::string response_model;
  std::string response_id;
  std::optional<ProviderFailure> failure;  // set when the run did not end well (cancelled included)
  std::optional<RunCost> cost;
};

// Each event's data (one line of JSON).
std::string start_event_data(const RunOutcome& run);
std::string text_event_data(std::string_view delta);
std::string tool_call_event_data(const ChatPart& call);
nlohmann::json usage_json(const ChatUsage& usage);
std::string done_event_data(const RunOutcome& run);
std::string error_event_data(const RunOutcome& run);

// `failure` with every occurrence of the provider's key in its message replaced
// by "<redacted>": some providers quote the key they were sent in their 401 message.
ProviderFailure redacted(ProviderFailure failure, std::string_view key);

// The arguments / result of a tool part as JSON: parsed when the text is JSON, else the text.
nlohmann::json json_or_text(const std::string& text);

}  // namespace spanline::api::playground
