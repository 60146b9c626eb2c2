// Anthropic Messages (POST {base}/v1/messages, anthropic-version 2023-06-01) as
// Anthropic documents it. Streamed answers are named SSE events: message_start,
// content_block_start / _delta / _stop per block, message_delta (stop reason,
// cumulative usage), message_stop, ping, error. Tool results travel in user
// messages, so consecutive messages of one role are merged into one.
#include <algorithm>
#include <map>

#include "stages/api/playground/providers/protocol_support.h"

namespace spanline::api::playground::detail {
namespace {

constexpr std::string_view kVersion = "2023-06-01";
constexpr int64_t kDefaultMaxTokens = 1024;  // Anthropic requires max_tokens; a prompt without one gets this
// The instruction that stands in for OpenAI's JSON mode, which Anthropic has no switch for (a schema uses output_config).
constexpr std::string_view kJsonObjectInstruction = "Answer with one JSON object and nothing else.";

json content_blocks(const ChatMessage& message) {
  json blocks = json::array();
  for (const ChatPart& part : message.parts) {
    switch (part.type) {
      case ChatPart::Type::text:
        if (!part.content.empty()) blocks.push_back({{"type", "text"}, {"text", part.content}});
        break;
      case ChatPart::Type::tool_call:
        blocks.push_back({{"type", "tool_use"}, {"id", part.id}, {"name", part.name}, {"input", object_or_empty(part.arguments)}});
        break;
      case ChatPart::Type::tool_call_response:
        blocks.push_back({{"type", "tool_result"}, {"tool_use_id", part.id}, {"content", part.content}});
        break;
    }
  }
  return blocks;
}

json request_json(const ChatRequest& request) {
  json messages = json::array();
  for (const ChatMessage& message : request.messages) {
    const std::string role = message.role == "assistant" ? "assistant" : "user";  // tool results are the user's turn
    json blocks = content_blocks(message);
    if (blocks.empty()) continue;
    if (!messages.empty() && messages.back()["role"] == role) {
      for (json& block : blocks) messages.back()["content"].push_back(std::move(block));
    } else {
      messages.push_back({{"role", role}, {"content", std::move(blocks)}});
    }
  }
  // Anthropic wants a user turn's tool results before anything else in it.
  for (json& message : messages) {
    json& blocks = message["content"];
    std::stable_partition(blocks.begin(), blocks.end(), [](const json& block) { return block["type"] == "tool_result"; });
  }
  const ChatParameters& p = request.parameters;
  json body = {{"model", request.model}, {"max_tokens", p.max_tokens.value_or(kDefaultMaxTokens)}, {"messages", std::move(messages)}};
  std::string system = request.system;
  if (p.response_format == ChatParameters::ResponseFormat::json_object) {
    system += (system.empty() ? "" : "\n\n") + std::string(kJsonObjectInstruction);
  } else if (p.response_format == ChatParameters::ResponseFormat::json_schema) {
    body["output_config"] = {{"format", {{"type", "json_schema"}, {"schema", object_or_empty(p.json_schema)}}}};
  }
  if (!system.empty()) body["system"] = system;
  if (!request.tools.empty()) {
    json tools = json::array();
    for (const ToolDefinition& tool : request.tools) {
      json entry = {{"name", tool.name}};
      if (!tool.description.empty()) entry["description"] = tool.description;
      entry["input_schema"] = tool.parameters.empty() ? json{{"type", "object"}, {"properties", json::object()}}
                                                      : object_or_empty(tool.parameters);
      tools.push_back(std::move(entry));
    }
    body["tools"] = std::move(tools);
  }
  if (p.temperature) body["temperature"] = *p.temperature;
  if (p.top_p) body["top_p"] = *p.top_p;
  if (!p.stop.empty()) body["stop_sequences"] = p.stop;
  // No seed: the Messages API has none.
  if (request.stream) body["stream"] = true;
  return body;
}

// Anthropic counts cached tokens apart from input_tokens; GenAI (and the price table) count them inside.
void read_usage(const json& usage, ChatUsage& into) {
  if (!usage.is_object()) return;
  const auto plain = integer_at(usage, "input_tokens");
  const auto read = integer_at(usage, "cache_read_input_tokens");
  const auto write = integer_at(usage, "cache_creation_input_tokens");
  if (read) into.cache_read_tokens = read;
  if (write) into.cache_write_tokens = write;
  if (plain) into.input_tokens = *plain + into.cache_read_tokens.value_or(0) + into.cache_write_tokens.value_or(0);
  if (const auto output = integer_at(usage, "output_tokens")) into.output_tokens = output;
  if (into.input_tokens || into.output_tokens) into.total_tokens = into.input_tokens.value_or(0) + into.output_tokens.value_or(0);
}

ChatEvent usage_event(const ChatUsage& usage) {
  ChatEvent event;
  event.kind = ChatEvent::Kind::usage;
  event.usage = usage;
  return event;
}

ChatEvent response_event(const json& message) {
  ChatEvent event;
  event.kind = ChatEvent::Kind::response;
  event.response_model = string_at(message, "model");
  event.response_id = string_at(message, "id");
  return event;
}

ChatEvent finish_event(const std::string& stop_reason) {
  ChatEvent event;
  event.kind = ChatEvent::Kind::finish;
  event.finish_reason = stop_reason;
  event.content_filtered = stop_reason == "refusal";
  return event;
}

ChatEvent tool_call_event(std::string id, std::string name, std::string arguments) {
  ChatEvent event;
  event.kind = ChatEvent::Kind::tool_call;
  event.tool_call.type = ChatPart::Type::tool_call;
  event.tool_call.id = std::move(id);
  event.tool_call.name = std::move(name);
  event.tool_call.arguments = arguments.empty() ? "{}" : std::move(arguments);
  return event;
}

ProviderFailure::Kind kind_for_error_type(std::string_view type, ProviderFailure::Kind otherwise) {
  using Kind = ProviderFailure::Kind;
  if (type == "authentication_error" || type == "permission_error") return Kind::unauthorized;
  if (type == "not_found_error") return Kind::model_not_found;
  if (type == "rate_limit_error") return Kind::rate_limited;
  if (type == "overloaded_error") return Kind::overloaded;
  if (type == "invalid_request_error" || type == "request_too_large") return Kind::bad_request;
  if (type == "api_error") return Kind::provider_error;
  return otherwise;
}

// {"type":"error","error":{"type","message"}}: the error's type and message, when the body is one.
std::optional<std::pair<std::string, std::string>> read_error(const json& body) {
  if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) return std::nullopt;
  return std::make_pair(string_at(body["error"], "type"), string_at(body["error"], "message"));
}

class AnthropicStreamDecoder final : public SseChatDecoder {
 protected:
  Status on_event(const SseEvent& event, std::vector<ChatEvent>& out) override {
    if (stopped_ || event.event == "ping") return Status::ok();
    const json data = parse_json(event.data);
    if (!data.is_object()) return malformed("a stream event's data is not a JSON object");
    const std::string type = event.event == "message" ? string_at(data, "type") : event.event;
    if (type == "error") {
      const auto error = read_error(data);
      ProviderFailure failure;
      failure.kind = kind_for_error_type(error ? error->first : "", ProviderFailure::Kind::provider_error);
      failure.message = error && !error->second.empty() ? error->second : "the provider reported an error in the stream";
      return provider_failed(std::move(failure));
    }
    if (type == "message_start") {
      const json message = object_at(data, "message");
      out.push_back(response_event(message));
      read_usage(object_at(message, "usage"), usage_);
      out.push_back(usage_event(usage_));
    } else if (type == "content_block_start") {
      const json block = object_at(data, "content_block");
      Block& started = blocks_[integer_at(data, "index").value_or(0)];
      started.type = string_at(block, "type");
      started.id = string_at(block, "id");
      started.name = string_at(block, "name");
      if (const std::string text = string_at(block, "text"); !text.empty()) out.push_back(text_event(text));
    } else if (type == "content_block_delta") {
      const json delta = object_at(data, "delta");
      const std::string delta_type = string_at(delta, "type");
      if (delta_type == "text_delta") {
        out.push_back(text_event(string_at(delta, "text")));
      } else if (delta_type == "input_json_delta") {
        blocks_[integer_at(data, "index").value_or(0)].arguments += string_at(delta, "partial_json");
      }  // thinking_delta, signature_delta, citations_delta: not shown in the playground
    } else if (type == "content_block_stop") {
      const auto it = blocks_.find(integer_at(data, "index").value_or(0));
      if (it != blocks_.end() && it->second.type == "tool_use") {
        if (!it->second.arguments.empty() && !parse_json(it->second.arguments).is_object()) {
          return malformed("a tool call's streamed input is not a JSON object");
        }
        out.push_back(tool_call_event(it->second.id, it->second.name, it->second.arguments));
      }
      if (it != blocks_.end()) blocks_.erase(it);
    } else if (type == "message_delta") {
      stop_reason_ = string_at(object_at(data, "delta"), "stop_reason");
      read_usage(object_at(data, "usage"), usage_);
      out.push_back(usage_event(usage_));
    } else if (type == "message_stop") {
      stopped_ = true;
      out.push_back(finish_event(stop_reason_));
    }  // other events: Anthropic may add them, and says to ignore what one does not know
    return Status::ok();
  }

