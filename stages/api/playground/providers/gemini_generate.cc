// Google Gemini generateContent (POST {base}/v1beta/models/{model}:generateContent,
// or :streamGenerateContent?alt=sse) as Google documents it. Roles are user/model;
// tool calls are functionCall parts (whole, never in pieces) and tool results
// functionResponse parts answered by name; each streamed event is a whole
// GenerateContentResponse, and the stream has no end marker: the candidate's
// finishReason (or promptFeedback.blockReason) says it ended.
#include <algorithm>
#include <map>

#include "stages/api/playground/providers/protocol_support.h"

namespace spanline::api::playground::detail {
namespace {

constexpr std::string_view kModelsPath = "/v1beta/models";

// Finish and block reasons that mean the answer or the prompt was filtered.
bool is_filtered_reason(std::string_view reason) {
  return reason == "SAFETY" || reason == "RECITATION" || reason == "BLOCKLIST" || reason == "PROHIBITED_CONTENT" ||
         reason == "SPII" || reason == "IMAGE_SAFETY";
}

// "models/gemini-2.5-flash" and "gemini-2.5-flash" name the same model.
std::string bare_model(std::string_view model) {
  constexpr std::string_view kPrefix = "models/";
  if (model.substr(0, kPrefix.size()) == kPrefix) model.remove_prefix(kPrefix.size());
  return std::string(model);
}

// A function's result must be a JSON object: an object result goes as it is, anything else under "result".
json function_response(std::string_view content) {
  json value = parse_json(content);
  if (value.is_object()) return value;
  return {{"result", value.is_discarded() ? json(std::string(content)) : value}};
}

json parts_of(const ChatMessage& message, const std::map<std::string, std::string>& names_by_call_id) {
  json parts = json::array();
  for (const ChatPart& part : message.parts) {
    switch (part.type) {
      case ChatPart::Type::text:
        if (!part.content.empty()) parts.push_back({{"text", part.content}});
        break;
      case ChatPart::Type::tool_call: {
        json call = {{"name", part.name}, {"args", object_or_empty(part.arguments)}};
        if (!part.id.empty()) call["id"] = part.id;
        parts.push_back({{"functionCall", std::move(call)}});
        break;
      }
      case ChatPart::Type::tool_call_response: {
        // Gemini pairs a result with its call by the function's name; the GenAI part names the call by id.
        std::string name = part.name;
        if (const auto it = names_by_call_id.find(part.id); name.empty() && it != names_by_call_id.end()) name = it->second;
        json response = {{"name", name}, {"response", function_response(part.content)}};
        if (!part.id.empty()) response["id"] = part.id;
        parts.push_back({{"functionResponse", std::move(response)}});
        break;
      }
    }
  }
  return parts;
}

json request_json(const ChatRequest& request) {
  std::map<std::string, std::string> names_by_call_id;
  for (const ChatMessage& message : request.messages) {
    for (const ChatPart& part : message.parts) {
      if (part.type == ChatPart::Type::tool_call && !part.id.empty()) names_by_call_id[part.id] = part.name;
    }
  }
  json contents = json::array();
  for (const ChatMessage& message : request.messages) {
    const std::string role = message.role == "assistant" ? "model" : "user";  // function results are the user's turn
    json parts = parts_of(message, names_by_call_id);
    if (parts.empty()) continue;
    if (!contents.empty() && contents.back()["role"] == role) {
      for (json& part : parts) contents.back()["parts"].push_back(std::move(part));
    } else {
      contents.push_back({{"role", role}, {"parts", std::move(parts)}});
    }
  }
  json body = {{"contents", std::move(contents)}};
  if (!request.system.empty()) body["systemInstruction"] = {{"parts", json::array({{{"text", request.system}}})}};
  if (!request.tools.empty()) {
    json declarations = json::array();
    for (const ToolDefinition& tool : request.tools) {
      json declaration = {{"name", tool.name}};
      if (!tool.description.empty()) declaration["description"] = tool.description;
      if (!tool.parameters.empty()) declaration["parameters"] = object_or_empty(tool.parameters);
      declarations.push_back(std::move(declaration));
    }
    body["tools"] = json::array({{{"functionDeclarations", std::move(declarations)}}});
  }
  const ChatParameters& p = request.parameters;
  json config = json::object();
  if (p.temperature) config["temperature"] = *p.temperature;
  if (p.top_p) config["topP"] = *p.top_p;
  if (p.max_tokens) config["maxOutputTokens"] = *p.max_tokens;
  if (p.seed) config["seed"] = *p.seed;
  if (!p.stop.empty()) config["stopSequences"] = p.stop;
  if (p.response_format != ChatParameters::ResponseFormat::text) config["responseMimeType"] = "application/json";
  if (p.response_format == ChatParameters::ResponseFormat::json_schema) config["responseSchema"] = object_or_empty(p.json_schema);
  if (!config.empty()) body["generationConfig"] = std::move(config);
  return body;
}

// Thoughts are billed as output: output counts them too, and reasoning says how many they were.
ChatEvent usage_event(const json& metadata) {
  ChatEvent event;
  event.kind = ChatEvent::Kind::usage;
  const auto candidates = integer_at(metadata, "candidatesTokenCount");
  const auto thoughts = integer_at(metadata, "thoughtsTokenCount");
  event.usage.input_tokens = integer_at(metadata, "promptTokenCount");
  if (candidates || thoughts) event.usage.output_tokens = candidates.value_or(0) + thoughts.value_or(0);
  event.usage.total_tokens = integer_at(metadata, "totalTokenCount");
  event.usage.cache_read_tokens = integer_at(metadata, "cachedContentTokenCount");
  event.usage.reasoning_tokens = thoughts;
  return event;
}

// {"error":{"code","message","status","details":[...]}}.
struct GeminiError {
  int code = 0;
  std::string message;
  std::string status;
  std::string reason;                   // details' ErrorInfo reason, e.g. API_KEY_INVALID
  std::optional<int64_t> retry_delay_s;  // details' RetryInfo retryDelay, e.g. "7s"
};

std::optional<GeminiError> read_error(const json& body) {
  if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) return std::nullopt;
  const json& error = body["error"];
  GeminiError read{static_cast<int>(integer_at(error, "code").value_or(0)), string_at(error, "message"), string_at(error, "status"), {}, {}};
  if (const auto details = error.find("details"); details != error.end() && details->is_array()) {
    for (const json& detail : *details) {
      if (const std::string reason = string_at(detail, "reason"); !reason.empty()) read.reason = reason;
      if (const std::string delay = string_at(detail, "retryDelay"); !delay.empty()) {
        read.retry_delay_s = static_cast<int64_t>(std::strtod(delay.c_str(), nullptr) + 0.999);
      }
    }
  }
  return read;
}

ProviderFailure failure_of(const GeminiError& error, int http_status, std::string_view retry_after, std::string_view body) {
  ProviderFailure failure = failure_from_status(http_status, retry_after, error.message, body);
  using Kind = ProviderFailure::Kind;
  if (error.reason == "API_KEY_INVALID" || error.status == "UNAUTHENTICATED" || error.status == "PERMISSION_DENIED") {
    failure.kind = Kind::unauthorized;
  } else if (error.status == "RESOURCE_EXHAUSTED") {
    failure.kind = Kind::rate_limited;
  } else if (error.status == "UNAVAILABLE") {
    failure.kind = Kind::overloaded;
  } else if (error.status == "NOT_FOUND") {
    failure.kind = Kind::model_not_found;
  } else if (error.status == "DEADLINE_EXCEEDED") {
    failure.kind = Kind::timeout;
  } else if (error.status == "INVALID_ARGUMENT" || error.status == "FAILED_PRECONDITION") {
    failure.kind = Kind::bad_request;
  }
  if (!failure.retry_after_s) failure.retry_after_s = error.retry_delay_s;
  return failure;
}

// An error object inside a 200 answer: classified by its own code and status; the HTTP status was 200, so none is given.
ProviderFailure failure_inside_answer(const GeminiError& error) {
  ProviderFailure failure = failure_of(error, error.code, "", "");
  failure.http_status.reset();
  return failure;
}

// What one GenerateContentResponse says, for both decoders.
class ResponseReader {
 public:
  void read(const json& response, std::vector<ChatEvent>& out) {
    if (!responded_ && (response.contains("modelVersion") || response.contains("responseId"))) {
      responded_ = true;
      ChatEvent event;
      event.kind = ChatEvent::Kind::response;
      event.response_model = string_at(response, "modelVersion");
      event.response_id = string_at(response, "responseId");
      out.push_back(std::move(event));
    }
    if (const auto feedback = response.find("promptFeedback"); feedback != response.end()) {
      if (std::string reason = string_at(*feedback, "blockReason"); !reason.empty()) {
        finish_reason_ = std::move(reason);
        blocked_ = true;
      }
    }
    if (const auto candidates = response.find("candidates"); candidates != response.end() && candidates->is_array()) {
      for (const json& candidate : *candidates) {
        if (integer_at(candidate, "index").value_or(0) != 0) continue;
        read_parts(array_at(object_at(candidate, "content"), "parts"), out);
        if (std::string reason = string_at(candidate, "finishReason"); !reason.empty()) finish_reason_ = std::move(reason);
      }
    }
    if (const auto metadata = response.find("usageMetadata"); metadata != response.end() && metadata->is_object()) {
      out.push_back(usage_event(*metadata));
    }
  }

