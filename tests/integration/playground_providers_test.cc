// The playground's provider protocols and libcurl transport
// (stages/api/playground/providers) against the LLM provider stand-in over real
// HTTP, for each provider: streamed and whole text, a tool call then its result,
// content filtered, a wrong or missing key, a missing model, 429 with its
// retry-after, overloaded, a stall cut by the stall bound, a cut and a truncated
// stream, an error inside the stream, a cancel the stand-in sees as the client
// leaving, and the model list.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "stages/api/playground/providers/http_transport.h"
#include "stages/api/playground/providers/provider_protocol.h"
#include "tests/support/llm_standin.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace spanline::api::playground {
namespace {

using testing::LlmStandin;
using testing::TempDir;
using Kind = ProviderFailure::Kind;
using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr std::string_view kSystem = "You answer briefly";          // 3 words
constexpr std::string_view kQuestion = "what is the weather today";  // 5 words
// The stand-in's answer: "Echo: " and the last user text; tokens are whitespace-separated words.
const std::string kEcho = "Echo: " + std::string(kQuestion);
constexpr int64_t kInputWords = 8;
constexpr int64_t kEchoWords = 6;

// What one provider call came to: the events in order, or the failure that ended it.
struct CallResult {
  int status = 0;
  std::vector<ChatEvent> events;
  std::optional<ProviderFailure> failure;
  std::chrono::milliseconds took{0};

  std::string text() const {
    std::string joined;
    for (const ChatEvent& event : events) {
      if (event.kind == ChatEvent::Kind::text) joined += event.text;
    }
    return joined;
  }
  size_t count(ChatEvent::Kind kind) const {
    size_t n = 0;
    for (const ChatEvent& event : events) n += event.kind == kind ? 1 : 0;
    return n;
  }
  // The last event of that kind (usage events replace each other), or null.
  const ChatEvent* last(ChatEvent::Kind kind) const {
    for (auto it = events.rbegin(); it != events.rend(); ++it) {
      if (it->kind == kind) return &*it;
    }
    return nullptr;
  }
};

// Runs a call the way a playground run does: the transport moves the bytes, a
// 2xx body goes to the protocol's decoder as it arrives, any other answer is
// classified whole.
CallResult run_call(const ProviderProtocol& protocol, const HttpCall& call, std::unique_ptr<ChatDecoder> decoder,
                    TransferLimits limits, const std::function<bool(const CallResult&)>& cancel_when = {}) {
  CallResult result;
  std::string retry_after;
  std::string error_body;
  std::optional<ProviderFailure> decode_failure;
  const auto decoder_failed = [&](const Status& status) {
    decode_failure = decoder->failure().value_or(ProviderFailure{Kind::provider_error, status.message(), {}, {}});
  };
  TransferCallbacks callbacks;
  callbacks.on_status = [&](int status, std::string_view retry) {
    result.status = status;
    retry_after = retry;
  };
  callbacks.on_body = [&](std::string_view bytes) {
    if (result.status < 200 || result.status >= 300) {
      error_body.append(bytes);
      return true;
    }
    auto events = decoder->feed(bytes);
    if (!events.is_ok()) {
      decoder_failed(events.status());
      return false;
    }
    result.events.insert(result.events.end(), events->begin(), events->end());
    if (decoder->failure()) {  // an error event after the events it returned: stop reading
      decode_failure = decoder->failure();
      return false;
    }
    return true;
  };
  callbacks.cancelled = [&] { return cancel_when && cancel_when(result); };
  const auto started = std::chrono::steady_clock::now();
  TransferOutcome outcome = perform(call, limits, callbacks);
  result.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  if (decode_failure) {
    result.failure = decode_failure;
  } else if (!outcome.complete) {
    result.failure = outcome.failure;
  } else if (result.status < 200 || result.status >= 300) {
    result.failure = protocol.classify_error(result.status, retry_after, error_body);
  } else {
    auto events = decoder->finish();
    if (events.is_ok()) {
      result.events.insert(result.events.end(), events->begin(), events->end());
    } else {
      decoder_failed(events.status());
      result.failure = decode_failure;
    }
  }
  return result;
}

// A call's whole answer, whatever its status (for model lists).
struct Fetched {
  TransferOutcome outcome;
  int status = 0;
  std::string retry_after;
  std::string body;
};

Fetched fetch(const HttpCall& call) {
  Fetched fetched;
  TransferCallbacks callbacks;
  callbacks.on_status = [&](int status, std::string_view retry_after) {
    fetched.status = status;
    fetched.retry_after = retry_after;
  };
  callbacks.on_body = [&](std::string_view bytes) {
    fetched.body.append(bytes);
    return true;
  };
  TransferLimits limits;
  limits.deadline = std::chrono::seconds(30);
  fetched.outcome = perform(call, limits, callbacks);
  return fetched;
}

ChatMessage user_text(std::string_view text) {
  return ChatMessage{"user", {ChatPart{ChatPart::Type::text, std::string(text), {}, {}, {}}}};
}

ToolDefinition lookup_tool() {
  return ToolDefinition{"lookup", "Looks things up",
                        R"({"type":"object","properties":{"query":{"type":"string"}},"required":["query"]})"};
}

class PlaygroundProviders : public ::testing::TestWithParam<ProviderKind> {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    // A short stall so the stall case holds the stand-in's thread only briefly after the client leaves.
    standin_ = new LlmStandin(dir_->path(), {"--stall-seconds", "20"});
  }
  static void TearDownTestSuite() {
    delete standin_;
    delete dir_;
  }
  void SetUp() override { standin_->clear(); }