  Status on_end(std::vector<ChatEvent>&) override {
    if (!stopped_) return Status(Code::unavailable, "the provider's stream ended before its end (message_stop never came)");
    return Status::ok();
  }

 private:
  struct Block {
    std::string type;
    std::string id;
    std::string name;
    std::string arguments;
  };

  static ChatEvent text_event(std::string text) {
    ChatEvent event;
    event.text = std::move(text);
    return event;
  }

  std::map<int64_t, Block> blocks_;
  ChatUsage usage_;
  std::string stop_reason_;
  bool stopped_ = false;
};

class AnthropicWholeDecoder final : public WholeChatDecoder {
 protected:
  Status decode(const json& answer, std::vector<ChatEvent>& out) override {
    if (string_at(answer, "type") == "error") {
      const auto error = read_error(answer);
      ProviderFailure failure;
      failure.kind = kind_for_error_type(error ? error->first : "", ProviderFailure::Kind::provider_error);
      failure.message = error ? error->second : "the provider reported an error";
      return provider_failed(std::move(failure));
    }
    const auto content = answer.find("content");
    if (content == answer.end() || !content->is_array()) return malformed("a message has no content array");
    out.push_back(response_event(answer));
    for (const json& block : *content) {
      const std::string type = string_at(block, "type");
      if (type == "text") {
        ChatEvent event;
        event.text = string_at(block, "text");
        out.push_back(std::move(event));
      } else if (type == "tool_use") {
        out.push_back(tool_call_event(string_at(block, "id"), string_at(block, "name"), object_at(block, "input").dump()));
      }
    }
    ChatUsage usage;
    read_usage(object_at(answer, "usage"), usage);
    out.push_back(usage_event(usage));
    out.push_back(finish_event(string_at(answer, "stop_reason")));
    return Status::ok();
  }
};

class AnthropicMessages final : public ProviderProtocol {
 public:
  ProviderKind kind() const override { return ProviderKind::anthropic; }

