// Gemini generateContent (stages/api/playground/providers/gemini_generate.cc): the
// request Google documents (contents with roles user/model, functionCall and
// functionResponse parts, systemInstruction, tools' functionDeclarations,
// generationConfig), the alt=sse stream of whole GenerateContentResponses decoded
// the same in every split, a whole answer, filtered answers, an in-stream error,
// cut streams, model lists and each documented error (API_KEY_INVALID is a bad key).
#include <gtest/gtest.h>

#include "tests/unit/playground/decode_support.h"

namespace spanline::api::playground {
namespace {

using namespace provider_tests;
using json = nlohmann::json;
using Kind = ProviderFailure::Kind;

const ProviderProtocol& gemini() { return protocol_for(ProviderKind::gemini); }

ProviderEndpoint endpoint() { return {"gemini", ProviderKind::gemini, "http://127.0.0.1:9/gemini", "gemini-test-key"}; }

TEST(GeminiGenerate, BuildsTheDocumentedRequestWithRolesPartsToolsAndGenerationConfig) {
  const HttpCall call = gemini().chat_call(endpoint(), sample_request());
  EXPECT_EQ(call.method, "POST");
  EXPECT_EQ(call.url, "http://127.0.0.1:9/gemini/v1beta/models/the-model:streamGenerateContent?alt=sse");
  EXPECT_EQ(header_value(call, "x-goog-api-key"), "gemini-test-key");
  EXPECT_EQ(call.url.find("key="), std::string::npos) << "the key never travels in the URL";
  EXPECT_EQ(body_of(call), json::parse(R"({
    "systemInstruction": {"parts": [{"text": "You are terse."}]},
    "contents": [
      {"role": "user", "parts": [{"text": "Weather in Paris?"}]},
      {"role": "model", "parts": [{"text": "Let me look."},
                                  {"functionCall": {"id": "call_1", "name": "get_weather", "args": {"city": "Paris"}}}]},
      {"role": "user", "parts": [{"functionResponse": {"id": "call_1", "name": "get_weather", "response": {"temp_c": 21}}},
                                 {"text": "And tomorrow?"}]}
    ],
    "tools": [{"functionDeclarations": [{"name": "get_weather", "description": "Current weather of a city",
               "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]}],
    "generationConfig": {"temperature": 0.5, "topP": 0.9, "maxOutputTokens": 300, "seed": 42, "stopSequences": ["END"]}
  })")) << "the function's name is found from the call its result answers";
}

TEST(GeminiGenerate, AWholeAnswerUrlAPlainResultAndResponseFormats) {
  ChatRequest request;
  request.model = "models/gemini-2.5-flash";
  request.stream = false;
  request.messages.push_back({"tool", {{ChatPart::Type::tool_call_response, "21 degrees", "", "get_weather", ""}}});
  HttpCall call = gemini().chat_call(endpoint(), request);
  EXPECT_EQ(call.url, "http://127.0.0.1:9/gemini/v1beta/models/gemini-2.5-flash:generateContent");
  json body = body_of(call);
  EXPECT_EQ(body["contents"][0]["parts"][0], json::parse(R"({"functionResponse": {"name": "get_weather", "response": {"result": "21 degrees"}}})"))
      << "a result that is not a JSON object goes under \"result\"";
  EXPECT_FALSE(body.contains("generationConfig"));
  EXPECT_FALSE(body.contains("systemInstruction"));

  request.parameters.response_format = ChatParameters::ResponseFormat::json_schema;
  request.parameters.json_schema = R"({"type": "object", "properties": {"echo": {"type": "string"}}})";
  body = body_of(gemini().chat_call(endpoint(), request));
  EXPECT_EQ(body["generationConfig"], json::parse(R"({"responseMimeType": "application/json",
      "responseSchema": {"type": "object", "properties": {"echo": {"type": "string"}}}})"));
  request.parameters.response_format = ChatParameters::ResponseFormat::json_object;
  body = body_of(gemini().chat_call(endpoint(), request));
  EXPECT_EQ(body["generationConfig"], json::parse(R"({"responseMimeType": "application/json"})"));

  request.model = "../v1/files?x";
  EXPECT_EQ(gemini().chat_call(endpoint(), request).url, "http://127.0.0.1:9/gemini/v1beta/models/..%2Fv1%2Ffiles%3Fx:generateContent")
      << "a model name cannot leave its path segment";
}

// streamGenerateContent?alt=sse: each event a whole GenerateContentResponse, CRLF line ends, no end marker.
const std::string kStream =
    R"(data: {"candidates": [{"content": {"parts": [{"text": "Hello"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 9,"totalTokenCount": 9},"modelVersion": "gemini-2.5-flash","responseId": "mX5JaLXyN8OkmtkP3Lal6Qo"})"
    "\r\n\r\n"
    R"(data: {"candidates": [{"content": {"parts": [{"text": "thinking about it", "thought": true}, {"text": " wörld"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 9,"candidatesTokenCount": 4,"totalTokenCount": 13},"modelVersion": "gemini-2.5-flash","responseId": "mX5JaLXyN8OkmtkP3Lal6Qo"})"
    "\r\n\r\n"
    R"(data: {"candidates": [{"content": {"parts": [{"functionCall": {"name": "get_weather","args": {"location": "Paris"}}}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 9,"candidatesTokenCount": 12,"totalTokenCount": 41,"cachedContentTokenCount": 4,"thoughtsTokenCount": 20},"modelVersion": "gemini-2.5-flash","responseId": "mX5JaLXyN8OkmtkP3Lal6Qo"})"
    "\r\n\r\n";

const std::vector<std::string> kStreamEvents = {
    "response model=gemini-2.5-flash id=mX5JaLXyN8OkmtkP3Lal6Qo",
    "text \"Hello\"",
    "usage in=9 out=- total=9 cache_read=- cache_write=- reasoning=-",
    "text \" wörld\"",
    "usage in=9 out=4 total=13 cache_read=- cache_write=- reasoning=-",
    "tool_call id= name=get_weather arguments={\"location\":\"Paris\"}",
    "usage in=9 out=32 total=41 cache_read=4 cache_write=- reasoning=20",
    "finish STOP",
};

TEST(GeminiGenerate, AStreamDecodesToTheSameEventsInEverySplit) {
  expect_every_split_gives(gemini(), kStream, kStreamEvents);
}

TEST(GeminiGenerate, SafetyFinishesAndABlockedPromptAreFiltered) {
  const std::string safety =
      R"(data: {"candidates": [{"content": {"role": "model"},"finishReason": "SAFETY","index": 0,"safetyRatings": [{"category": "HARM_CATEGORY_DANGEROUS_CONTENT","probability": "HIGH","blocked": true}]}],"modelVersion": "gemini-2.5-flash"})"
      "\r\n\r\n";
  EXPECT_EQ(decode(gemini(), true, safety, 3).events,
            (std::vector<std::string>{"response model=gemini-2.5-flash id=", "finish SAFETY filtered"}));
  const std::string blocked = R"({"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},"usageMetadata": {"promptTokenCount": 8,"totalTokenCount": 8},"modelVersion": "gemini-2.5-flash"})";
  const auto decoded = decode(gemini(), false, blocked, 0);
  EXPECT_EQ(decoded.error, "");
  EXPECT_EQ(decoded.events.back(), "finish PROHIBITED_CONTENT filtered");
}

TEST(GeminiGenerate, AnErrorObjectInsideTheStreamIsItsFailure) {
  const std::string stream =
      R"(data: {"candidates": [{"content": {"parts": [{"text": "Echo"}],"role": "model"},"index": 0}],"modelVersion": "gemini-2.5-flash"})"
      "\r\n\r\n"
      R"(data: {"error": {"code": 503, "message": "The model is overloaded. Please try again later.", "status": "UNAVAILABLE"}})"
      "\r\n\r\n";
  expect_every_split_fails(gemini(), stream, Kind::overloaded, "The model is overloaded. Please try again later.", "text \"Echo\"");
}

TEST(GeminiGenerate, AStreamCutBeforeItsFinishReasonFailsAtFinish) {
  const std::string cut = kStream.substr(0, kStream.find("data: {\"candidates\": [{\"content\": {\"parts\": [{\"functionCall\""));
  const auto decoded = decode(gemini(), true, cut, 2);
  EXPECT_NE(decoded.error.find("ended before its end"), std::string::npos) << decoded.error;
  EXPECT_FALSE(decoded.failure);
}

TEST(GeminiGenerate, AWholeAnswerYieldsTheSameKindsOfEvents) {
  const std::string answer = R"({
    "candidates": [{"content": {"parts": [{"text": "It is sunny."}], "role": "model"}, "finishReason": "STOP", "index": 0}],
    "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 4, "totalTokenCount": 9},
    "modelVersion": "gemini-2.5-pro", "responseId": "r1"})";
  const auto decoded = decode(gemini(), false, answer, 0);
  EXPECT_EQ(decoded.error, "");
  EXPECT_EQ(decoded.events, (std::vector<std::string>{"response model=gemini-2.5-pro id=r1", "text \"It is sunny.\"",
                                                      "usage in=5 out=4 total=9 cache_read=- cache_write=- reasoning=-",
                                                      "finish STOP"}));
}

TEST(GeminiGenerate, TheModelListNamesModelsThatGenerateContent) {
  const auto models = gemini().parse_models(R"({"models": [
      {"name": "models/gemini-2.5-flash", "displayName": "Gemini 2.5 Flash", "supportedGenerationMethods": ["generateContent", "countTokens"]},
      {"name": "models/text-embedding-004", "supportedGenerationMethods": ["embedContent"]},
      {"name": "models/gemini-2.5-pro", "supportedGenerationMethods": ["generateContent"]}],
      "nextPageToken": ""})");
  ASSERT_TRUE(models.is_ok());
  EXPECT_EQ(*models, (std::vector<std::string>{"gemini-2.5-flash", "gemini-2.5-pro"}));
  const HttpCall call = gemini().models_call(endpoint());
  EXPECT_EQ(call.method, "GET");
  EXPECT_EQ(call.url, "http://127.0.0.1:9/gemini/v1beta/models?pageSize=1000");
  EXPECT_EQ(header_value(call, "x-goog-api-key"), "gemini-test-key");
}