  ProviderKind kind() const { return GetParam(); }
  const ProviderProtocol& protocol() const { return protocol_for(kind()); }
  std::string name() const { return std::string(provider_kind_name(kind())); }

  ProviderEndpoint endpoint(std::optional<std::string> key = std::nullopt) const {
    return ProviderEndpoint{name(), kind(), standin_->base_url(kind()), key.value_or(standin_->key(kind()))};
  }

  std::string listed_model() const {
    switch (kind()) {
      case ProviderKind::openai: return "gpt-4o";
      case ProviderKind::anthropic: return "claude-sonnet-4-5";
      case ProviderKind::gemini: return "gemini-2.5-flash";
    }
    return {};
  }

  ChatRequest request(std::string model = {}, bool stream = true) const {
    ChatRequest request;
    request.model = model.empty() ? listed_model() : model;
    request.system = std::string(kSystem);
    request.messages = {user_text(kQuestion)};
    request.stream = stream;
    return request;
  }

  CallResult chat(const ChatRequest& chat_request, TransferLimits limits = quick_limits(),
                  const std::function<bool(const CallResult&)>& cancel_when = {},
                  std::optional<std::string> key = std::nullopt) const {
    return run_call(protocol(), protocol().chat_call(endpoint(key), chat_request),
                    protocol().chat_decoder(chat_request.stream), limits, cancel_when);
  }

  static TransferLimits quick_limits() {
    TransferLimits limits;
    limits.connect_timeout = 5s;
    limits.deadline = 60s;
    limits.stall = 10s;
    return limits;
  }

  // The stand-in's log entries for chat calls, in order.
  json chat_requests() const {
    json chats = json::array();
    for (const json& entry : standin_->requests()) {
      if (entry.contains("model")) chats.push_back(entry);
    }
    return chats;
  }

  // The finish reason each provider gives for a text answer and for a tool call.
  std::string text_finish() const {
    return kind() == ProviderKind::openai ? "stop" : kind() == ProviderKind::anthropic ? "end_turn" : "STOP";
  }
  std::string tool_finish() const {
    return kind() == ProviderKind::openai ? "tool_calls" : kind() == ProviderKind::anthropic ? "tool_use" : "STOP";
  }

  static TempDir* dir_;
  static LlmStandin* standin_;
};

TempDir* PlaygroundProviders::dir_ = nullptr;
LlmStandin* PlaygroundProviders::standin_ = nullptr;

void expect_echo_usage(const CallResult& result, int64_t output_words) {
  const ChatEvent* usage = result.last(ChatEvent::Kind::usage);
  ASSERT_NE(usage, nullptr);
  EXPECT_EQ(usage->usage.input_tokens, kInputWords);
  EXPECT_EQ(usage->usage.output_tokens, output_words);
  EXPECT_EQ(usage->usage.total_tokens, kInputWords + output_words);
}

