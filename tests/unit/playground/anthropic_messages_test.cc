// Anthropic Messages (stages/api/playground/providers/anthropic_messages.cc): the
// request Anthropic documents (system apart, tool_use / tool_result blocks, one
// user turn for consecutive results, max_tokens required), the streaming events
// of Anthropic's streaming guide decoded the same in every split, a whole answer,
// the in-stream error event, cut streams, model lists and each documented error.
#include <gtest/gtest.h>

#include "tests/unit/playground/decode_support.h"

namespace spanline::api::playground {
namespace {

using namespace provider_tests;
using json = nlohmann::json;
using Kind = ProviderFailure::Kind;

const ProviderProtocol& anthropic() { return protocol_for(ProviderKind::anthropic); }

ProviderEndpoint endpoint() { return {"anthropic", ProviderKind::anthropic, "http://127.0.0.1:9/anthropic", "sk-ant-test"}; }

TEST(AnthropicMessages, BuildsTheDocumentedRequestWithContentBlocksToolsAndParameters) {
  const HttpCall call = anthropic().chat_call(endpoint(), sample_request());
  EXPECT_EQ(call.method, "POST");
  EXPECT_EQ(call.url, "http://127.0.0.1:9/anthropic/v1/messages");
  EXPECT_EQ(header_value(call, "x-api-key"), "sk-ant-test");
  EXPECT_EQ(header_value(call, "anthropic-version"), "2023-06-01");
  EXPECT_EQ(header_value(call, "Authorization"), "<absent>");
  EXPECT_EQ(body_of(call), json::parse(R"({
    "model": "the-model",
    "max_tokens": 300,
    "system": "You are terse.",
    "messages": [
      {"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"}]},
      {"role": "assistant", "content": [
        {"type": "text", "text": "Let me look."},
        {"type": "tool_use", "id": "call_1", "name": "get_weather", "input": {"city": "Paris"}}]},
      {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "call_1", "content": "{\"temp_c\": 21}"},
        {"type": "text", "text": "And tomorrow?"}]}
    ],
    "tools": [{"name": "get_weather", "description": "Current weather of a city",
               "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}],
    "temperature": 0.5, "top_p": 0.9, "stop_sequences": ["END"],
    "stream": true
  })")) << "the tool's result and the next question are one user turn; no seed (the API has none)";
}

TEST(AnthropicMessages, ToolResultsLeadTheirUserTurn) {
  const ChatRequest request = results_inside_a_user_message();
  const json turn = body_of(anthropic().chat_call(endpoint(), request))["messages"][1];
  EXPECT_EQ(turn, json::parse(R"({"role": "user", "content": [
      {"type": "tool_result", "tool_use_id": "c1", "content": "42"}, {"type": "text", "text": "and then?"}]})"));
}

TEST(AnthropicMessages, MaxTokensDefaultsTo1024AndResponseFormatsMapToWhatTheApiHas) {
  ChatRequest request;
  request.model = "claude-haiku-4-5";
  request.stream = false;
  request.messages.push_back({"user", {{ChatPart::Type::text, "Hi", "", "", ""}}});
  json body = body_of(anthropic().chat_call(endpoint(), request));
  EXPECT_EQ(body["max_tokens"], 1024) << "Anthropic refuses a request without max_tokens";
  EXPECT_FALSE(body.contains("system"));
  EXPECT_FALSE(body.contains("stream"));

  request.parameters.response_format = ChatParameters::ResponseFormat::json_object;
  body = body_of(anthropic().chat_call(endpoint(), request));
  EXPECT_EQ(body["system"], "Answer with one JSON object and nothing else.");

  request.parameters.response_format = ChatParameters::ResponseFormat::json_schema;
  request.parameters.json_schema = R"({"type": "object", "properties": {"echo": {"type": "string"}}})";
  body = body_of(anthropic().chat_call(endpoint(), request));
  EXPECT_EQ(body["output_config"], json::parse(R"({"format": {"type": "json_schema",
      "schema": {"type": "object", "properties": {"echo": {"type": "string"}}}}})"));
}

// The streaming guide's event flow: message_start, a text block, a ping, a thinking
// block (not shown), a tool_use block whose input arrives as partial JSON, message_delta, message_stop.
const std::string kStream = R"(event: message_start
data: {"type": "message_start", "message": {"id": "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY", "type": "message", "role": "assistant", "content": [], "model": "claude-sonnet-4-5-20250929", "stop_reason": null, "stop_sequence": null, "usage": {"input_tokens": 25, "cache_creation_input_tokens": 5, "cache_read_input_tokens": 10, "output_tokens": 1}}}

event: content_block_start
data: {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": ""}}

event: content_block_delta
data: {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "The user wants weather."}}

event: content_block_delta
data: {"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3h"}}

event: content_block_stop
data: {"type": "content_block_stop", "index": 0}

event: content_block_start
data: {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}}

event: ping
data: {"type": "ping"}

event: content_block_delta
data: {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "Okay,"}}

event: content_block_delta
data: {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": " let me check ☀"}}

event: content_block_stop
data: {"type": "content_block_stop", "index": 1}

event: content_block_start
data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"location\": \"San Fra"}}

event: content_block_delta
data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"ncisco, CA\", \"unit\": \"fahrenheit\"}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":2}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}

event: message_stop
data: {"type":"message_stop"}

)";

const std::vector<std::string> kStreamEvents = {
    "response model=claude-sonnet-4-5-20250929 id=msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY",
    "usage in=40 out=1 total=41 cache_read=10 cache_write=5 reasoning=-",
    "text \"Okay,\"",
    "text \" let me check ☀\"",
    "tool_call id=toolu_01T1x1fJ34qAmk2tNTrN7Up6 name=get_weather arguments={\"location\":\"San Francisco, CA\",\"unit\":\"fahrenheit\"}",
    "usage in=40 out=89 total=129 cache_read=10 cache_write=5 reasoning=-",
    "finish tool_use",
};