  HttpCall chat_call(const ProviderEndpoint& endpoint, const ChatRequest& request) const override {
    return json_post(endpoint.base_url + "/v1/messages", headers(endpoint), request_json(request), request.stream);
  }

  std::unique_ptr<ChatDecoder> chat_decoder(bool stream) const override {
    if (stream) return std::make_unique<AnthropicStreamDecoder>();
    return std::make_unique<AnthropicWholeDecoder>();
  }

  HttpCall models_call(const ProviderEndpoint& endpoint) const override {
    return get_call(endpoint.base_url + "/v1/models?limit=1000", headers(endpoint));
  }

  Result<std::vector<std::string>> parse_models(std::string_view body) const override { return ids_of_data_list(body); }

  ProviderFailure classify_error(int http_status, std::string_view retry_after, std::string_view body) const override {
    const auto error = read_error(parse_json(body));
    ProviderFailure failure = failure_from_status(http_status, retry_after, error ? error->second : std::string(), body);
    if (error) failure.kind = kind_for_error_type(error->first, failure.kind);
    return failure;
  }

 private:
  static std::vector<HttpHeader> headers(const ProviderEndpoint& endpoint) {
    std::vector<HttpHeader> headers;
    if (!endpoint.api_key.empty()) headers.push_back({"x-api-key", endpoint.api_key});
    headers.push_back({"anthropic-version", std::string(kVersion)});
    return headers;
  }
};

}  // namespace

const ProviderProtocol& anthropic_messages_protocol() {
  static const AnthropicMessages protocol;
  return protocol;
}

}  // namespace spanline::api::playground::detail