TEST_P(PlaygroundProviders, StreamedTextArrivesInPiecesWithUsageAndFinish) {
  CallResult result = chat(request());
  ASSERT_FALSE(result.failure) << result.failure->message;
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.text(), kEcho);
  EXPECT_GE(result.count(ChatEvent::Kind::text), 4u);  // pieces of at most 8 characters
  expect_echo_usage(result, kEchoWords);
  const ChatEvent* finish = result.last(ChatEvent::Kind::finish);
  ASSERT_NE(finish, nullptr);
  EXPECT_EQ(finish->finish_reason, text_finish());
  EXPECT_FALSE(finish->content_filtered);
  EXPECT_EQ(result.events.back().kind, ChatEvent::Kind::finish);
  const ChatEvent* response = result.last(ChatEvent::Kind::response);
  ASSERT_NE(response, nullptr);
  EXPECT_EQ(response->response_model, listed_model());

  // What went over the wire: the documented streaming request, the key in its header.
  json sent = chat_requests();
  ASSERT_EQ(sent.size(), 1u);
  const json& entry = sent[0];
  EXPECT_EQ(entry["method"], "POST");
  EXPECT_FALSE(entry["client_disconnected"].get<bool>());
  switch (kind()) {
    case ProviderKind::openai:
      EXPECT_EQ(entry["path"], "/chat/completions");
      EXPECT_EQ(entry["headers"]["authorization"], "<redacted:ok>");
      EXPECT_EQ(entry["body"]["stream"], true);
      EXPECT_EQ(entry["body"]["stream_options"]["include_usage"], true);
      EXPECT_EQ(entry["body"]["messages"][0], (json{{"role", "system"}, {"content", kSystem}}));
      break;
    case ProviderKind::anthropic:
      EXPECT_EQ(entry["path"], "/v1/messages");
      EXPECT_EQ(entry["headers"]["x-api-key"], "<redacted:ok>");
      EXPECT_EQ(entry["headers"]["anthropic-version"], "2023-06-01");
      EXPECT_EQ(entry["body"]["max_tokens"], 1024);  // required by Anthropic: the default when unset
      EXPECT_EQ(entry["body"]["system"], kSystem);
      break;
    case ProviderKind::gemini:
      EXPECT_EQ(entry["path"], "/v1beta/models/gemini-2.5-flash:streamGenerateContent");
      EXPECT_EQ(entry["query"], (json{{"alt", "sse"}}));
      EXPECT_EQ(entry["headers"]["x-goog-api-key"], "<redacted:ok>");
      EXPECT_EQ(entry["body"]["systemInstruction"]["parts"][0]["text"], kSystem);
      break;
  }
}

TEST_P(PlaygroundProviders, WholeTextArrivesAtOnce) {
  CallResult result = chat(request({}, /*stream=*/false));
  ASSERT_FALSE(result.failure) << result.failure->message;
  EXPECT_EQ(result.text(), kEcho);
  EXPECT_EQ(result.count(ChatEvent::Kind::text), 1u);
  expect_echo_usage(result, kEchoWords);
  ASSERT_NE(result.last(ChatEvent::Kind::finish), nullptr);
  EXPECT_EQ(result.last(ChatEvent::Kind::finish)->finish_reason, text_finish());
  json sent = chat_requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_FALSE(sent[0]["body"].contains("stream") && sent[0]["body"]["stream"] == true);
}

