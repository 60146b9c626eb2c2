// OpenAI chat completions (POST {base}/chat/completions), as OpenAI documents it
// and as OpenAI-compatible servers (Ollama, vLLM, LM Studio, routers) accept it.
// Streamed answers are `data: <chunk>` events ending with `data: [DONE]`; tool-call
// arguments arrive as pieces of JSON text keyed by the call's index.
#include <algorithm>
#include <map>

#include "stages/api/playground/providers/protocol_support.h"

namespace spanline::api::playground::detail {
namespace {

constexpr std::string_view kDone = "[DONE]";

// A 400 with one of these codes (OpenAI's moderation, Azure OpenAI's content filter) means the prompt was filtered.
bool is_content_filter_code(std::string_view code) {
  return code == "content_filter" || code == "content_policy_violation" || code == "ResponsibleAIPolicyViolation";
}

json tool_calls_json(const ChatMessage& message) {
  json calls = json::array();
  for (const ChatPart& part : message.parts) {
    if (part.type != ChatPart::Type::tool_call) continue;
    calls.push_back({{"id", part.id},
                     {"type", "function"},
                     {"function", {{"name", part.name}, {"arguments", part.arguments.empty() ? "{}" : part.arguments}}}});
  }
  return calls;
}

// One chat message per GenAI message, except that each tool result is its own "tool"
// message (OpenAI pairs them by id). Results come before the text of the message that
// carries them: OpenAI wants them right after the assistant's tool calls (a prompt
// traced from Anthropic holds results and the next question in one user message).
void append_messages(const ChatMessage& message, json& messages) {
  const json calls = tool_calls_json(message);
  const bool has_text = std::any_of(message.parts.begin(), message.parts.end(),
                                    [](const ChatPart& p) { return p.type == ChatPart::Type::text; });
  json own = nullptr;
  if (message.role != "tool" && (has_text || !calls.empty())) {
    own = {{"role", message.role}, {"content", has_text ? json(joined_text(message)) : json(nullptr)}};
    if (!calls.empty()) own["tool_calls"] = calls;
  }
  const bool results_first = message.role != "assistant";
  if (!results_first && !own.is_null()) messages.push_back(own);
  for (const ChatPart& part : message.parts) {
    if (part.type == ChatPart::Type::tool_call_response) {
      messages.push_back({{"role", "tool"}, {"tool_call_id", part.id}, {"content", part.content}});
    }
  }
  if (results_first && !own.is_null()) messages.push_back(std::move(own));
}

json response_format_json(const ChatParameters& parameters) {
  using Format = ChatParameters::ResponseFormat;
  if (parameters.response_format == Format::json_object) return {{"type", "json_object"}};
  json schema = object_or_empty(parameters.json_schema);
  // Accept OpenAI's own wrapper ({"name", "schema", "strict"}) as well as a bare JSON Schema.
  json described = schema.contains("schema") && schema.contains("name") ? schema : json{{"name", "response"}, {"schema", schema}};
  return {{"type", "json_schema"}, {"json_schema", std::move(described)}};
}

bool takes_max_completion_tokens(std::string_view model) {
  const bool o_series = model.size() >= 2 && model[0] == 'o' && model[1] >= '0' && model[1] <= '9';
  return o_series || model.starts_with("gpt-5");
}

json request_json(const ChatRequest& request) {
  json messages = json::array();
  if (!request.system.empty()) messages.push_back({{"role", "system"}, {"content", request.system}});
  for (const ChatMessage& message : request.messages) append_messages(message, messages);
  json body = {{"model", request.model}, {"messages", std::move(messages)}};
  if (!request.tools.empty()) {
    json tools = json::array();
    for (const ToolDefinition& tool : request.tools) {
      json function = {{"name", tool.name}};
      if (!tool.description.empty()) function["description"] = tool.description;
      function["parameters"] = tool.parameters.empty() ? json{{"type", "object"}, {"properties", json::object()}}
                                                       : object_or_empty(tool.parameters);
      tools.push_back({{"type", "function"}, {"function", std::move(function)}});
    }
    body["tools"] = std::move(tools);
  }
  const ChatParameters& p = request.parameters;
  if (p.temperature) body["temperature"] = *p.temperature;
  if (p.top_p) body["top_p"] = *p.top_p;
  // OpenAI's reasoning models (o1, o3, o4-mini, gpt-5...) refuse the deprecated
  // max_tokens and take max_completion_tokens; compatible servers (Ollama, vLLM,
  // LM Studio) and the other OpenAI models read max_tokens.
  if (p.max_tokens) body[takes_max_completion_tokens(request.model) ? "max_completion_tokens" : "max_tokens"] = *p.max_tokens;
  if (p.seed) body["seed"] = *p.seed;
  if (!p.stop.empty()) body["stop"] = p.stop;
  if (p.response_format != ChatParameters::ResponseFormat::text) body["response_format"] = response_format_json(p);
  if (request.stream) {
    body["stream"] = true;
    body["stream_options"] = {{"include_usage", true}};
  }
  return body;
}

ChatEvent usage_event(const json& usage) {
  ChatEvent event;
  event.kind = ChatEvent::Kind::usage;
  event.usage.input_tokens = integer_at(usage, "prompt_tokens");
  event.usage.output_tokens = integer_at(usage, "completion_tokens");
  event.usage.total_tokens = integer_at(usage, "total_tokens");
  if (const auto it = usage.find("prompt_tokens_details"); it != usage.end()) {
    event.usage.cache_read_tokens = integer_at(*it, "cached_tokens");
  }
  if (const auto it = usage.find("completion_tokens_details"); it != usage.end()) {
    event.usage.reasoning_tokens = integer_at(*it, "reasoning_tokens");
  }
  return event;
}

ChatEvent response_event(const json& answer) {
  ChatEvent event;
  event.kind = ChatEvent::Kind::response;
  event.response_model = string_at(answer, "model");
  event.response_id = string_at(answer, "id");
  return event;
}

ChatEvent finish_event(const std::string& reason, bool refused) {
  ChatEvent event;
  event.kind = ChatEvent::Kind::finish;
  event.finish_reason = reason;
  event.content_filtered = refused || reason == "content_filter";
  return event;
}

// An error object (in an error answer's body, or a `data:` line of a stream): its message and its code or type.
struct OpenAiError {
  std::string message;
  std::string code;
  std::string type;
};

std::optional<OpenAiError> read_error(const json& body) {
  if (!body.is_object() || !body.contains("error")) return std::nullopt;
  const json& error = body["error"];
  if (error.is_string()) return OpenAiError{error.get<std::string>(), {}, {}};  // some compatible servers
  OpenAiError read{string_at(error, "message"), string_at(error, "code"), string_at(error, "type")};
  if (read.code.empty()) {
    if (const auto code = integer_at(error, "code")) read.code = std::to_string(*code);
  }
  return read;
}

ProviderFailure failure_in_answer(const OpenAiError& error) {
  ProviderFailure failure;
  failure.message = error.message.empty() ? "the provider reported an error" : error.message;
  if (is_content_filter_code(error.code)) {
    failure.kind = ProviderFailure::Kind::content_filtered;
  } else if (error.code == "rate_limit_exceeded" || error.type == "rate_limit_exceeded" || error.code == "insufficient_quota") {
    failure.kind = ProviderFailure::Kind::rate_limited;
  } else if (error.type == "invalid_request_error") {
    failure.kind = ProviderFailure::Kind::bad_request;
  }
  return failure;
}

class OpenAiStreamDecoder final : public SseChatDecoder {
 protected:
  Status on_event(const SseEvent& event, std::vector<ChatEvent>& out) override {
    if (done_) return Status::ok();
    if (event.data == kDone) {
      done_ = true;
      flush_tool_calls(out);
      out.push_back(finish_event(finish_reason_, refused_));
      return Status::ok();
    }
    const json chunk = parse_json(event.data);
    if (!chunk.is_object()) return malformed("a stream event's data is not a JSON object");
    if (const auto error = read_error(chunk)) return provider_failed(failure_in_answer(*error));
    if (!responded_ && (chunk.contains("model") || chunk.contains("id"))) {
      responded_ = true;
      out.push_back(response_event(chunk));
    }
    if (const auto choices = chunk.find("choices"); choices != chunk.end() && choices->is_array()) {
      for (const json& choice : *choices) {
        if (integer_at(choice, "index").value_or(0) != 0) continue;  // one answer is asked for (no `n`)
        if (Status status = on_choice(choice, out); !status.is_ok()) return status;
      }
    }
    if (const auto usage = chunk.find("usage"); usage != chunk.end() && usage->is_object()) out.push_back(usage_event(*usage));
    return Status::ok();
  }

