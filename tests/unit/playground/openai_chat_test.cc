// OpenAI chat completions (stages/api/playground/providers/openai_chat.cc): the
// request OpenAI documents for a prompt with tools and every parameter, its
// streamed chunks (as OpenAI's streaming reference shows them) decoded the same
// in every split, a whole answer, in-stream errors, cut streams, model lists and
// each documented error answer.
#include <gtest/gtest.h>

#include <ctime>

#include "tests/unit/playground/decode_support.h"

namespace spanline::api::playground {
namespace {

using namespace provider_tests;
using json = nlohmann::json;
using Kind = ProviderFailure::Kind;

const ProviderProtocol& openai() { return protocol_for(ProviderKind::openai); }

ProviderEndpoint endpoint(std::string key = "sk-test") {
  return {"openai", ProviderKind::openai, "http://127.0.0.1:9/openai/v1", std::move(key)};
}

TEST(OpenAiChat, BuildsTheDocumentedRequestWithMessagesToolsAndEveryParameter) {
  const HttpCall call = openai().chat_call(endpoint(), sample_request());
  EXPECT_EQ(call.method, "POST");
  EXPECT_EQ(call.url, "http://127.0.0.1:9/openai/v1/chat/completions");
  EXPECT_EQ(header_value(call, "Authorization"), "Bearer sk-test");
  EXPECT_EQ(header_value(call, "Content-Type"), "application/json");
  EXPECT_EQ(body_of(call), json::parse(R"({
    "model": "the-model",
    "messages": [
      {"role": "system", "content": "You are terse."},
      {"role": "user", "content": "Weather in Paris?"},
      {"role": "assistant", "content": "Let me look.",
       "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
      {"role": "tool", "tool_call_id": "call_1", "content": "{\"temp_c\": 21}"},
      {"role": "user", "content": "And tomorrow?"}
    ],
    "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Current weather of a city",
               "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}],
    "temperature": 0.5, "top_p": 0.9, "max_tokens": 300, "seed": 42, "stop": ["END"],
    "stream": true, "stream_options": {"include_usage": true}
  })"));
}

TEST(OpenAiChat, ReasoningModelsGetMaxCompletionTokensOthersMaxTokens) {
  ChatRequest request;
  request.parameters.max_tokens = 200;
  for (const char* model : {"o1", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini"}) {
    request.model = model;
    const json body = body_of(openai().chat_call(endpoint("k"), request));
    EXPECT_EQ(body.value("max_completion_tokens", 0), 200) << model << " refuses max_tokens (unsupported_parameter)";
    EXPECT_FALSE(body.contains("max_tokens")) << model;
  }
  for (const char* model : {"gpt-4o", "gpt-4o-mini", "llama3", "omni-local"}) {
    request.model = model;
    const json body = body_of(openai().chat_call(endpoint("k"), request));
    EXPECT_EQ(body.value("max_tokens", 0), 200) << model << ": compatible servers read max_tokens";
    EXPECT_FALSE(body.contains("max_completion_tokens")) << model;
  }
}

TEST(OpenAiChat, AnAssistantMessageWithOnlyToolCallsHasNullContentAndAKeylessServerGetsNoAuthorization) {
  ChatRequest request;
  request.model = "llama3";
  request.stream = false;
  request.messages.push_back({"assistant", {{ChatPart::Type::tool_call, "", "c1", "f", ""}}});
  const HttpCall call = openai().chat_call(endpoint(""), request);
  EXPECT_EQ(header_value(call, "Authorization"), "<absent>") << "a local Ollama needs no key: no header at all";
  const json body = body_of(call);
  EXPECT_TRUE(body["messages"][0]["content"].is_null());
  EXPECT_EQ(body["messages"][0]["tool_calls"][0]["function"]["arguments"], "{}");
  EXPECT_FALSE(body.contains("stream")) << "a whole answer is the default";
  EXPECT_FALSE(body.contains("temperature")) << "unset parameters are not sent";
}

TEST(OpenAiChat, ToolResultsInsideAUserMessageComeRightAfterTheCallsAndBeforeItsText) {
  const ChatRequest request = results_inside_a_user_message();
  const json messages = body_of(openai().chat_call(endpoint(), request))["messages"];
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[1], json::parse(R"({"role": "tool", "tool_call_id": "c1", "content": "42"})"));
  EXPECT_EQ(messages[2], json::parse(R"({"role": "user", "content": "and then?"})"));
}

TEST(OpenAiChat, ResponseFormatsAreJsonObjectAndANamedJsonSchema) {
  ChatRequest request = sample_request();
  request.parameters.response_format = ChatParameters::ResponseFormat::json_object;
  EXPECT_EQ(body_of(openai().chat_call(endpoint(), request))["response_format"], json::parse(R"({"type": "json_object"})"));

  request.parameters.response_format = ChatParameters::ResponseFormat::json_schema;
  request.parameters.json_schema = R"({"type": "object", "properties": {"echo": {"type": "string"}}})";
  EXPECT_EQ(body_of(openai().chat_call(endpoint(), request))["response_format"], json::parse(R"({"type": "json_schema",
      "json_schema": {"name": "response", "schema": {"type": "object", "properties": {"echo": {"type": "string"}}}}})"));

  request.parameters.json_schema = R"({"name": "weather", "strict": true, "schema": {"type": "object"}})";
  EXPECT_EQ(body_of(openai().chat_call(endpoint(), request))["response_format"]["json_schema"],
            json::parse(R"({"name": "weather", "strict": true, "schema": {"type": "object"}})"))
      << "OpenAI's own wrapper is passed through";
}

// The streaming reference's chunks: a role-only first chunk, text, a tool call whose
// arguments arrive in pieces, the finish chunk, then the usage chunk (choices empty).
const std::string kStream =
    R"(data: {"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_44709d6fcb","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null})"
    "\n\n"
    ": keep-alive comment\n\n"
    R"(data: {"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}],"usage":null})"
    "\r\n\r\n"
    R"(data: {"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"content":" wörld"},"logprobs":null,"finish_reason":null}],"usage":null})"
    "\n\n"
    R"(data: {"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_abc","type":"function","function":{"name":"get_weather","arguments":""}}]},"logprobs":null,"finish_reason":null}],"usage":null})"
    "\n\n"
    R"(data: {"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"loc"}}]},"logprobs":null,"finish_reason":null}],"usage":null})"
    "\n\n"
    R"(data: {"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ation\": \"Paris\"}"}}]},"logprobs":null,"finish_reason":null}],"usage":null})"
    "\n\n"
    R"(data: {"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}],"usage":null})"
    "\n\n"
    R"(data: {"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-2024-08-06","choices":[],"usage":{"prompt_tokens":20,"completion_tokens":10,"total_tokens":30,"prompt_tokens_details":{"cached_tokens":5},"completion_tokens_details":{"reasoning_tokens":3}}})"
    "\n\n"
    "data: [DONE]\n\n";