TEST_P(PlaygroundProviders, ToolCallThenToolResult) {
  for (bool stream : {true, false}) {
    SCOPED_TRACE(stream ? "streamed" : "whole");
    ChatRequest ask = request({}, stream);
    ask.tools = {lookup_tool()};
    CallResult first = chat(ask);
    ASSERT_FALSE(first.failure) << first.failure->message;
    ASSERT_EQ(first.count(ChatEvent::Kind::tool_call), 1u);
    const ChatPart call = first.last(ChatEvent::Kind::tool_call)->tool_call;
    EXPECT_EQ(call.id, kind() == ProviderKind::gemini ? "" : "call_standin_1");  // Gemini gives calls no id
    EXPECT_EQ(call.name, "lookup");
    EXPECT_EQ(json::parse(call.arguments), (json{{"query", kQuestion}}));
    EXPECT_EQ(first.text(), "");
    EXPECT_EQ(first.last(ChatEvent::Kind::finish)->finish_reason, tool_finish());
    expect_echo_usage(first, 5);  // the stand-in counts the arguments' words: {"query":"what is the weather today"}

    ChatRequest answer = ask;
    answer.messages.push_back(ChatMessage{"assistant", {call}});
    ChatPart result_part{ChatPart::Type::tool_call_response, "sunny, 21 C", call.id, "lookup", {}};
    answer.messages.push_back(ChatMessage{"tool", {result_part}});
    CallResult second = chat(answer);
    ASSERT_FALSE(second.failure) << second.failure->message;
    EXPECT_EQ(second.text(), "Tool said: sunny, 21 C");
    EXPECT_EQ(second.count(ChatEvent::Kind::tool_call), 0u);
    EXPECT_EQ(second.last(ChatEvent::Kind::finish)->finish_reason, text_finish());
  }
}

TEST_P(PlaygroundProviders, JsonSchemaFormatAsksForJson) {
  ChatRequest ask = request({}, /*stream=*/true);
  ask.parameters.response_format = ChatParameters::ResponseFormat::json_schema;
  ask.parameters.json_schema = R"({"type":"object","properties":{"echo":{"type":"string"}}})";
  CallResult result = chat(ask);
  ASSERT_FALSE(result.failure) << result.failure->message;
  EXPECT_EQ(json::parse(result.text()), (json{{"echo", kQuestion}}));
  const json body = chat_requests().at(0)["body"];
  switch (kind()) {
    case ProviderKind::openai:
      EXPECT_EQ(body["response_format"]["type"], "json_schema");
      EXPECT_EQ(body["response_format"]["json_schema"]["schema"]["properties"]["echo"]["type"], "string");
      break;
    case ProviderKind::anthropic:
      EXPECT_EQ(body["output_config"]["format"]["type"], "json_schema");
      break;
    case ProviderKind::gemini:
      EXPECT_EQ(body["generationConfig"]["responseMimeType"], "application/json");
      EXPECT_TRUE(body["generationConfig"].contains("responseSchema"));
      break;
  }
}

TEST_P(PlaygroundProviders, ParametersTravelUnderEachProvidersNames) {
  ChatRequest ask = request({}, /*stream=*/false);
  ask.parameters.temperature = 0.25;
  ask.parameters.max_tokens = 77;
  ask.parameters.seed = 42;
  ask.parameters.stop = {"END"};
  CallResult result = chat(ask);
  ASSERT_FALSE(result.failure) << result.failure->message;
  const json body = chat_requests().at(0)["body"];
  switch (kind()) {
    case ProviderKind::openai:
      EXPECT_EQ(body["temperature"], 0.25);
      EXPECT_EQ(body["max_tokens"], 77);
      EXPECT_EQ(body["seed"], 42);
      EXPECT_EQ(body["stop"], json::array({"END"}));
      break;
    case ProviderKind::anthropic:
      EXPECT_EQ(body["temperature"], 0.25);
      EXPECT_EQ(body["max_tokens"], 77);
      EXPECT_FALSE(body.contains("seed"));  // the Messages API has none
      EXPECT_EQ(body["stop_sequences"], json::array({"END"}));
      break;
    case ProviderKind::gemini: {
      const json& config = body["generationConfig"];
      EXPECT_EQ(config["temperature"], 0.25);
      EXPECT_EQ(config["maxOutputTokens"], 77);
      EXPECT_EQ(config["seed"], 42);
      EXPECT_EQ(config["stopSequences"], json::array({"END"}));
      break;
    }
  }
}

