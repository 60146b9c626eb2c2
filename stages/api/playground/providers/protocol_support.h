#pragma once
// What the three provider protocols share (private to providers/): reading JSON
// without exceptions, the failure an HTTP status means when the body says no more,
// Retry-After, and the two decoder skeletons (a Server-Sent Events stream, a whole
// JSON answer) each protocol fills with its own event handling.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "stages/api/playground/providers/provider_protocol.h"
#include "stages/api/playground/providers/sse_reader.h"

namespace spanline::api::playground::detail {

using json = nlohmann::json;

// Deeper than any provider's documented answer (tool arguments and schemas nest), far from what exhausts a stack.
inline constexpr int kMaxProviderJsonDepth = 128;
// The JSON value of `text`, or a discarded value (is_discarded()) when it is not JSON
// or nests deeper than kMaxProviderJsonDepth.
json parse_json(std::string_view text);
std::string string_at(const json& object, std::string_view key);
std::optional<int64_t> integer_at(const json& object, std::string_view key);
// `object[key]` when `object` is an object holding an object (array, true) there; else an
// empty object (array, false). A provider's answer may hold any type anywhere: these
// never throw, where json::value() throws on a value of another type.
const json& object_at(const json& object, std::string_view key);
const json& array_at(const json& object, std::string_view key);
bool flag_at(const json& object, std::string_view key);
// `text` as a JSON object (tool arguments, schemas); an empty object when it is empty or not an object.
json object_or_empty(std::string_view text);

// The Retry-After header's delay in seconds (delta-seconds or an HTTP date); none when absent or unreadable.
std::optional<int64_t> retry_after_seconds(std::string_view header);

// What `http_status` means when nothing more precise is known.
ProviderFailure::Kind kind_for_status(int http_status);
// A failure of that kind with the provider's message, or the status and the start of the body when it gave none.
ProviderFailure failure_from_status(int http_status, std::string_view retry_after, std::string message, std::string_view body);

// The text of a message's text parts, in order.
std::string joined_text(const ChatMessage& message);

// Percent-encodes everything but RFC 3986's unreserved characters (a model name inside a URL path).
std::string url_path_segment(std::string_view text);

// A body that failed to decode, or a provider error inside a 200 answer, as the decoder's Status.
Status malformed(std::string_view what);

// A model list of the shape OpenAI and Anthropic share: {"data": [{"id": ...}, ...]}.
Result<std::vector<std::string>> ids_of_data_list(std::string_view body);

// A JSON POST (Accept: text/event-stream when streamed) and a GET, with the provider's own headers.
HttpCall json_post(std::string url, std::vector<HttpHeader> headers, const json& body, bool stream);
HttpCall get_call(std::string url, std::vector<HttpHeader> headers);

// What both decoder skeletons keep: the error the provider reported inside a 200 answer.
class FailureRecordingDecoder : public ChatDecoder {
 public:
  std::optional<ProviderFailure> failure() const final { return failure_; }

 protected:
  // Records that error and returns it as the Status feed()/finish() answer with.
  Status provider_failed(ProviderFailure failure);

 private:
  std::optional<ProviderFailure> failure_;
};

// The skeleton of a streamed answer: SSE events to the protocol's handler, a
// failure remembered (every later call returns it), and the protocol's check
// that the stream reached its documented end.
class SseChatDecoder : public FailureRecordingDecoder {
 public:
  Result<std::vector<ChatEvent>> feed(std::string_view bytes) final;
  Result<std::vector<ChatEvent>> finish() final;

 protected:
  // One event of the stream; a Status that is not OK ends the answer.
  virtual Status on_event(const SseEvent& event, std::vector<ChatEvent>& out) = 0;
  // The body ended: the closing events, or the failure of a stream cut before its end.
  virtual Status on_end(std::vector<ChatEvent>& out) = 0;

 private:
  Result<std::vector<ChatEvent>> handle(const std::vector<SseEvent>& events);

  SseReader reader_;
  std::optional<Status> failed_;
};

// The skeleton of a whole answer: the body is kept until finish() decodes it at once.
class WholeChatDecoder : public FailureRecordingDecoder {
 public:
  Result<std::vector<ChatEvent>> feed(std::string_view bytes) final;
  Result<std::vector<ChatEvent>> finish() final;

 protected:
  virtual Status decode(const json& answer, std::vector<ChatEvent>& out) = 0;

 private:
  std::string body_;
};

// The protocols, as protocol_for() hands them out.
const ProviderProtocol& openai_chat_protocol();
const ProviderProtocol& anthropic_messages_protocol();
const ProviderProtocol& gemini_generate_protocol();

}  // namespace spanline::api::playground::detail
