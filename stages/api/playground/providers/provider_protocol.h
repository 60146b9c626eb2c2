#pragma once
// One provider's HTTP API as the playground speaks it: how a ChatRequest and a
// model listing become an HTTP call, how the answer's bytes (streamed as
// Server-Sent Events or whole) become ChatEvents, and what an error answer
// means. Pure functions of bytes: no sockets here (http_transport.h moves the
// bytes), so each protocol is unit-tested on the providers' documented examples.
//
// Providers: OpenAI-compatible chat completions (OpenAI itself, and Ollama,
// vLLM, LM Studio, routers that speak it), Anthropic Messages, Google Gemini
// generateContent.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "stages/api/playground/providers/chat_types.h"

namespace spanline::api::playground {

enum class ProviderKind { openai, anthropic, gemini };

// "openai", "anthropic", "gemini": the names configuration, the API and recorded spans use.
std::string_view provider_kind_name(ProviderKind kind);
std::optional<ProviderKind> provider_kind_from_name(std::string_view name);

// Where one configured provider is reached. `api_key` is a secret: never logged,
// never in an answer to a browser; empty for servers that need none (a local Ollama).
struct ProviderEndpoint {
  std::string name;      // unique among configured providers, e.g. "openai" or "local-ollama"
  ProviderKind kind = ProviderKind::openai;
  std::string base_url;  // e.g. https://api.openai.com/v1, https://api.anthropic.com, https://generativelanguage.googleapis.com
  std::string api_key;
};

struct HttpHeader {
  std::string name;
  std::string value;
};

struct HttpCall {
  std::string method = "POST";
  std::string url;
  std::vector<HttpHeader> headers;  // may hold the key (Authorization, x-api-key, x-goog-api-key): never log them
  std::string body;
};

// Why a call failed, precisely enough for the person who ran it to act.
struct ProviderFailure {
  enum class Kind {
    unreachable,       // DNS, refused, TLS: the provider could not be reached
    timeout,           // no complete answer within the run's deadline
    stalled,           // a stream sent nothing for longer than the stall bound
    unauthorized,      // 401 / 403: the key is missing, wrong or lacks permission
    rate_limited,      // 429 (retry_after_s when the provider says)
    overloaded,        // 503 / 529: the provider is overloaded (retry later)
    content_filtered,  // the provider refused or filtered the prompt or the answer
    model_not_found,   // the model does not exist or this key cannot use it
    bad_request,       // 400 / 422: the provider refused the prompt (its message says why)
    provider_error,    // 5xx or an answer that is not the documented shape
    cancelled,         // the person stopped the run (or closed the page)
  };
  Kind kind = Kind::provider_error;
  std::string message;                 // the provider's own message where it gave one; never the key
  std::optional<int> http_status;
  std::optional<int64_t> retry_after_s;
};

std::string_view failure_kind_name(ProviderFailure::Kind kind);

// Turns the answer's body bytes into events. Streamed answers arrive in pieces
// cut anywhere (mid-line, mid-UTF-8); feed() keeps what it cannot decode yet.
class ChatDecoder {
 public:
  virtual ~ChatDecoder() = default;
  // Appends the events the bytes complete; a failure when the bytes are not the
  // documented shape (or carry an error event mid-stream: its ProviderFailure).
  // Events decoded before a failure in the same bytes are returned first, and the
  // failure answers the next feed()/finish() (failure() is set at once, so a caller
  // may check it after every feed).
  virtual Result<std::vector<ChatEvent>> feed(std::string_view bytes) = 0;
  // The body ended: the last events, or a failure when it ended early (a stream cut before its end).
  virtual Result<std::vector<ChatEvent>> finish() = 0;
  // Set when feed()/finish() failed because the provider reported an error inside a 200 answer.
  virtual std::optional<ProviderFailure> failure() const = 0;
};

class ProviderProtocol {
 public:
  virtual ~ProviderProtocol() = default;
  virtual ProviderKind kind() const = 0;
  // The call that runs `request` (streamed when request.stream).
  virtual HttpCall chat_call(const ProviderEndpoint& endpoint, const ChatRequest& request) const = 0;
  virtual std::unique_ptr<ChatDecoder> chat_decoder(bool stream) const = 0;
  // The call that lists the models the key can use, and its answer read as model names.
  virtual HttpCall models_call(const ProviderEndpoint& endpoint) const = 0;
  virtual Result<std::vector<std::string>> parse_models(std::string_view body) const = 0;
  // What a non-2xx answer means: its status, the Retry-After header's value (may be empty) and its body.
  virtual ProviderFailure classify_error(int http_status, std::string_view retry_after, std::string_view body) const = 0;
};

// The protocol of each kind (stateless singletons).
const ProviderProtocol& protocol_for(ProviderKind kind);

}  // namespace spanline::api::playground