TEST_P(PlaygroundProviders, ContentFilteredIsSaidSo) {
  for (bool stream : {true, false}) {
    SCOPED_TRACE(stream ? "streamed" : "whole");
    CallResult result = chat(request("standin-filtered", stream));
    ASSERT_FALSE(result.failure) << result.failure->message;
    EXPECT_EQ(result.text(), "");
    const ChatEvent* finish = result.last(ChatEvent::Kind::finish);
    ASSERT_NE(finish, nullptr);
    EXPECT_TRUE(finish->content_filtered) << finish->finish_reason;
  }
  if (kind() == ProviderKind::gemini) {  // a prompt blocked before any candidate: promptFeedback.blockReason
    CallResult blocked = chat(request("standin-prompt-blocked", false));
    ASSERT_FALSE(blocked.failure) << blocked.failure->message;
    ASSERT_NE(blocked.last(ChatEvent::Kind::finish), nullptr);
    EXPECT_TRUE(blocked.last(ChatEvent::Kind::finish)->content_filtered);
  }
}

TEST_P(PlaygroundProviders, RefusalIsContentFiltered) {
  for (bool stream : {true, false}) {
    SCOPED_TRACE(stream ? "streamed" : "whole");
    CallResult result = chat(request("standin-refusal", stream));
    ASSERT_FALSE(result.failure) << result.failure->message;
    const ChatEvent* finish = result.last(ChatEvent::Kind::finish);
    ASSERT_NE(finish, nullptr);
    EXPECT_TRUE(finish->content_filtered) << finish->finish_reason;
    // OpenAI says why in message.refusal; the others only stop.
    EXPECT_EQ(result.text(), kind() == ProviderKind::openai ? "I'm sorry, but I can't help with that." : "");
  }
}

TEST_P(PlaygroundProviders, ReasoningIsCountedButNotShown) {
  for (bool stream : {true, false}) {
    SCOPED_TRACE(stream ? "streamed" : "whole");
    CallResult result = chat(request("standin-thinking", stream));
    ASSERT_FALSE(result.failure) << result.failure->message;
    EXPECT_EQ(result.text(), kEcho);  // Anthropic's thinking block and Gemini's thought part are not the answer
    const ChatEvent* usage = result.last(ChatEvent::Kind::usage);
    ASSERT_NE(usage, nullptr);
    EXPECT_EQ(usage->usage.input_tokens, kInputWords);
    EXPECT_EQ(usage->usage.output_tokens, kEchoWords + 3);  // reasoning is billed as output by all three
    EXPECT_EQ(usage->usage.total_tokens, kInputWords + kEchoWords + 3);
    if (kind() != ProviderKind::anthropic) {  // Anthropic's usage does not break reasoning out
      EXPECT_EQ(usage->usage.reasoning_tokens, 3);
    }
  }
}

TEST_P(PlaygroundProviders, WrongOrMissingKeyIsUnauthorized) {
  CallResult wrong = chat(request(), quick_limits(), {}, std::string("sk-not-the-key"));
  ASSERT_TRUE(wrong.failure);
  EXPECT_EQ(wrong.failure->kind, Kind::unauthorized) << wrong.failure->message;
  EXPECT_EQ(wrong.failure->http_status, kind() == ProviderKind::gemini ? 400 : 401);
  EXPECT_EQ(wrong.failure->message.find("sk-not-the-key"), std::string::npos);
  CallResult missing = chat(request(), quick_limits(), {}, std::string());
  ASSERT_TRUE(missing.failure);
  EXPECT_EQ(missing.failure->kind, Kind::unauthorized) << missing.failure->message;
  json sent = chat_requests();
  ASSERT_EQ(sent.size(), 2u);
  const std::string header = kind() == ProviderKind::openai ? "authorization"
                             : kind() == ProviderKind::anthropic ? "x-api-key" : "x-goog-api-key";
  EXPECT_EQ(sent[0]["headers"][header], "<redacted:wrong>");
  EXPECT_FALSE(sent[1]["headers"].contains(header));  // no key configured: no key header at all
}

TEST_P(PlaygroundProviders, MissingModelIsModelNotFound) {
  for (bool stream : {true, false}) {
    CallResult result = chat(request("standin-missing", stream));
    ASSERT_TRUE(result.failure);
    EXPECT_EQ(result.failure->kind, Kind::model_not_found) << result.failure->message;
    EXPECT_EQ(result.failure->http_status, 404);
    EXPECT_NE(result.failure->message.find("standin-missing"), std::string::npos) << result.failure->message;
  }
}