TEST(GeminiGenerate, EachDocumentedErrorIsClassified) {
  const auto bad_key = gemini().classify_error(400, "", R"({"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.", "status": "INVALID_ARGUMENT",
      "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com", "metadata": {"service": "generativelanguage.googleapis.com"}}]}})");
  EXPECT_EQ(bad_key.kind, Kind::unauthorized) << "Gemini answers a wrong key with 400 API_KEY_INVALID";
  EXPECT_EQ(bad_key.message, "API key not valid. Please pass a valid API key.");

  EXPECT_EQ(gemini().classify_error(400, "", R"({"error": {"code": 400, "message": "Invalid JSON payload received.", "status": "INVALID_ARGUMENT"}})").kind,
            Kind::bad_request);
  EXPECT_EQ(gemini().classify_error(403, "", R"({"error": {"code": 403, "message": "Method doesn't allow unregistered callers.", "status": "PERMISSION_DENIED"}})").kind,
            Kind::unauthorized);
  EXPECT_EQ(gemini().classify_error(404, "", R"({"error": {"code": 404, "message": "models/gemini-9 is not found for API version v1beta, or is not supported for generateContent.", "status": "NOT_FOUND"}})").kind,
            Kind::model_not_found);
  const auto limited = gemini().classify_error(429, "7", R"({"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).", "status": "RESOURCE_EXHAUSTED"}})");
  EXPECT_EQ(limited.kind, Kind::rate_limited);
  EXPECT_EQ(limited.retry_after_s, 7);
  const auto hinted = gemini().classify_error(429, "", R"({"error": {"code": 429, "message": "You exceeded your current quota.", "status": "RESOURCE_EXHAUSTED",
      "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "38s"}]}})");
  EXPECT_EQ(hinted.retry_after_s, 38) << "without the header, RetryInfo's delay";
  EXPECT_EQ(gemini().classify_error(500, "", R"({"error": {"code": 500, "message": "An internal error has occurred.", "status": "INTERNAL"}})").kind,
            Kind::provider_error);
  EXPECT_EQ(gemini().classify_error(503, "", R"({"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}})").kind,
            Kind::overloaded);
}

}  // namespace
}  // namespace spanline::api::playground
