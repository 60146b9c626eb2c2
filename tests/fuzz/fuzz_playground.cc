// The playground's two inputs from outside the process: a run's body as a
// browser sends it (parse_run_request), and a provider's answer as whatever
// endpoint an admin configured sends it back (each protocol's decoder, whole
// and streamed, the model list reader and the error classifier).
//
// The first byte chooses the provider kind, streamed or whole, and the size of
// the pieces the answer is fed in; the rest is the input. Beyond not crashing:
// a parsed body respects every bound it declares; a decoder fed the same bytes
// in pieces or whole reaches the same verdict and the same text (a stream may
// be cut anywhere on the wire); a classified error names a kind and never
// carries an HTTP status outside 100..599.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "stages/api/playground/playground_request.h"
#include "stages/api/playground/providers/provider_protocol.h"
#include "tests/fuzz/fuzz_check.h"

namespace pg = spanline::api::playground;
using spanline::fuzz::require;

namespace {

struct Decoded {
  bool ok = true;
  std::string text;
  size_t tool_calls = 0;
};

// Feeds `bytes` in pieces of `piece` bytes (0: whole), then finishes.
Decoded decode(const pg::ProviderProtocol& protocol, bool stream, std::string_view bytes, size_t piece) {
  Decoded out;
  std::unique_ptr<pg::ChatDecoder> decoder = protocol.chat_decoder(stream);
  auto take = [&](const spanline::Result<std::vector<pg::ChatEvent>>& events) {
    if (!events.is_ok()) {
      out.ok = false;
      return;
    }
    for (const pg::ChatEvent& event : *events) {
      if (event.kind == pg::ChatEvent::Kind::text) out.text += event.text;
      if (event.kind == pg::ChatEvent::Kind::tool_call) ++out.tool_calls;
    }
  };
  const size_t step = piece == 0 ? bytes.size() : piece;
  for (size_t at = 0; at < bytes.size() && out.ok; at += step) take(decoder->feed(bytes.substr(at, step)));
  if (out.ok) take(decoder->finish());
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t control = data[0];
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

  if (auto run = pg::parse_run_request(input); run.is_ok()) {
    require(run->chat.messages.size() <= pg::kMaxRunMessages, "a parsed run holds at most kMaxRunMessages messages");
    require(run->chat.tools.size() <= pg::kMaxRunTools, "a parsed run holds at most kMaxRunTools tools");
    require(run->chat.parameters.stop.size() <= pg::kMaxStopSequences, "at most kMaxStopSequences stop sequences");
    require(run->chat.model.size() <= pg::kMaxModelBytes, "a model name within kMaxModelBytes");
    for (const pg::ChatMessage& message : run->chat.messages) {
      require(message.parts.size() <= pg::kMaxMessageParts, "at most kMaxMessageParts parts a message");
    }
  }

  const pg::ProviderKind kinds[] = {pg::ProviderKind::openai, pg::ProviderKind::anthropic, pg::ProviderKind::gemini};
  const pg::ProviderProtocol& protocol = pg::protocol_for(kinds[control % 3]);
  const bool stream = (control & 0x04) != 0;
  const size_t piece = 1 + (control >> 3);  // 1..32 bytes a piece
  const Decoded whole = decode(protocol, stream, input, 0);
  const Decoded pieces = decode(protocol, stream, input, piece);
  if (stream) {
    // A streamed answer's verdict cannot depend on where the wire cut it.
    require(whole.ok == pieces.ok, "a stream's verdict is the same whole or in pieces");
    if (whole.ok) {
      require(whole.text == pieces.text, "a stream's text is the same whole or in pieces");
      require(whole.tool_calls == pieces.tool_calls, "a stream's tool calls are the same whole or in pieces");
    }
  }

  (void)protocol.parse_models(input);
  const pg::ProviderFailure failure = protocol.classify_error(400 + control % 200, "", input);
  require(!pg::failure_kind_name(failure.kind).empty(), "every classified failure names its kind");
  require(!failure.http_status || (*failure.http_status >= 100 && *failure.http_status <= 599), "an HTTP status within 100..599");
  return 0;
}