TEST_P(PlaygroundProviders, RateLimitedCarriesRetryAfter) {
  CallResult result = chat(request("standin-rate-limited"));
  ASSERT_TRUE(result.failure);
  EXPECT_EQ(result.failure->kind, Kind::rate_limited) << result.failure->message;
  EXPECT_EQ(result.failure->http_status, 429);
  EXPECT_EQ(result.failure->retry_after_s, 7);
}

TEST_P(PlaygroundProviders, OverloadedIsOverloaded) {
  CallResult result = chat(request("standin-overloaded"));
  ASSERT_TRUE(result.failure);
  EXPECT_EQ(result.failure->kind, Kind::overloaded) << result.failure->message;
  EXPECT_EQ(result.failure->http_status, kind() == ProviderKind::anthropic ? 529 : 503);
}

TEST_P(PlaygroundProviders, StallIsCutByTheStallBound) {
  TransferLimits limits = quick_limits();
  limits.stall = 700ms;
  CallResult result = chat(request("standin-stall"), limits);
  ASSERT_TRUE(result.failure);
  EXPECT_EQ(result.failure->kind, Kind::stalled) << result.failure->message;
  EXPECT_EQ(result.text(), "Echo: wh");  // the first piece came, then nothing
  EXPECT_LT(result.took, 5s);
  // The stand-in sees the client leave (its hold notices a closed connection).
  EXPECT_TRUE(testing::wait_until([&] {
    json sent = chat_requests();
    return sent.size() == 1 && sent[0]["client_disconnected"].get<bool>();
  }, 5s));
  // A whole answer that never starts is cut by the same bound.
  CallResult whole = chat(request("standin-stall", false), limits);
  ASSERT_TRUE(whole.failure);
  EXPECT_EQ(whole.failure->kind, Kind::stalled) << whole.failure->message;
}

TEST_P(PlaygroundProviders, CutStreamFails) {
  CallResult result = chat(request("standin-cut"));
  ASSERT_TRUE(result.failure) << "a stream whose connection dropped was taken as complete: " << result.text();
  EXPECT_EQ(result.failure->kind, Kind::provider_error) << result.failure->message;
  EXPECT_EQ(result.count(ChatEvent::Kind::finish), 0u);
  EXPECT_FALSE(result.text().empty());  // the pieces before the cut did arrive
}

TEST_P(PlaygroundProviders, TruncatedStreamFails) {
  // The HTTP body ends cleanly but the stream's documented end never came.
  CallResult result = chat(request("standin-truncated"));
  ASSERT_TRUE(result.failure) << "a stream without its end was taken as complete: " << result.text();
  EXPECT_EQ(result.failure->kind, Kind::provider_error) << result.failure->message;
  EXPECT_EQ(result.count(ChatEvent::Kind::finish), 0u);
}

TEST_P(PlaygroundProviders, ErrorInsideTheStreamFails) {
  CallResult result = chat(request("standin-midstream-error"));
  ASSERT_TRUE(result.failure);
  // Anthropic's in-stream error is overloaded_error; OpenAI's server_error and Gemini's INTERNAL are provider errors.
  EXPECT_EQ(result.failure->kind, kind() == ProviderKind::anthropic ? Kind::overloaded : Kind::provider_error)
      << result.failure->message;
  EXPECT_EQ(result.text(), "Echo: wh");
  EXPECT_EQ(result.count(ChatEvent::Kind::finish), 0u);
  // The whole answer's counterpart: the provider's 500 body.
  CallResult whole = chat(request("standin-midstream-error", false));
  ASSERT_TRUE(whole.failure);
  EXPECT_EQ(whole.failure->kind, Kind::provider_error) << whole.failure->message;
  EXPECT_EQ(whole.failure->http_status, 500);
}