TEST(AnthropicMessages, AStreamDecodesToTheSameEventsInEverySplit) {
  expect_every_split_gives(anthropic(), kStream, kStreamEvents);
}

TEST(AnthropicMessages, ARefusalStopIsMarkedFiltered) {
  const std::string stream = R"(event: message_start
data: {"type":"message_start","message":{"id":"msg_1","model":"claude-haiku-4-5","usage":{"input_tokens":3,"output_tokens":0}}}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"refusal"},"usage":{"output_tokens":0}}

event: message_stop
data: {"type":"message_stop"}

)";
  const auto decoded = decode(anthropic(), true, stream, 4);
  ASSERT_FALSE(decoded.events.empty());
  EXPECT_EQ(decoded.events.back(), "finish refusal filtered");
}

TEST(AnthropicMessages, AnErrorEventInsideTheStreamIsItsFailure) {
  const std::string stream = R"(event: message_start
data: {"type":"message_start","message":{"id":"msg_1","model":"claude-haiku-4-5","usage":{"input_tokens":3,"output_tokens":1}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Echo"}}

event: error
data: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}

)";
  expect_every_split_fails(anthropic(), stream, Kind::overloaded, "Overloaded", "text \"Echo\"");
}

TEST(AnthropicMessages, AStreamCutBeforeMessageStopFailsAtFinish) {
  const std::string cut = kStream.substr(0, kStream.find("event: message_stop"));
  const auto decoded = decode(anthropic(), true, cut, 7);
  EXPECT_NE(decoded.error.find("ended before its end"), std::string::npos) << decoded.error;
  EXPECT_FALSE(decoded.failure);
}

TEST(AnthropicMessages, AWholeAnswerYieldsTheSameKindsOfEvents) {
  const std::string answer = R"({
    "id": "msg_01Aq9w938a90dw8q", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
    "content": [
      {"type": "text", "text": "I'll check."},
      {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "get_weather", "input": {"location": "San Francisco, CA"}}],
    "stop_reason": "tool_use", "stop_sequence": null,
    "usage": {"input_tokens": 472, "output_tokens": 91, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}})";
  const auto decoded = decode(anthropic(), false, answer, 0);
  EXPECT_EQ(decoded.error, "");
  EXPECT_EQ(decoded.events, (std::vector<std::string>{
                                "response model=claude-sonnet-4-5 id=msg_01Aq9w938a90dw8q",
                                "text \"I'll check.\"",
                                "tool_call id=toolu_01A09q90qw90lq917835lq9 name=get_weather arguments={\"location\":\"San Francisco, CA\"}",
                                "usage in=472 out=91 total=563 cache_read=0 cache_write=0 reasoning=-",
                                "finish tool_use",
                            }));
}

TEST(AnthropicMessages, TheModelListIsTheIdsOfItsData) {
  const auto models = anthropic().parse_models(R"({"data": [
      {"type": "model", "id": "claude-sonnet-4-5", "display_name": "Claude Sonnet 4.5", "created_at": "2025-09-29T00:00:00Z"},
      {"type": "model", "id": "claude-haiku-4-5", "display_name": "Claude Haiku 4.5", "created_at": "2025-10-01T00:00:00Z"}],
      "has_more": false, "first_id": "claude-sonnet-4-5", "last_id": "claude-haiku-4-5"})");
  ASSERT_TRUE(models.is_ok());
  EXPECT_EQ(*models, (std::vector<std::string>{"claude-sonnet-4-5", "claude-haiku-4-5"}));
  const HttpCall call = anthropic().models_call(endpoint());
  EXPECT_EQ(call.method, "GET");
  EXPECT_EQ(call.url, "http://127.0.0.1:9/anthropic/v1/models?limit=1000");
  EXPECT_EQ(header_value(call, "anthropic-version"), "2023-06-01");
}

TEST(AnthropicMessages, EachDocumentedErrorTypeIsClassified) {
  auto error_body = [](std::string_view type, std::string_view message) {
    return json{{"type", "error"}, {"error", {{"type", type}, {"message", message}}}}.dump();
  };
  struct Row {
    int status;
    std::string type;
    Kind kind;
  };
  for (const Row& row : std::vector<Row>{{400, "invalid_request_error", Kind::bad_request},
                                         {401, "authentication_error", Kind::unauthorized},
                                         {403, "permission_error", Kind::unauthorized},
                                         {404, "not_found_error", Kind::model_not_found},
                                         {413, "request_too_large", Kind::bad_request},
                                         {429, "rate_limit_error", Kind::rate_limited},
                                         {500, "api_error", Kind::provider_error},
                                         {529, "overloaded_error", Kind::overloaded}}) {
    const auto failure = anthropic().classify_error(row.status, "", error_body(row.type, "the message"));
    EXPECT_EQ(failure.kind, row.kind) << row.type;
    EXPECT_EQ(failure.message, "the message");
    EXPECT_EQ(failure.http_status, row.status);
  }
  const auto limited = anthropic().classify_error(429, "7", error_body("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"));
  EXPECT_EQ(limited.retry_after_s, 7);
  const auto missing = anthropic().classify_error(404, "", error_body("not_found_error", "model: claude-nonexistent"));
  EXPECT_EQ(missing.kind, Kind::model_not_found);
  EXPECT_EQ(anthropic().classify_error(503, "", "<html>upstream connect error</html>").kind, Kind::overloaded);
}

}  // namespace
}  // namespace spanline::api::playground