const std::vector<std::string> kStreamEvents = {
    "response model=gpt-4o-2024-08-06 id=chatcmpl-123",
    "text \"Hello\"",
    "text \" wörld\"",
    "tool_call id=call_abc name=get_weather arguments={\"location\":\"Paris\"}",
    "usage in=20 out=10 total=30 cache_read=5 cache_write=- reasoning=3",
    "finish tool_calls",
};

TEST(OpenAiChat, AStreamDecodesToTheSameEventsInEverySplit) {
  expect_every_split_gives(openai(), kStream, kStreamEvents);
}

TEST(OpenAiChat, AContentFilterFinishAndARefusalAreMarkedFiltered) {
  const std::string filtered =
      R"(data: {"id":"c","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"content_filter"}]})" "\n\ndata: [DONE]\n\n";
  EXPECT_EQ(decode(openai(), true, filtered, 0).events,
            (std::vector<std::string>{"response model=m id=c", "finish content_filter filtered"}));
  const std::string refused =
      R"(data: {"id":"c","model":"m","choices":[{"index":0,"delta":{"refusal":"I can't help with that."},"finish_reason":null}]})" "\n\n"
      R"(data: {"id":"c","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})" "\n\ndata: [DONE]\n\n";
  EXPECT_EQ(decode(openai(), true, refused, 1).events,
            (std::vector<std::string>{"response model=m id=c", "text \"I can't help with that.\"", "finish stop filtered"}));
}