TEST_P(PlaygroundProviders, CancelStopsTheCallAndTheProviderSeesItLeave) {
  std::optional<std::chrono::steady_clock::time_point> first_text;
  CallResult result = chat(request("standin-slow"), quick_limits(), [&](const CallResult& so_far) {
    if (!first_text && so_far.count(ChatEvent::Kind::text) > 0) first_text = std::chrono::steady_clock::now();
    return first_text.has_value();
  });
  ASSERT_TRUE(result.failure);
  EXPECT_EQ(result.failure->kind, Kind::cancelled) << result.failure->message;
  ASSERT_TRUE(first_text);
  EXPECT_LT(std::chrono::steady_clock::now() - *first_text, 500ms);  // polled every 50 ms, not at the next byte
  EXPECT_LT(result.text().size(), 200u * 8);  // far from the whole slow answer
  EXPECT_TRUE(testing::wait_until([&] {
    json sent = chat_requests();
    return sent.size() == 1 && sent[0]["client_disconnected"].get<bool>();
  }, 3s)) << standin_->requests().dump();
}

TEST_P(PlaygroundProviders, ModelListNamesChatModels) {
  Fetched listed = fetch(protocol().models_call(endpoint()));
  ASSERT_TRUE(listed.outcome.complete) << listed.outcome.failure.message;
  ASSERT_EQ(listed.status, 200) << listed.body;
  auto models = protocol().parse_models(listed.body);
  ASSERT_TRUE(models.is_ok()) << models.status().message();
  const std::vector<std::string>& names = *models;
  ASSERT_GE(names.size(), 2u);
  EXPECT_EQ(names[0], listed_model());
  EXPECT_NE(std::find(names.begin(), names.end(), "standin-slow"), names.end());
  EXPECT_EQ(std::find(names.begin(), names.end(), "standin-missing"), names.end());
  EXPECT_EQ(std::find(names.begin(), names.end(), "text-embedding-004"), names.end());  // Gemini lists it: not a chat model

  Fetched wrong = fetch(protocol().models_call(endpoint(std::string("sk-wrong"))));
  ASSERT_TRUE(wrong.outcome.complete);
  const ProviderFailure failure = protocol().classify_error(wrong.status, wrong.retry_after, wrong.body);
  EXPECT_EQ(failure.kind, Kind::unauthorized) << failure.message;
}

INSTANTIATE_TEST_SUITE_P(EachProvider, PlaygroundProviders,
                         ::testing::Values(ProviderKind::openai, ProviderKind::anthropic, ProviderKind::gemini),
                         [](const ::testing::TestParamInfo<ProviderKind>& each) {
                           return std::string(provider_kind_name(each.param));
                         });

// A local OpenAI-compatible server (Ollama, vLLM, LM Studio) that needs no key: none is configured, none is sent.
TEST(PlaygroundProvidersKeyless, OpenAiCompatibleServerWithoutAKey) {
  TempDir dir;
  LlmStandin keyless(dir.path(), {"--openai-key", ""});
  EXPECT_EQ(keyless.key(ProviderKind::openai), "");
  const ProviderProtocol& protocol = protocol_for(ProviderKind::openai);
  const ProviderEndpoint endpoint{"local-ollama", ProviderKind::openai, keyless.base_url("openai"), ""};
  ChatRequest ask;
  ask.model = "llama3.2";
  ask.messages = {user_text(kQuestion)};
  TransferLimits limits;
  limits.deadline = 30s;
  CallResult result = run_call(protocol, protocol.chat_call(endpoint, ask), protocol.chat_decoder(true), limits);
  ASSERT_FALSE(result.failure) << result.failure->message;
  EXPECT_EQ(result.text(), kEcho);
  const json sent = keyless.requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_FALSE(sent[0]["headers"].contains("authorization"));
}

TEST(PlaygroundTransport, UnreachableProviderIsUnreachable) {
  HttpCall call;
  call.url = "http://127.0.0.1:" + std::to_string(testing::free_port()) + "/v1/chat/completions";
  call.body = "{}";
  TransferLimits limits;
  limits.connect_timeout = 2s;
  TransferOutcome outcome = perform(call, limits, {});
  ASSERT_FALSE(outcome.complete);
  EXPECT_EQ(outcome.failure.kind, Kind::unreachable) << outcome.failure.message;
}

}  // namespace
}  // namespace spanline::api::playground
