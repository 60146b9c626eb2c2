#include "stages/api/playground/providers/protocol_support.h"

#include "base/json_depth.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <chrono>
#include <ctime>

namespace spanline::api::playground::detail {

json parse_json(std::string_view text) {
  // A provider's answer is copied and dumped below, both recursive in nlohmann::json:
  // an answer nesting deeper than any documented shape is refused unparsed.
  if (json_nests_deeper_than(text, kMaxProviderJsonDepth)) return json(json::value_t::discarded);
  return json::parse(text, nullptr, /*allow_exceptions=*/false);
}

std::string string_at(const json& object, std::string_view key) {
  if (!object.is_object()) return {};
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<int64_t> integer_at(const json& object, std::string_view key) {
  if (!object.is_object()) return std::nullopt;
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return std::nullopt;
  // A provider's number past int64 (3.7e35 tokens, found by fuzz_playground) is
  // no count at all: converting it would be undefined behaviour, so it is absent.
  if (it->is_number_float()) {
    const double value = it->get<double>();
    if (!std::isfinite(value) || value < -9.2e18 || value > 9.2e18) return std::nullopt;
    return static_cast<int64_t>(value);
  }
  if (it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return it->get<int64_t>();
}

const json& object_at(const json& object, std::string_view key) {
  static const json empty = json::object();
  if (!object.is_object()) return empty;
  const auto it = object.find(key);
  return it != object.end() && it->is_object() ? *it : empty;
}

const json& array_at(const json& object, std::string_view key) {
  static const json empty = json::array();
  if (!object.is_object()) return empty;
  const auto it = object.find(key);
  return it != object.end() && it->is_array() ? *it : empty;
}

bool flag_at(const json& object, std::string_view key) {
  if (!object.is_object()) return false;
  const auto it = object.find(key);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

json object_or_empty(std::string_view text) {
  json value = parse_json(text);
  return value.is_object() ? value : json::object();
}

std::optional<int64_t> retry_after_seconds(std::string_view header) {
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  while (!header.empty() && (header.back() == ' ' || header.back() == '\r' || header.back() == '\n')) header.remove_suffix(1);
  if (header.empty()) return std::nullopt;
  int64_t seconds = 0;
  const auto [end, error] = std::from_chars(header.data(), header.data() + header.size(), seconds);
  if (error == std::errc() && end == header.data() + header.size()) return seconds < 0 ? 0 : seconds;
  // An HTTP date (RFC 9110 IMF-fixdate): "Sun, 06 Nov 1994 08:49:37 GMT".
  std::tm when{};
  const std::string text(header);
  if (strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &when) == nullptr) return std::nullopt;
  const int64_t at = timegm(&when);
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return at > now ? at - now : 0;
}

ProviderFailure::Kind kind_for_status(int http_status) {
  using Kind = ProviderFailure::Kind;
  switch (http_status) {
    case 400: case 413: case 422: return Kind::bad_request;
    case 401: case 403: return Kind::unauthorized;
    case 404: return Kind::model_not_found;
    case 408: case 504: return Kind::timeout;
    case 429: return Kind::rate_limited;
    case 503: case 529: return Kind::overloaded;
    default: return Kind::provider_error;
  }
}

ProviderFailure failure_from_status(int http_status, std::string_view retry_after, std::string message, std::string_view body) {
  ProviderFailure failure;
  failure.kind = kind_for_status(http_status);
  failure.http_status = http_status;
  failure.retry_after_s = retry_after_seconds(retry_after);
  if (message.empty()) {
    // Not the provider's documented error body (a proxy's page, a wrong base URL): say what came back.
    constexpr size_t kExcerpt = 200;
    message = "HTTP " + std::to_string(http_status) + " from the provider";
    if (!body.empty()) message += ": " + std::string(body.substr(0, kExcerpt)) + (body.size() > kExcerpt ? "..." : "");
    if (http_status == 404) {
      failure.kind = ProviderFailure::Kind::provider_error;
      message += " (is the provider's base URL right?)";
    }
  }
  failure.message = std::move(message);
  return failure;
}

std::string joined_text(const ChatMessage& message) {
  std::string text;
  for (const ChatPart& part : message.parts) {
    if (part.type == ChatPart::Type::text) text += part.content;
  }
  return text;
}

std::string url_path_segment(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

Status malformed(std::string_view what) {
  return Status(Code::internal, "the provider's answer is not in its documented shape: " + std::string(what));
}

Result<std::vector<std::string>> ids_of_data_list(std::string_view body) {
  const json list = parse_json(body);
  const auto data = list.is_object() ? list.find("data") : list.end();
  if (!list.is_object() || data == list.end() || !data->is_array()) return malformed("a model list has no `data` array");
  std::vector<std::string> models;
  for (const json& model : *data) {
    if (std::string id = string_at(model, "id"); !id.empty()) models.push_back(std::move(id));
  }
  return models;
}

HttpCall json_post(std::string url, std::vector<HttpHeader> headers, const json& body, bool stream) {
  HttpCall call;
  call.url = std::move(url);
  call.headers = std::move(headers);
  call.headers.push_back({"Content-Type", "application/json"});
  if (stream) call.headers.push_back({"Accept", "text/event-stream"});
  call.body = body.dump();
  return call;
}

HttpCall get_call(std::string url, std::vector<HttpHeader> headers) {
  HttpCall call;
  call.method = "GET";
  call.url = std::move(url);
  call.headers = std::move(headers);
  return call;
}

Status FailureRecordingDecoder::provider_failed(ProviderFailure failure) {
  Status status(Code::unavailable, failure.message);
  failure_ = std::move(failure);
  return status;
}

// Events decoded before a failure in the same bytes are still handed out (the text
// before an in-stream error is part of the run); the failure answers the next call.
Result<std::vector<ChatEvent>> SseChatDecoder::handle(const std::vector<SseEvent>& events) {
  std::vector<ChatEvent> out;
  for (const SseEvent& event : events) {
    if (Status status = on_event(event, out); !status.is_ok()) {
      failed_ = std::move(status);
      if (out.empty()) return *failed_;
      return out;
    }
  }
  return out;
}

Result<std::vector<ChatEvent>> SseChatDecoder::feed(std::string_view bytes) {
  if (failed_) return *failed_;
  std::vector<SseEvent> events;
  reader_.feed(bytes, events);
  return handle(events);
}

Result<std::vector<ChatEvent>> SseChatDecoder::finish() {
  if (failed_) return *failed_;
  // A last event without its blank line still counts (some servers close right after it).
  std::vector<SseEvent> events;
  if (reader_.inside_event()) reader_.feed("\n\n", events);
  auto out = handle(events);
  if (failed_) return *failed_;
  if (Status status = on_end(*out); !status.is_ok()) {
    failed_ = status;
    return status;
  }
  return out;
}

Result<std::vector<ChatEvent>> WholeChatDecoder::feed(std::string_view bytes) {
  body_.append(bytes);
  return std::vector<ChatEvent>{};
}

Result<std::vector<ChatEvent>> WholeChatDecoder::finish() {
  const json answer = parse_json(body_);
  if (!answer.is_object()) return malformed("the body is not a JSON object");
  std::vector<ChatEvent> out;
  if (Status status = decode(answer, out); !status.is_ok()) return status;
  return out;
}

}  // namespace spanline::api::playground::detail
