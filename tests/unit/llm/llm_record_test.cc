// The normalised LLM record: each family on its own, each deprecated form, the
// precedence when several families are on one span, the model group, the
// token total and the sent cost.
#include "stages/indexer/llm/llm_record.h"

#include <gtest/gtest.h>

#include "stages/indexer/llm/model_group.h"

namespace spanline::indexer::llm {
namespace {

json record_of(const json& attributes, const json& events = json::array(), const json& resource = json::object()) {
  auto record = normalise({attributes, events, resource}, Detail::conversation);
  if (!record) return nullptr;
  return to_json(*record);
}

json text(std::string_view content) { return {{"type", "text"}, {"content", content}}; }

TEST(LlmRecord, CurrentGenAiKeysAndTheirConversation) {
  const json input = json::array(
      {{{"role", "user"}, {"parts", {text("Weather in Paris?")}}},
       {{"role", "assistant"},
        {"parts", {{{"type", "tool_call"}, {"id", "call_1"}, {"name", "get_weather"}, {"arguments", R"({"city":"Paris"})"}}}}},
       {{"role", "tool"}, {"parts", {{{"type", "tool_call_response"}, {"id", "call_1"}, {"result", R"({"temp":21})"}}}}}});
  const json output = json::array({{{"role", "assistant"},
                                    {"parts", {{{"type", "reasoning"}, {"content", "The tool said 21."}}, text("21 °C in Paris.")}},
                                    {"finish_reason", "stop"}}});
  const json r = record_of({{"gen_ai.operation.name", "chat"},
                            {"gen_ai.provider.name", "openai"},
                            {"gen_ai.request.model", "gpt-4o"},
                            {"gen_ai.response.model", "gpt-4o-2024-08-06"},
                            {"gen_ai.request.temperature", 0.2},
                            {"gen_ai.request.max_tokens", 200},
                            {"gen_ai.usage.input_tokens", 120},
                            {"gen_ai.usage.output_tokens", 30},
                            {"gen_ai.usage.cache_read.input_tokens", 100},
                            {"gen_ai.usage.cache_creation.input_tokens", 7},
                            {"gen_ai.usage.reasoning.output_tokens", 12},
                            {"gen_ai.response.finish_reasons", json::array({"stop"})},
                            {"gen_ai.conversation.id", "conv-9"},
                            {"gen_ai.system_instructions", R"([{"type":"text","content":"Be brief."}])"},
                            {"gen_ai.input.messages", input.dump()},
                            {"gen_ai.output.messages", output.dump()},
                            {"gen_ai.tool.definitions",
                             R"([{"type":"function","name":"get_weather","description":"Weather now","parameters":{"type":"object"}}])"}});
  ASSERT_TRUE(r.is_object());
  EXPECT_EQ(r["kind"], "generation");
  EXPECT_EQ(r["operation"], "chat");
  EXPECT_EQ(r["provider"], "openai");
  EXPECT_EQ(r["request_model"], "gpt-4o");
  EXPECT_EQ(r["response_model"], "gpt-4o-2024-08-06");
  EXPECT_EQ(r["model"], "gpt-4o-2024-08-06");
  EXPECT_EQ(r["model_group"], "gpt-4o");
  EXPECT_EQ(r["input_tokens"], 120);
  EXPECT_EQ(r["output_tokens"], 30);
  EXPECT_EQ(r["total_tokens"], 150) << "no total sent: input + output";
  EXPECT_EQ(r["cache_read_tokens"], 100);
  EXPECT_EQ(r["cache_write_tokens"], 7);
  EXPECT_EQ(r["reasoning_tokens"], 12);
  EXPECT_EQ(r["cost"], nullptr) << "no cost sent: no price, not 0";
  EXPECT_EQ(r["finish_reasons"], json::array({"stop"}));
  EXPECT_EQ(r["session_id"], "conv-9");
  EXPECT_EQ(r["user_id"], nullptr);
  EXPECT_EQ(r["request"], json({{"temperature", 0.2}, {"max_tokens", 200}}));
  EXPECT_EQ(r["sources"], json::array({"gen_ai"}));
  EXPECT_EQ(r["system_instructions"], json::array({text("Be brief.")}));
  ASSERT_EQ(r["input_messages"].size(), 3u);
  EXPECT_EQ(r["input_messages"][1]["parts"][0],
            json({{"type", "tool_call"}, {"id", "call_1"}, {"name", "get_weather"}, {"arguments", {{"city", "Paris"}}}}))
      << "arguments parsed from their JSON text";
  EXPECT_EQ(r["input_messages"][2]["parts"][0], json({{"type", "tool_call_response"}, {"id", "call_1"}, {"response", {{"temp", 21}}}}))
      << "a tool result is under response, parsed";
  EXPECT_EQ(r["output_messages"], json::array({{{"role", "assistant"},
                                                {"parts", {{{"type", "reasoning"}, {"content", "The tool said 21."}}, text("21 °C in Paris.")}},
                                                {"finish_reason", "stop"}}}));
  EXPECT_EQ(r["tool_definitions"],
            json::array({{{"name", "get_weather"}, {"description", "Weather now"}, {"parameters", {{"type", "object"}}}}}));
}

TEST(LlmRecord, DeprecatedGenAiAttributes) {
  const json r = record_of({{"gen_ai.system", "openai"},
                            {"gen_ai.request.model", "gpt-3.5-turbo"},
                            {"gen_ai.usage.prompt_tokens", 11},
                            {"gen_ai.usage.completion_tokens", "4"},
                            {"gen_ai.prompt", R"([{"role":"system","content":"You are terse."},{"role":"user","content":"Hi"}])"},
                            {"gen_ai.completion", R"([{"role":"assistant","content":"Hello."}])"}});
  EXPECT_EQ(r["provider"], "openai");
  EXPECT_EQ(r["model"], "gpt-3.5-turbo");
  EXPECT_EQ(r["input_tokens"], 11);
  EXPECT_EQ(r["output_tokens"], 4) << "a count sent as a string";
  EXPECT_EQ(r["total_tokens"], 15);
  EXPECT_EQ(r["sources"], json::array({"gen_ai", "gen_ai_deprecated"}));
  EXPECT_EQ(r["system_instructions"], json::array({text("You are terse.")})) << "a system message goes to the instructions";
  EXPECT_EQ(r["input_messages"], json::array({{{"role", "user"}, {"parts", {text("Hi")}}}}));
  EXPECT_EQ(r["output_messages"], json::array({{{"role", "assistant"}, {"parts", {text("Hello.")}}}}));

  const json plain = record_of({{"gen_ai.system", "anthropic"}, {"gen_ai.prompt", "Say hi"}, {"gen_ai.completion", "Hi"}});
  EXPECT_EQ(plain["sources"], json::array({"gen_ai_deprecated"}));
  EXPECT_EQ(plain["input_messages"], json::array({{{"role", "user"}, {"parts", {text("Say hi")}}}})) << "a plain prompt is one user text";
  EXPECT_EQ(plain["output_messages"], json::array({{{"role", "assistant"}, {"parts", {text("Hi")}}}}));
  EXPECT_EQ(plain["kind"], "other") << "no operation, no model: the kind is not guessed";
}

json event(std::string name, json attributes) {
  return {{"name", std::move(name)}, {"time_unix_nano", 1}, {"attributes", std::move(attributes)}};
}

TEST(LlmRecord, DeprecatedGenAiSpanEvents) {
  // The body's fields as event attributes (as the Python instrumentations
  // wrote them on spans) or as one JSON text in gen_ai.event.content.
  const json events = json::array(
      {event("gen_ai.system.message", {{"gen_ai.system", "openai"}, {"content", "Be kind."}}),
       event("gen_ai.user.message", {{"gen_ai.event.content", R"({"content":"What is 2+2?"})"}}),
       event("gen_ai.assistant.message",
             {{"tool_calls", R"([{"id":"c1","type":"function","function":{"name":"add","arguments":"{\"a\":2,\"b\":2}"}}])"}}),
       event("gen_ai.tool.message", {{"id", "c1"}, {"content", "4"}}),
       event("gen_ai.choice", {{"index", 1}, {"finish_reason", "length"}, {"message", R"({"content":"Four, or"})"}}),
       event("gen_ai.choice", {{"gen_ai.event.content", R"({"index":0,"finish_reason":"stop","message":{"content":"4"}})"}}),
       event("exception", {{"exception.message", "not a message"}})});
  const json r = record_of({{"gen_ai.system", "openai"}, {"gen_ai.request.model", "gpt-4o-mini"}}, events);
  EXPECT_EQ(r["sources"], json::array({"gen_ai", "gen_ai_deprecated", "gen_ai_events"}));
  EXPECT_EQ(r["system_instructions"], json::array({text("Be kind.")}));
  ASSERT_EQ(r["input_messages"].size(), 3u) << r["input_messages"].dump();
  EXPECT_EQ(r["input_messages"][0], json({{"role", "user"}, {"parts", {text("What is 2+2?")}}}));
  EXPECT_EQ(r["input_messages"][1],
            json({{"role", "assistant"},
                  {"parts", {{{"type", "tool_call"}, {"id", "c1"}, {"name", "add"}, {"arguments", {{"a", 2}, {"b", 2}}}}}}}));
  EXPECT_EQ(r["input_messages"][2], json({{"role", "tool"}, {"parts", {{{"type", "tool_call_response"}, {"id", "c1"}, {"response", "4"}}}}}));
  ASSERT_EQ(r["output_messages"].size(), 2u);
  EXPECT_EQ(r["output_messages"][0], json({{"role", "assistant"}, {"parts", {text("4")}}, {"finish_reason", "stop"}}))
      << "choices in the order of their index";
  EXPECT_EQ(r["output_messages"][1]["finish_reason"], "length");
  EXPECT_EQ(r["finish_reasons"], json::array({"stop", "length"})) << "from the choices when no attribute says";
}

TEST(LlmRecord, OpenLlmetryFlattenedKeys) {
  const json r = record_of({{"gen_ai.system", "OpenAI"},
                            {"gen_ai.request.model", "gpt-4o"},
                            {"llm.request.type", "chat"},
                            {"gen_ai.prompt.0.role", "system"},
                            {"gen_ai.prompt.0.content", "You help."},
                            {"gen_ai.prompt.1.role", "user"},
                            {"gen_ai.prompt.1.content", "Weather?"},
                            {"gen_ai.completion.0.role", "assistant"},
                            {"gen_ai.completion.0.finish_reason", "tool_calls"},
                            {"gen_ai.completion.0.tool_calls.0.id", "call_7"},
                            {"gen_ai.completion.0.tool_calls.0.name", "get_weather"},
                            {"gen_ai.completion.0.tool_calls.0.arguments", R"({"city":"Oslo"})"},
                            {"llm.request.functions.0.name", "get_weather"},
                            {"llm.request.functions.0.description", "Weather now"},
                            {"llm.request.functions.0.parameters", R"({"type":"object"})"},
                            {"llm.usage.total_tokens", 42},
                            {"gen_ai.usage.prompt_tokens", 30},
                            {"gen_ai.usage.completion_tokens", 10}});
  EXPECT_EQ(r["sources"], json::array({"gen_ai", "gen_ai_deprecated", "openllmetry"}));
  EXPECT_EQ(r["total_tokens"], 42) << "the sent total wins over input + output";
  EXPECT_EQ(r["system_instructions"], json::array({text("You help.")}));
  EXPECT_EQ(r["input_messages"], json::array({{{"role", "user"}, {"parts", {text("Weather?")}}}}));
  EXPECT_EQ(r["output_messages"],
            json::array({{{"role", "assistant"},
                          {"parts", {{{"type", "tool_call"}, {"name", "get_weather"}, {"id", "call_7"}, {"arguments", {{"city", "Oslo"}}}}}},
                          {"finish_reason", "tool_calls"}}}));
  EXPECT_EQ(r["finish_reasons"], json::array({"tool_calls"}));
  EXPECT_EQ(r["tool_definitions"],
            json::array({{{"name", "get_weather"}, {"description", "Weather now"}, {"parameters", {{"type", "object"}}}}}));

  // Traceloop's entity input and output when no message keys are sent.
  const json entity = record_of({{"gen_ai.system", "openai"}, {"traceloop.entity.input", "Summarise this"}, {"traceloop.entity.output", "Done"}});
  EXPECT_EQ(entity["sources"], json::array({"gen_ai_deprecated", "openllmetry"}));
  EXPECT_EQ(entity["input_messages"], json::array({{{"role", "user"}, {"parts", {text("Summarise this")}}}}));
  EXPECT_EQ(entity["output_messages"], json::array({{{"role", "assistant"}, {"parts", {text("Done")}}}}));
}

TEST(LlmRecord, OpenInference) {
  const json r = record_of(
      {{"openinference.span.kind", "LLM"},
       {"llm.model_name", "claude-3-5-sonnet-20241022"},
       {"llm.provider", "anthropic"},
       {"llm.system", "anthropic"},
       {"llm.invocation_parameters", R"({"temperature":0.1,"max_tokens":512})"},
       {"llm.token_count.prompt", 200},
       {"llm.token_count.completion", 50},
       {"llm.token_count.total", 250},
       {"llm.token_count.prompt_details.cache_read", 150},
       {"llm.token_count.prompt_details.cache_write", 20},
       {"llm.token_count.completion_details.reasoning", 5},
       {"llm.cost.prompt", 0.0006},
       {"llm.cost.completion", 0.00075},
       {"llm.cost.total", 0.00135},
       {"llm.finish_reason", "end_turn"},
       {"llm.input_messages.0.message.role", "system"},
       {"llm.input_messages.0.message.content", "Answer in French."},
       {"llm.input_messages.1.message.role", "user"},
       {"llm.input_messages.1.message.contents.0.message_content.type", "text"},
       {"llm.input_messages.1.message.contents.0.message_content.text", "What is this?"},
       {"llm.input_messages.1.message.contents.1.message_content.type", "image"},
       {"llm.input_messages.1.message.contents.1.message_content.image.image.url", "https://example.com/cat.png"},
       {"llm.input_messages.2.message.role", "tool"},
       {"llm.input_messages.2.message.tool_call_id", "t1"},
       {"llm.input_messages.2.message.content", R"({"label":"cat"})"},
       {"llm.output_messages.0.message.role", "assistant"},
       {"llm.output_messages.0.message.content", "C'est un chat."},
       {"llm.output_messages.0.message.tool_calls.0.tool_call.id", "t2"},
       {"llm.output_messages.0.message.tool_calls.0.tool_call.function.name", "save"},
       {"llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments", R"({"what":"cat"})"},
       {"llm.tools.0.tool.json_schema", R"({"type":"function","function":{"name":"save","parameters":{"type":"object"}}})"},
       {"input.value", "ignored: the messages say more"},
       {"session.id", "s-1"},
       {"user.id", "u-1"}});
  EXPECT_EQ(r["kind"], "generation");
  EXPECT_EQ(r["operation"], "llm");
  EXPECT_EQ(r["provider"], "anthropic");
  EXPECT_EQ(r["request_model"], nullptr);
  EXPECT_EQ(r["model"], "claude-3-5-sonnet-20241022");
  EXPECT_EQ(r["model_group"], "claude-3-5-sonnet");
  EXPECT_EQ(r["total_tokens"], 250);
  EXPECT_EQ(r["cache_read_tokens"], 150);
  EXPECT_EQ(r["cache_write_tokens"], 20);
  EXPECT_EQ(r["reasoning_tokens"], 5);
  EXPECT_EQ(r["cost"], json({{"input", 0.0006}, {"output", 0.00075}, {"total", 0.00135}, {"currency", "USD"}, {"source", "sent"}}));
  EXPECT_EQ(r["finish_reasons"], json::array({"end_turn"}));
  EXPECT_EQ(r["session_id"], "s-1");
  EXPECT_EQ(r["user_id"], "u-1");
  EXPECT_EQ(r["request"], json({{"temperature", 0.1}, {"max_tokens", 512}}));
  EXPECT_EQ(r["sources"], json::array({"openinference"}));
  EXPECT_EQ(r["system_instructions"], json::array({text("Answer in French.")}));
  ASSERT_EQ(r["input_messages"].size(), 2u);
  EXPECT_EQ(r["input_messages"][0],
            json({{"role", "user"},
                  {"parts", {text("What is this?"), {{"type", "uri"}, {"modality", "image"}, {"uri", "https://example.com/cat.png"}}}}}));
  EXPECT_EQ(r["input_messages"][1],
            json({{"role", "tool"}, {"parts", {{{"type", "tool_call_response"}, {"id", "t1"}, {"response", {{"label", "cat"}}}}}}}));
  EXPECT_EQ(r["output_messages"],
            json::array({{{"role", "assistant"},
                          {"parts", {text("C'est un chat."), {{"type", "tool_call"}, {"name", "save"}, {"id", "t2"}, {"arguments", {{"what", "cat"}}}}}}}}));
  EXPECT_EQ(r["tool_definitions"], json::array({{{"name", "save"}, {"parameters", {{"type", "object"}}}}}));

  const json values = record_of({{"openinference.span.kind", "LLM"}, {"input.value", "Hi"}, {"output.value", "Hello"}});
  EXPECT_EQ(values["input_messages"], json::array({{{"role", "user"}, {"parts", {text("Hi")}}}}));
  EXPECT_EQ(values["output_messages"], json::array({{{"role", "assistant"}, {"parts", {text("Hello")}}}}));
  EXPECT_EQ(values["model"], nullptr) << "an OpenInference LLM span without a model is still an LLM span";
}

// Several families on one span (an OpenLLMetry instrumentation beside
// OpenInference's, a current SDK that also writes its deprecated keys): the
// documented precedence decides every field.
TEST(LlmRecord, PrecedenceAcrossFamilies) {
  const json events = json::array({event("gen_ai.user.message", {{"content", "from the events"}})});
  const json r = record_of({{"gen_ai.provider.name", "azure.ai.openai"},
                            {"gen_ai.system", "openai"},
                            {"llm.provider", "azure"},
                            {"llm.system", "openai"},
                            {"gen_ai.response.model", "gpt-4o-2024-08-06"},
                            {"llm.model_name", "gpt-4o-mini"},
                            {"gen_ai.usage.input_tokens", 10},
                            {"gen_ai.usage.prompt_tokens", 99},
                            {"llm.token_count.prompt", 98},
                            {"gen_ai.usage.completion_tokens", 5},
                            {"llm.token_count.completion", 97},
                            {"gen_ai.usage.cost", 0.5},
                            {"llm.cost.total", 0.25},
                            {"gen_ai.input.messages", R"([{"role":"user","parts":[{"type":"text","content":"from gen_ai"}]}])"},
                            {"gen_ai.prompt.0.role", "user"},
                            {"gen_ai.prompt.0.content", "from openllmetry"},
                            {"llm.input_messages.0.message.role", "user"},
                            {"llm.input_messages.0.message.content", "from openinference"},
                            {"llm.output_messages.0.message.role", "assistant"},
                            {"llm.output_messages.0.message.content", "answer from openinference"},
                            {"gen_ai.completion.0.role", "assistant"},
                            {"gen_ai.completion.0.content", "answer from openllmetry"},
                            {"openinference.span.kind", "LLM"},
                            {"gen_ai.operation.name", "embeddings"},
                            {"session.id", "session-attribute"},
                            {"gen_ai.conversation.id", "conversation"},
                            {"enduser.id", "end-user"}},
                           events, {{"user.id", "resource-user"}});
  EXPECT_EQ(r["provider"], "azure.ai.openai");
  EXPECT_EQ(r["model"], "gpt-4o-2024-08-06");
  EXPECT_EQ(r["model_group"], "gpt-4o") << "the response model folded when no request model is sent";
  EXPECT_EQ(r["input_tokens"], 10);
  EXPECT_EQ(r["output_tokens"], 5) << "deprecated GenAI before OpenInference";
  EXPECT_EQ(r["cost"]["total"], 0.25) << "llm.cost.total before gen_ai.usage.cost";
  EXPECT_EQ(r["kind"], "generation") << "openinference.span.kind before gen_ai.operation.name";
  EXPECT_EQ(r["operation"], "embeddings") << "the operation as sent";
  EXPECT_EQ(r["input_messages"][0]["parts"][0]["content"], "from gen_ai");
  EXPECT_EQ(r["output_messages"][0]["parts"][0]["content"], "answer from openllmetry") << "OpenLLMetry before OpenInference";
  EXPECT_EQ(r["session_id"], "session-attribute");
  EXPECT_EQ(r["user_id"], "resource-user") << "user.id (here on the resource) before enduser.id";
  EXPECT_EQ(r["sources"], json::array({"gen_ai", "gen_ai_deprecated", "gen_ai_events", "openllmetry", "openinference"}));

  // Events come before the deprecated attribute and the flattened keys.
  const json second = record_of({{"gen_ai.system", "openai"}, {"gen_ai.prompt", "from the attribute"}, {"gen_ai.prompt.0.content", "flat"}}, events);
  EXPECT_EQ(second["input_messages"][0]["parts"][0]["content"], "from the events");
}

TEST(LlmRecord, ModelGroupFoldsADateStamp) {
  EXPECT_EQ(fold_date_stamp("gpt-4o-2024-08-06"), "gpt-4o");
  EXPECT_EQ(fold_date_stamp("claude-3-5-sonnet-20241022"), "claude-3-5-sonnet");
  EXPECT_EQ(fold_date_stamp("claude-3-5-sonnet@20240620"), "claude-3-5-sonnet");
  EXPECT_EQ(fold_date_stamp("gpt-4o"), "gpt-4o");
  EXPECT_EQ(fold_date_stamp("llama-3.1-70b-instruct"), "llama-3.1-70b-instruct");
  EXPECT_EQ(fold_date_stamp("model-12345678"), "model-12345678") << "not a date";
  EXPECT_EQ(fold_date_stamp("2024-08-06"), "2024-08-06") << "nothing before the stamp";
  EXPECT_EQ(model_group(std::string("gpt-4o-2024-08-06"), std::string("gpt-4o-2024-08-06")), "gpt-4o-2024-08-06")
      << "the request model as asked";
  EXPECT_EQ(model_group(std::nullopt, std::string("gpt-4o-2024-08-06")), "gpt-4o");
  EXPECT_EQ(model_group(std::nullopt, std::nullopt), std::nullopt);
}

TEST(LlmRecord, TotalAndCost) {
  EXPECT_EQ(record_of({{"gen_ai.request.model", "m"}, {"gen_ai.usage.input_tokens", 3}})["total_tokens"], 3)
      << "one side reported: the total is what was reported";
  EXPECT_EQ(record_of({{"gen_ai.request.model", "m"}})["total_tokens"], nullptr) << "no tokens reported: no total";
  EXPECT_EQ(record_of({{"gen_ai.request.model", "m"}, {"gen_ai.usage.total_tokens", 9}, {"gen_ai.usage.input_tokens", 3},
                       {"gen_ai.usage.output_tokens", 3}})["total_tokens"],
            9);
  EXPECT_EQ(record_of({{"gen_ai.request.model", "m"}, {"gen_ai.usage.cost", "0.02"}})["cost"],
            json({{"input", nullptr}, {"output", nullptr}, {"total", 0.02}, {"currency", "USD"}, {"source", "sent"}}));
  EXPECT_DOUBLE_EQ(record_of({{"llm.model_name", "m"}, {"llm.cost.prompt", 0.5}, {"llm.cost.completion", 0.25}})["cost"]["total"].get<double>(),
                   0.75);
  EXPECT_EQ(record_of({{"llm.model_name", "m"}, {"llm.cost.total", "not a number"}})["cost"], nullptr);
}

TEST(LlmRecord, WhatIsAnLlmSpan) {
  EXPECT_EQ(record_of({{"http.method", "GET"}, {"note", "gen_ai.system"}}), nullptr);
  EXPECT_EQ(record_of({{"gen_ai.operation.name", "execute_tool"}, {"gen_ai.tool.name", "search"}}), nullptr)
      << "a tool call is not a model call";
  EXPECT_EQ(record_of({{"gen_ai.operation.name", "embeddings"}})["kind"], "embedding");
  EXPECT_EQ(record_of({{"gen_ai.operation.name", "text_completion"}})["kind"], "generation");
  EXPECT_EQ(record_of({{"gen_ai.operation.name", "invoke_agent"}, {"gen_ai.request.model", "m"}})["kind"], "agent");
  EXPECT_EQ(record_of({{"openinference.span.kind", "CHAIN"}}), nullptr);
  EXPECT_EQ(record_of({{"openinference.span.kind", "EMBEDDING"}, {"embedding.model_name", "text-embedding-3-small"}})["model"],
            "text-embedding-3-small");
}

TEST(LlmRecord, JunjoModelRequest) {
  auto record = normalise({json{{"junjo.agent.model.name", "gpt-4.1-mini"},
                                {"junjo.agent.model.provider", "openai"},
                                {"junjo.agent.model.usage", R"({"v":1,"inputTokens":7,"outputTokens":2,"cachedInputTokens":1})"}},
                           json::array(), json::object()},
                          Detail::scalars);
  ASSERT_TRUE(record);
  EXPECT_TRUE(record->junjo_model_request);
  EXPECT_EQ(record->model, "gpt-4.1-mini");
  EXPECT_EQ(record->provider, "openai");
  EXPECT_EQ(record->input_tokens, 7);
  EXPECT_EQ(record->output_tokens, 2);
  EXPECT_EQ(record->total_tokens, 9);
  EXPECT_EQ(record->cache_read_tokens, 1);
  EXPECT_EQ(record->kind, "generation");
  EXPECT_EQ(record->sources, std::vector<std::string>{"junjo"});
  EXPECT_TRUE(record->input_messages.empty()) << "scalars only: no conversation built";
}

TEST(LlmRecord, StoredTextsAndHostileContent) {
  EXPECT_FALSE(normalise_stored(R"({"http.method":"GET"})", "[]", "{}", Detail::conversation)) << "no candidate key: not parsed";
  EXPECT_FALSE(normalise_stored("not json \"gen_ai.", "[]", "{}", Detail::conversation));
  std::string deep(100000, '[');
  const json attributes = {{"gen_ai.request.model", "m"}, {"gen_ai.input.messages", deep}, {"gen_ai.output.messages", "not json"}};
  auto record = normalise_stored(attributes.dump(), "", "", Detail::conversation);
  ASSERT_TRUE(record);
  EXPECT_TRUE(record->input_messages.empty()) << "deeper than allowed: left as text, no messages";
  EXPECT_TRUE(record->output_messages.empty());
  auto scalars = normalise_stored(attributes.dump(), "[]", R"({"service.name":"svc","session.id":"from-resource"})", Detail::scalars);
  ASSERT_TRUE(scalars);
  EXPECT_EQ(scalars->session_id, "from-resource");
}

}  // namespace
}  // namespace spanline::indexer::llm