  Status on_end(std::vector<ChatEvent>&) override {
    if (!done_) return Status(Code::unavailable, "the provider's stream ended before its end ([DONE] never came)");
    return Status::ok();
  }

 private:
  struct PendingCall {
    std::string id;
    std::string name;
    std::string arguments;
  };

  Status on_choice(const json& choice, std::vector<ChatEvent>& out) {
    if (const auto delta = choice.find("delta"); delta != choice.end() && delta->is_object()) {
      if (const std::string text = string_at(*delta, "content"); !text.empty()) {
        ChatEvent event;
        event.text = text;
        out.push_back(std::move(event));
      }
      if (const std::string refusal = string_at(*delta, "refusal"); !refusal.empty()) {
        refused_ = true;
        ChatEvent event;
        event.text = refusal;
        out.push_back(std::move(event));
      }
      if (const auto calls = delta->find("tool_calls"); calls != delta->end() && calls->is_array()) {
        for (const json& call : *calls) {
          const auto index = integer_at(call, "index");
          if (!index) return malformed("a streamed tool call has no index");
          PendingCall& pending = calls_[*index];
          if (const std::string id = string_at(call, "id"); !id.empty()) pending.id = id;
          if (const auto function = call.find("function"); function != call.end()) {
            if (const std::string name = string_at(*function, "name"); !name.empty()) pending.name = name;
            pending.arguments += string_at(*function, "arguments");
          }
        }
      }
    }
    if (const std::string reason = string_at(choice, "finish_reason"); !reason.empty()) {
      finish_reason_ = reason;
      flush_tool_calls(out);  // every call is complete once the choice finished
    }
    return Status::ok();
  }