TEST(OpenAiChat, AnErrorInsideTheStreamIsAProviderFailure) {
  const std::string stream =
      R"(data: {"id":"c","model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]})" "\n\n"
      R"(data: {"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}})" "\n\n";
  expect_every_split_fails(openai(), stream, Kind::provider_error, "The server had an error while processing your request.", "text \"Hi\"");
}

TEST(OpenAiChat, AStreamCutBeforeDoneFailsAtFinish) {
  const std::string cut = kStream.substr(0, kStream.find("data: [DONE]"));
  const auto decoded = decode(openai(), true, cut, 3);
  EXPECT_NE(decoded.error.find("ended before its end"), std::string::npos) << decoded.error;
  EXPECT_FALSE(decoded.failure) << "a cut is not an error the provider reported";
  EXPECT_FALSE(decoded.failed_in_feed);
}

TEST(OpenAiChat, NotJsonInAStreamIsMalformed) {
  const auto decoded = decode(openai(), true, "data: <html>\n\n", 0);
  EXPECT_NE(decoded.error.find("documented shape"), std::string::npos) << decoded.error;
}

TEST(OpenAiChat, AWholeAnswerYieldsTheSameKindsOfEvents) {
  const std::string answer = R"({
    "id": "chatcmpl-abc", "object": "chat.completion", "created": 1741569952, "model": "gpt-4o-2024-08-06",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Checking.", "refusal": null,
      "tool_calls": [{"id": "call_x", "type": "function", "function": {"name": "get_weather", "arguments": "{\"location\":\"Oslo\"}"}}]},
      "logprobs": null, "finish_reason": "tool_calls"}],
    "usage": {"prompt_tokens": 19, "completion_tokens": 10, "total_tokens": 29,
              "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
              "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0}}})";
  const auto decoded = decode(openai(), false, answer, 5);
  EXPECT_EQ(decoded.error, "");
  EXPECT_EQ(decoded.events, (std::vector<std::string>{
                                "response model=gpt-4o-2024-08-06 id=chatcmpl-abc",
                                "text \"Checking.\"",
                                "tool_call id=call_x name=get_weather arguments={\"location\":\"Oslo\"}",
                                "usage in=19 out=10 total=29 cache_read=0 cache_write=- reasoning=0",
                                "finish tool_calls",
                            }));
  EXPECT_NE(decode(openai(), false, R"({"object": "list"})", 0).error, "") << "no choices: not an answer";
}

TEST(OpenAiChat, TheModelListIsTheIdsOfItsData) {
  const auto models = openai().parse_models(R"({"object": "list", "data": [
      {"id": "gpt-4o", "object": "model", "created": 1686935002, "owned_by": "openai"},
      {"id": "gpt-4o-mini", "object": "model", "created": 1686935002, "owned_by": "openai"}]})");
  ASSERT_TRUE(models.is_ok());
  EXPECT_EQ(*models, (std::vector<std::string>{"gpt-4o", "gpt-4o-mini"}));
  const HttpCall call = openai().models_call(endpoint());
  EXPECT_EQ(call.method, "GET");
  EXPECT_EQ(call.url, "http://127.0.0.1:9/openai/v1/models");
  EXPECT_FALSE(openai().parse_models("[]").is_ok());
}