  bool finished() const { return !finish_reason_.empty(); }

  ChatEvent finish_event() const {
    ChatEvent event;
    event.kind = ChatEvent::Kind::finish;
    event.finish_reason = finish_reason_;
    event.content_filtered = blocked_ || is_filtered_reason(finish_reason_);
    return event;
  }

 private:
  static void read_parts(const json& parts, std::vector<ChatEvent>& out) {
    if (!parts.is_array()) return;
    for (const json& part : parts) {
      if (flag_at(part, "thought")) continue;  // thought summaries are not the answer
      if (std::string text = string_at(part, "text"); !text.empty()) {
        ChatEvent event;
        event.text = std::move(text);
        out.push_back(std::move(event));
      }
      if (const auto call = part.find("functionCall"); call != part.end() && call->is_object()) {
        ChatEvent event;
        event.kind = ChatEvent::Kind::tool_call;
        event.tool_call.type = ChatPart::Type::tool_call;
        event.tool_call.id = string_at(*call, "id");
        event.tool_call.name = string_at(*call, "name");
        event.tool_call.arguments = call->value("args", json::object()).dump();
        out.push_back(std::move(event));
      }
    }
  }

  std::string finish_reason_;
  bool blocked_ = false;
  bool responded_ = false;
};

class GeminiStreamDecoder final : public SseChatDecoder {
 protected:
  Status on_event(const SseEvent& event, std::vector<ChatEvent>& out) override {
    const json response = parse_json(event.data);
    if (!response.is_object()) return malformed("a stream event's data is not a JSON object");
    if (const auto error = read_error(response)) return provider_failed(failure_inside_answer(*error));
    reader_.read(response, out);
    return Status::ok();
  }

