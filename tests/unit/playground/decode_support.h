#pragma once
// Test helpers for the provider protocols: an answer's bytes decoded in pieces of
// any size, and events written as one line each so a test compares them at a glance.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "stages/api/playground/providers/provider_protocol.h"

namespace spanline::api::playground::provider_tests {

inline std::string optional_text(const std::optional<int64_t>& value) { return value ? std::to_string(*value) : "-"; }

// Arguments are compared as JSON values, so spacing inside them does not matter.
inline std::string describe(const ChatEvent& event) {
  switch (event.kind) {
    case ChatEvent::Kind::text:
      return "text " + nlohmann::json(event.text).dump();
    case ChatEvent::Kind::tool_call: {
      const auto arguments = nlohmann::json::parse(event.tool_call.arguments, nullptr, false);
      return "tool_call id=" + event.tool_call.id + " name=" + event.tool_call.name +
             " arguments=" + (arguments.is_discarded() ? "<not JSON: " + event.tool_call.arguments + ">" : arguments.dump());
    }
    case ChatEvent::Kind::usage: {
      const ChatUsage& u = event.usage;
      return "usage in=" + optional_text(u.input_tokens) + " out=" + optional_text(u.output_tokens) +
             " total=" + optional_text(u.total_tokens) + " cache_read=" + optional_text(u.cache_read_tokens) +
             " cache_write=" + optional_text(u.cache_write_tokens) + " reasoning=" + optional_text(u.reasoning_tokens);
    }
    case ChatEvent::Kind::finish:
      return "finish " + event.finish_reason + (event.content_filtered ? " filtered" : "");
    case ChatEvent::Kind::response:
      return "response model=" + event.response_model + " id=" + event.response_id;
  }
  return "?";
}

inline std::vector<std::string> describe(const std::vector<ChatEvent>& events) {
  std::vector<std::string> lines;
  for (const ChatEvent& event : events) lines.push_back(describe(event));
  return lines;
}

struct Decoded {
  std::vector<std::string> events;  // what feed() and finish() yielded until the first failure
  std::string error;                // that failure's message; empty when the whole answer decoded
  std::optional<ProviderFailure> failure;
  bool failed_in_feed = false;
};

// Feeds `body` in pieces of `piece` bytes (0: whole), then finishes.
inline Decoded decode(const ProviderProtocol& protocol, bool stream, std::string_view body, size_t piece) {
  const auto decoder = protocol.chat_decoder(stream);
  Decoded decoded;
  const size_t step = piece == 0 ? std::max<size_t>(body.size(), 1) : piece;
  for (size_t at = 0; at < body.size(); at += step) {
    auto events = decoder->feed(body.substr(at, step));
    if (!events.is_ok()) {
      decoded.error = events.status().message();
      decoded.failure = decoder->failure();
      decoded.failed_in_feed = true;
      return decoded;
    }
    for (const std::string& line : describe(*events)) decoded.events.push_back(line);
  }
  auto events = decoder->finish();
  if (!events.is_ok()) {
    decoded.error = events.status().message();
    decoded.failure = decoder->failure();
    return decoded;
  }
  for (const std::string& line : describe(*events)) decoded.events.push_back(line);
  return decoded;
}

// The pieces every streamed example is fed in: one byte at a time, a few odd sizes, and whole.
inline const std::vector<size_t>& every_split() {
  static const std::vector<size_t> pieces = {1, 2, 3, 5, 7, 16, 64, 0};
  return pieces;
}

// A stream must decode to `expected` whatever pieces it arrives in.
inline void expect_every_split_gives(const ProviderProtocol& protocol, std::string_view stream, const std::vector<std::string>& expected) {
  for (const size_t piece : every_split()) {
    const auto decoded = decode(protocol, true, stream, piece);
    EXPECT_EQ(decoded.error, "") << "piece " << piece;
    EXPECT_EQ(decoded.events, expected) << "piece " << piece;
  }
}

// A stream carrying the provider's in-stream error fails with its kind and message in every split,
// after handing out the events before it (the last being `last_event`).
inline void expect_every_split_fails(const ProviderProtocol& protocol, std::string_view stream, ProviderFailure::Kind kind,
                                     std::string_view message, std::string_view last_event) {
  for (const size_t piece : every_split()) {
    const auto decoded = decode(protocol, true, stream, piece);
    ASSERT_TRUE(decoded.failure) << "piece " << piece;
    EXPECT_EQ(decoded.failure->kind, kind) << "piece " << piece;
    EXPECT_EQ(decoded.failure->message, message);
    EXPECT_FALSE(decoded.failure->http_status) << "the answer's status was 200";
    ASSERT_FALSE(decoded.events.empty());
    EXPECT_EQ(decoded.events.back(), last_event) << "the events before the error are still handed out";
  }
}

// The body a request builder produced, as JSON.
inline nlohmann::json body_of(const HttpCall& call) { return nlohmann::json::parse(call.body); }

inline std::string header_value(const HttpCall& call, std::string_view name) {
  for (const HttpHeader& header : call.headers) {
    if (header.name == name) return header.value;
  }
  return "<absent>";
}

// The prompt every request-building test sends: system, a user question, the
// assistant's text and tool call, the tool's result, a follow-up; one tool; every parameter.
inline ChatRequest sample_request() {
  ChatRequest request;
  request.model = "the-model";
  request.system = "You are terse.";
  request.messages.push_back({"user", {{ChatPart::Type::text, "Weather in Paris?", "", "", ""}}});
  request.messages.push_back({"assistant",
                              {{ChatPart::Type::text, "Let me look.", "", "", ""},
                               {ChatPart::Type::tool_call, "", "call_1", "get_weather", R"({"city": "Paris"})"}}});
  request.messages.push_back({"tool", {{ChatPart::Type::tool_call_response, R"({"temp_c": 21})", "call_1", "", ""}}});
  request.messages.push_back({"user", {{ChatPart::Type::text, "And tomorrow?", "", "", ""}}});
  request.tools.push_back({"get_weather", "Current weather of a city",
                           R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})"});
  request.parameters.temperature = 0.5;
  request.parameters.top_p = 0.9;
  request.parameters.max_tokens = 300;
  request.parameters.seed = 42;
  request.parameters.stop = {"END"};
  return request;
}

// A tool call answered inside a user message that also asks the next question (how Anthropic's shape holds it).
inline ChatRequest results_inside_a_user_message() {
  ChatRequest request;
  request.model = "m";
  request.messages.push_back({"assistant", {{ChatPart::Type::tool_call, "", "c1", "f", "{}"}}});
  request.messages.push_back({"user",
                              {{ChatPart::Type::text, "and then?", "", "", ""},
                               {ChatPart::Type::tool_call_response, "42", "c1", "", ""}}});
  return request;
}

}  // namespace spanline::api::playground::provider_tests
