// The playground run's pieces that need no provider: the POST body read into a
// ChatRequest (and each refusal naming its field), the events' data, the run
// as an OTLP span (GenAI keys, the source link, no key), a key quoted by a
// provider's message redacted, and the event stream's client-closed check.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "stages/api/http/sse_stream.h"
#include "stages/api/http/user_places.h"
#include "stages/api/playground/playground_request.h"
#include "stages/api/playground/run_recorder.h"

namespace spanline::api::playground {
namespace {

using nlohmann::json;

json body() {
  return {{"provider", "openai"},
          {"model", "gpt-4o"},
          {"system", "be brief"},
          {"messages", json::array({{{"role", "user"}, {"parts", json::array({{{"type", "text"}, {"content", "hi"}}})}}})}};
}

std::string refusal(const json& in) {
  auto parsed = parse_run_request(in.dump());
  return parsed ? "accepted" : parsed.status().message();
}

TEST(PlaygroundRequest, ReadsTheLlmRecordsShapes) {
  json in = body();
  in["messages"].push_back({{"role", "assistant"},
                            {"parts", json::array({{{"type", "tool_call"}, {"id", "c1"}, {"name", "search"}, {"arguments", {{"q", "x"}}}}})}});
  in["messages"].push_back({{"role", "tool"}, {"parts", json::array({{{"type", "tool_call_response"}, {"id", "c1"}, {"response", {{"n", 3}}}}})}});
  in["tools"] = json::array({{{"name", "search"}, {"parameters", {{"type", "object"}}}}});
  in["parameters"] = {{"temperature", 0.5}, {"top_p", 1}, {"max_tokens", 10}, {"seed", -3}, {"stop", {"END"}}, {"response_format", "json_object"}};
  in["source"] = {{"trace_id", "0af7651916cd43dd8448eb211c80319c"}, {"span_id", "b7ad6b7169203331"}};
  in["label"] = "A";
  in["stream"] = false;
  auto run = parse_run_request(in.dump());
  ASSERT_TRUE(run) << run.status().message();
  EXPECT_EQ(run->provider, "openai");
  EXPECT_EQ(run->chat.system, "be brief");
  ASSERT_EQ(run->chat.messages.size(), 3u);
  EXPECT_EQ(run->chat.messages[1].parts[0].arguments, R"({"q":"x"})");
  EXPECT_EQ(run->chat.messages[2].parts[0].content, R"({"n":3})");
  EXPECT_EQ(run->chat.tools[0].parameters, R"({"type":"object"})");
  EXPECT_EQ(*run->chat.parameters.temperature, 0.5);
  EXPECT_EQ(*run->chat.parameters.seed, -3);
  EXPECT_EQ(run->chat.parameters.response_format, ChatParameters::ResponseFormat::json_object);
  EXPECT_FALSE(run->chat.stream);
  EXPECT_EQ(run->source->span_id, "b7ad6b7169203331");
}

TEST(PlaygroundRequest, RefusalsNameTheField) {
  EXPECT_EQ(refusal(json::array()), "the body must be a JSON object");
  // A body nested past 64 levels is refused before it is parsed (parsing and destroying it recurse per level).
  const std::string deep = R"({"provider":"openai","tools":[{"name":"t","parameters":)" + std::string(500000, '[') + std::string(500000, ']') + "}]}";
  auto refused = parse_run_request(deep);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.status().message(), "the body nests deeper than 64 levels");
  json in = body();
  in["provider"] = "Open AI";
  EXPECT_NE(refusal(in).find("field 'provider'"), std::string::npos);
  in = body();
  in["model"] = "gpt 4o?x";
  EXPECT_NE(refusal(in).find("field 'model'"), std::string::npos);
  in = body();
  in["messages"][0]["role"] = "system";
  EXPECT_EQ(refusal(in), "field 'messages[0].role': system instructions go in 'system', not in a message");
  in = body();
  in["messages"][0]["parts"][0]["type"] = "image";
  EXPECT_NE(refusal(in).find("field 'messages[0].parts[0].type'"), std::string::npos);
  in = body();
  in["messages"][0]["parts"] = json::array({{{"type", "tool_call"}, {"name", "x"}}});
  EXPECT_NE(refusal(in).find("belong in assistant messages"), std::string::npos);
  in = body();
  for (int i = 0; i < 256; ++i) in["messages"].push_back(in["messages"][0]);
  EXPECT_EQ(refusal(in), "field 'messages': at most 256 messages");
  in = body();
  for (int i = 0; i < 129; ++i) in["tools"].push_back({{"name", std::to_string(1000 + i)}});
  EXPECT_EQ(refusal(in), "field 'tools': at most 128 tools");
  in = body();
  in["tools"] = json::array({{{"name", "a b"}}});
  EXPECT_NE(refusal(in).find("field 'tools[0].name'"), std::string::npos);
  for (auto [key, value] : std::vector<std::pair<std::string, json>>{
           {"temperature", 2.5}, {"top_p", -0.1}, {"max_tokens", 0}, {"seed", "7"}, {"stop", json::array({""})}, {"response_format", "xml"}}) {
    in = body();
    in["parameters"] = {{key, value}};
    std::string field = "field 'parameters.";
    field.append(key).append("'");
    EXPECT_NE(refusal(in).find(field), std::string::npos) << key << ": " << refusal(in);
  }
  in = body();
  in["parameters"] = {{"temperature", 3}};
  EXPECT_EQ(refusal(in), "field 'parameters.temperature': between 0 and 2");
  in = body();
  in["parameters"] = {{"response_format", "json_schema"}};
  EXPECT_NE(refusal(in).find("field 'parameters.json_schema'"), std::string::npos);
  in = body();
  in["parameters"] = {{"temprature", 1}};
  EXPECT_EQ(refusal(in), "field 'parameters.temprature': unknown field");
  in = body();
  in["source"] = {{"trace_id", std::string(32, '0')}, {"span_id", "b7ad6b7169203331"}};
  EXPECT_NE(refusal(in).find("field 'source.trace_id'"), std::string::npos);
  in = body();
  in["label"] = std::string(65, 'x');
  EXPECT_NE(refusal(in).find("field 'label'"), std::string::npos);
  in = body();
  in["extra"] = 1;
  EXPECT_EQ(refusal(in), "field 'extra': unknown field");
}

TEST(PlaygroundRequest, EventsAndTheRecordedSpan) {
  auto request = parse_run_request(body().dump());
  ASSERT_TRUE(request);
  request->source = RunSource{"0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"};
  RunOutcome run;
  run.run_id = "r1";
  run.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  run.span_id = "00f067aa0ba902b7";
  run.provider = "openai";
  run.model = "gpt-4o";
  run.start_ns = 1'000'000'000;
  run.first_token_ns = 1'200'000'000;
  run.end_ns = 1'500'000'000;
  run.text = "Echo: hi";
  run.usage.input_tokens = 3;
  run.usage.output_tokens = 2;
  run.finish_reason = "stop";
  json done = json::parse(done_event_data(run));
  EXPECT_EQ(done["latency_ms"], 500);
  EXPECT_EQ(done["time_to_first_token_ms"], 200);
  EXPECT_TRUE(done["cost"].is_null());
  EXPECT_EQ(json::parse(text_event_data("a\"b"))["delta"], "a\"b");

  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest exported;
  ASSERT_TRUE(exported.ParseFromString(run_span_export(run, *request, "ann@example.com")));
  const auto& span = exported.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(exported.resource_spans(0).resource().attributes(0).value().string_value(), "spanline-playground");
  EXPECT_EQ(span.name(), "chat gpt-4o");
  ASSERT_EQ(span.links_size(), 1);
  EXPECT_EQ(span.links(0).span_id().size(), 8u);
  std::map<std::string, std::string> attributes;
  for (const auto& kv : span.attributes()) attributes[kv.key()] = kv.value().string_value();
  EXPECT_EQ(attributes["spanline.playground.user"], "ann@example.com");
  EXPECT_EQ(json::parse(attributes["gen_ai.input.messages"])[0]["parts"][0]["content"], "hi");
  EXPECT_EQ(json::parse(attributes["gen_ai.output.messages"])[0]["finish_reason"], "stop");

  run.failure = ProviderFailure{ProviderFailure::Kind::rate_limited, "slow down", 429, 7};
  json error = json::parse(error_event_data(run));
  EXPECT_EQ(error["code"], "rate_limited");
  EXPECT_EQ(error["retry_after_s"], 7);
}

TEST(PlaygroundRequest, AKeyQuotedByTheProviderIsRedacted) {
  ProviderFailure failure{ProviderFailure::Kind::unauthorized, "Incorrect API key provided: sk-secret-1. Also sk-secret-1.", 401, {}};
  EXPECT_EQ(redacted(failure, "sk-secret-1").message, "Incorrect API key provided: <redacted>. Also <redacted>.");
  EXPECT_EQ(redacted(failure, "").message, failure.message);
}

TEST(SseStream, NoticesTheClientClosingAndFramesChunks) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  SseStream stream(fds[0]);
  EXPECT_FALSE(stream.client_gone());
  ASSERT_TRUE(stream.send_within(SseStream::event("text", "{}"), std::chrono::milliseconds(100)));
  char buffer[64] = {};
  ssize_t n = ::read(fds[1], buffer, sizeof(buffer));
  EXPECT_EQ(std::string(buffer, static_cast<size_t>(n)), "16\r\nevent: text\ndata: {}\n\n\r\n");
  ::close(fds[1]);
  EXPECT_TRUE(stream.client_gone());
  EXPECT_FALSE(stream.send_now("x"));
}

TEST(UserPlaces, BoundInAllAndPerUser) {
  UserPlaces places(3, 2);
  EXPECT_FALSE(places.take(1));
  EXPECT_FALSE(places.take(1));
  auto refused = places.take(1);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->bound, UserPlaces::Refusal::Bound::user);
  EXPECT_EQ(refused->held, 2u);
  EXPECT_FALSE(places.take(2));
  refused = places.take(3);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->bound, UserPlaces::Refusal::Bound::total);
  places.give_back(1);
  EXPECT_FALSE(places.take(3));
  EXPECT_EQ(places.taken(), 3u);
  places.give_back(42);  // never taken: nothing changes
  EXPECT_EQ(places.taken(), 3u);
  places.clear();
  EXPECT_EQ(places.taken(), 0u);
}

}  // namespace
}  // namespace spanline::api::playground