  void flush_tool_calls(std::vector<ChatEvent>& out) {
    for (auto& [index, call] : calls_) {
      ChatEvent event;
      event.kind = ChatEvent::Kind::tool_call;
      event.tool_call.type = ChatPart::Type::tool_call;
      event.tool_call.id = std::move(call.id);
      event.tool_call.name = std::move(call.name);
      event.tool_call.arguments = call.arguments.empty() ? "{}" : std::move(call.arguments);
      out.push_back(std::move(event));
    }
    calls_.clear();
  }

  std::map<int64_t, PendingCall> calls_;  // by the call's index, in order
  std::string finish_reason_;
  bool refused_ = false;
  bool responded_ = false;
  bool done_ = false;
};

class OpenAiWholeDecoder final : public WholeChatDecoder {
 protected:
  Status decode(const json& answer, std::vector<ChatEvent>& out) override {
    if (const auto error = read_error(answer)) return provider_failed(failure_in_answer(*error));
    const auto choices = answer.find("choices");
    if (choices == answer.end() || !choices->is_array() || choices->empty()) return malformed("no choices");
    out.push_back(response_event(answer));
    const json& choice = choices->front();
    const json message = object_at(choice, "message");
    bool refused = false;
    for (const char* key : {"content", "refusal"}) {
      if (std::string text = string_at(message, key); !text.empty()) {
        refused = refused || std::string_view(key) == "refusal";
        ChatEvent event;
        event.text = std::move(text);
        out.push_back(std::move(event));
      }
    }
    if (const auto calls = message.find("tool_calls"); calls != message.end() && calls->is_array()) {
      for (const json& call : *calls) {
        const json function = object_at(call, "function");
        ChatEvent event;
        event.kind = ChatEvent::Kind::tool_call;
        event.tool_call.type = ChatPart::Type::tool_call;
        event.tool_call.id = string_at(call, "id");
        event.tool_call.name = string_at(function, "name");
        event.tool_call.arguments = string_at(function, "arguments");
        if (event.tool_call.arguments.empty()) event.tool_call.arguments = "{}";
        out.push_back(std::move(event));
      }
    }
    if (const auto usage = answer.find("usage"); usage != answer.end() && usage->is_object()) out.push_back(usage_event(*usage));
    out.push_back(finish_event(string_at(choice, "finish_reason"), refused));
    return Status::ok();
  }
};

class OpenAiChat final : public ProviderProtocol {
 public:
  ProviderKind kind() const override { return ProviderKind::openai; }

  HttpCall chat_call(const ProviderEndpoint& endpoint, const ChatRequest& request) const override {
    return json_post(endpoint.base_url + "/chat/completions", headers(endpoint), request_json(request), request.stream);
  }

  std::unique_ptr<ChatDecoder> chat_decoder(bool stream) const override {
    if (stream) return std::make_unique<OpenAiStreamDecoder>();
    return std::make_unique<OpenAiWholeDecoder>();
  }

  HttpCall models_call(const ProviderEndpoint& endpoint) const override {
    return get_call(endpoint.base_url + "/models", headers(endpoint));
  }

  Result<std::vector<std::string>> parse_models(std::string_view body) const override { return ids_of_data_list(body); }

  ProviderFailure classify_error(int http_status, std::string_view retry_after, std::string_view body) const override {
    const auto error = read_error(parse_json(body));
    ProviderFailure failure = failure_from_status(http_status, retry_after, error ? error->message : std::string(), body);
    if (error && is_content_filter_code(error->code)) failure.kind = ProviderFailure::Kind::content_filtered;
    if (error && http_status == 404 && error->code != "model_not_found" && failure.message.find("model") == std::string::npos) {
      failure.kind = ProviderFailure::Kind::provider_error;  // a 404 that is not about the model: a wrong base URL
    }
    return failure;
  }

 private:
  static std::vector<HttpHeader> headers(const ProviderEndpoint& endpoint) {
    std::vector<HttpHeader> headers;
    if (!endpoint.api_key.empty()) headers.push_back({"Authorization", "Bearer " + endpoint.api_key});
    return headers;
  }
};

}  // namespace

const ProviderProtocol& openai_chat_protocol() {
  static const OpenAiChat protocol;
  return protocol;
}

}  // namespace spanline::api::playground::detail