  Status on_end(std::vector<ChatEvent>& out) override {
    if (!reader_.finished()) return Status(Code::unavailable, "the provider's stream ended before its end (no finishReason came)");
    out.push_back(reader_.finish_event());
    return Status::ok();
  }

 private:
  ResponseReader reader_;
};

class GeminiWholeDecoder final : public WholeChatDecoder {
 protected:
  Status decode(const json& answer, std::vector<ChatEvent>& out) override {
    if (const auto error = read_error(answer)) return provider_failed(failure_inside_answer(*error));
    ResponseReader reader;
    reader.read(answer, out);
    if (!reader.finished()) return malformed("the answer has no finishReason");
    out.push_back(reader.finish_event());
    return Status::ok();
  }
};

class GeminiGenerate final : public ProviderProtocol {
 public:
  ProviderKind kind() const override { return ProviderKind::gemini; }

  HttpCall chat_call(const ProviderEndpoint& endpoint, const ChatRequest& request) const override {
    std::string url = endpoint.base_url;  // appended piece by piece: GCC 12 warns falsely on a chain of + here
    url.append(kModelsPath).append("/").append(url_path_segment(bare_model(request.model)));
    url.append(request.stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
    return json_post(std::move(url), headers(endpoint), request_json(request), request.stream);
  }

  std::unique_ptr<ChatDecoder> chat_decoder(bool stream) const override {
    if (stream) return std::make_unique<GeminiStreamDecoder>();
    return std::make_unique<GeminiWholeDecoder>();
  }

  HttpCall models_call(const ProviderEndpoint& endpoint) const override {
    std::string url = endpoint.base_url;
    url.append(kModelsPath).append("?pageSize=1000");
    return get_call(std::move(url), headers(endpoint));
  }

  // Only models that can generate content (embedding models are listed too).
  Result<std::vector<std::string>> parse_models(std::string_view body) const override {
    const json list = parse_json(body);
    if (!list.is_object()) return malformed("a model list is not a JSON object");
    std::vector<std::string> models;
    const json entries = list.contains("models") ? list["models"] : json::array();
    if (!entries.is_array()) return malformed("a model list's `models` is not an array");
    for (const json& model : entries) {
      const json methods = array_at(model, "supportedGenerationMethods");
      const bool generates = !methods.is_array() || methods.empty() ||
                             std::find(methods.begin(), methods.end(), json("generateContent")) != methods.end();
      if (std::string name = bare_model(string_at(model, "name")); generates && !name.empty()) models.push_back(std::move(name));
    }
    return models;
  }

  ProviderFailure classify_error(int http_status, std::string_view retry_after, std::string_view body) const override {
    if (const auto error = read_error(parse_json(body))) return failure_of(*error, http_status, retry_after, body);
    return failure_from_status(http_status, retry_after, {}, body);
  }

 private:
  static std::vector<HttpHeader> headers(const ProviderEndpoint& endpoint) {
    std::vector<HttpHeader> headers;
    if (!endpoint.api_key.empty()) headers.push_back({"x-goog-api-key", endpoint.api_key});
    return headers;
  }
};

}  // namespace

const ProviderProtocol& gemini_generate_protocol() {
  static const GeminiGenerate protocol;
  return protocol;
}

}  // namespace spanline::api::playground::detail