TEST(OpenAiChat, EachDocumentedErrorAnswerIsClassified) {
  auto classify = [](int status, std::string_view retry_after, std::string_view body) {
    return openai().classify_error(status, retry_after, body);
  };
  const auto unauthorized = classify(401, "", R"({"error": {"message": "Incorrect API key provided: sk-wrong. You can find your API key at https://platform.openai.com/account/api-keys.", "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}})");
  EXPECT_EQ(unauthorized.kind, Kind::unauthorized);
  EXPECT_EQ(unauthorized.http_status, 401);
  EXPECT_NE(unauthorized.message.find("Incorrect API key"), std::string::npos);

  EXPECT_EQ(classify(403, "", R"({"error": {"message": "Country, region, or territory not supported", "type": "request_forbidden", "param": null, "code": "unsupported_country_region_territory"}})").kind,
            Kind::unauthorized);

  const auto missing = classify(404, "", R"({"error": {"message": "The model `gpt-5-turbo` does not exist or you do not have access to it.", "type": "invalid_request_error", "param": null, "code": "model_not_found"}})");
  EXPECT_EQ(missing.kind, Kind::model_not_found);

  const auto limited = classify(429, "7", R"({"error": {"message": "Rate limit reached for gpt-4o in organization org-x on tokens per min (TPM): Limit 30000, Used 30000, Requested 100.", "type": "tokens", "param": null, "code": "rate_limit_exceeded"}})");
  EXPECT_EQ(limited.kind, Kind::rate_limited);
  EXPECT_EQ(limited.retry_after_s, 7);

  EXPECT_EQ(classify(503, "", R"({"error": {"message": "The engine is currently overloaded, please try again later", "type": "server_error", "param": null, "code": null}})").kind,
            Kind::overloaded);
  EXPECT_EQ(classify(500, "", R"({"error": {"message": "The server had an error while processing your request.", "type": "server_error", "param": null, "code": null}})").kind,
            Kind::provider_error);

  const auto bad = classify(400, "", R"({"error": {"message": "Invalid value for 'temperature'.", "type": "invalid_request_error", "param": "temperature", "code": "invalid_value"}})");
  EXPECT_EQ(bad.kind, Kind::bad_request);
  EXPECT_EQ(bad.message, "Invalid value for 'temperature'.");

  EXPECT_EQ(classify(400, "", R"({"error": {"message": "Your request was rejected as a result of our safety system.", "type": "invalid_request_error", "param": null, "code": "content_policy_violation"}})").kind,
            Kind::content_filtered);
  EXPECT_EQ(classify(400, "", R"({"error": {"message": "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.", "type": null, "param": "prompt", "code": "content_filter", "status": 400}})").kind,
            Kind::content_filtered);
}

TEST(OpenAiChat, RetryAfterMayBeAnHttpDate) {
  const std::time_t in_a_minute = std::time(nullptr) + 60;
  std::tm when{};
  gmtime_r(&in_a_minute, &when);
  char date[64];
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &when);
  const auto failure = openai().classify_error(429, date, R"({"error": {"message": "slow down", "type": "requests", "code": "rate_limit_exceeded"}})");
  ASSERT_TRUE(failure.retry_after_s) << date;
  EXPECT_GE(*failure.retry_after_s, 58);
  EXPECT_LE(*failure.retry_after_s, 60);
  EXPECT_FALSE(openai().classify_error(429, "soon", "{}").retry_after_s) << "an unreadable value is no hint";
}

TEST(OpenAiChat, AnAnswerThatIsNotTheDocumentedShapeSaysWhatCameBack) {
  const auto wrong_url = openai().classify_error(404, "", "404 page not found");
  EXPECT_EQ(wrong_url.kind, Kind::provider_error) << "a 404 from a wrong base URL is not a missing model";
  EXPECT_NE(wrong_url.message.find("404 page not found"), std::string::npos) << wrong_url.message;
  EXPECT_NE(wrong_url.message.find("base URL"), std::string::npos) << wrong_url.message;

  const auto gateway = openai().classify_error(502, "", std::string(1000, 'x'));
  EXPECT_EQ(gateway.kind, Kind::provider_error);
  EXPECT_LT(gateway.message.size(), 300u) << "a long page is cut";
}

}  // namespace
}  // namespace spanline::api::playground
