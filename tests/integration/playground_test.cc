// The playground's runs through real processes: the api (with the gateway, WAL,
// auth-responder and an indexer) pointed at the LLM provider stand-in
// (tests/support/llm_provider_standin.py) for OpenAI, Anthropic and Gemini.
// Each provider streamed and whole, a tool call and its result, the parameters
// reaching the provider, the events in order with usage, latency and cost, the
// run recorded as a span of service spanline-playground with its GenAI keys and
// its link to the span it was opened from, a cancel (the connection closed
// mid-stream), each failure (429 with its retry-after, model not found, content
// filtered, a stall cut, a cut stream, an error inside the stream, a wrong key,
// an unreachable provider), the refusals before anything streams, the key in no
// answer, log or recorded span, and the bounds (429 per user, 503 in all) with
// the api's threads bounded while runs stall, and a SIGTERM mid-run.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/api_suite.h"
#include "tests/support/http_client.h"
#include "tests/support/llm_standin.h"
#include "tests/support/pipeline.h"
#include "tests/support/proc_status.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kRuns = "/api/v1/playground/runs";
constexpr const char* kAdmin = "admin@example.com";

json user_text(const std::string& text) { return {{"role", "user"}, {"parts", json::array({{{"type", "text"}, {"content", text}}})}}; }

json prompt(const std::string& provider, const std::string& model, bool stream = true, const std::string& text = "hello there") {
  return {{"provider", provider}, {"model", model}, {"system", "be brief"}, {"messages", json::array({user_text(text)})}, {"stream", stream}};
}

// The default model of each stand-in provider.
std::string model_of(const std::string& provider) {
  if (provider == "anthropic") return "claude-haiku-4-5";
  if (provider == "gemini") return "gemini-2.5-flash";
  return "gpt-4o";
}

// The events of one run, read to its end (done or error).
struct RunEvents {
  int status = 0;
  std::vector<SseEvent> events;
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const SseEvent& event : events) out.push_back(event.event);
    return out;
  }
  json last(const std::string& name) const {
    for (auto it = events.rbegin(); it != events.rend(); ++it) {
      if (it->event == name) return json::parse(it->data);
    }
    return nullptr;
  }
  std::string text() const {
    std::string out;
    for (const SseEvent& event : events) {
      if (event.event == "text") out += json::parse(event.data)["delta"].get<std::string>();
    }
    return out;
  }
  size_t count(const std::string& name) const {
    size_t n = 0;
    for (const SseEvent& event : events) n += event.event == name;
    return n;
  }
};

RunEvents run_prompt(int port, const std::string& cookie, const json& body, std::chrono::milliseconds timeout = 20s) {
  SseReader reader(port, kRuns, cookie, body.dump());
  RunEvents run;
  run.status = reader.status();
  run.events = reader.wait_for_any({"done", "error"}, timeout);
  return run;
}

std::string cookie_of(const Pipeline& pipeline) { return pipeline.signed_in().at("Cookie"); }

std::map<std::string, std::string> json_headers(const std::string& cookie) {
  return {{"Cookie", cookie}, {"Content-Type", "application/json"}};
}

// The recorded span of a run, once indexed.
json recorded_span(const Pipeline& pipeline, const json& ids) {
  const std::string target = "/api/v1/spans/" + ids["trace_id"].get<std::string>() + "/" + ids["span_id"].get<std::string>();
  HttpResponse found;
  wait_until([&] { return (found = http_get(pipeline.api_port(), target, pipeline.signed_in())).status == 200; }, 20s);
  if (found.status != 200) return nullptr;
  return json::parse(found.body);
}

// One stand-in for every suite of this file, started before the pipeline that calls it.
struct StandinHolder {
  TempDir dir;
  LlmStandin standin{dir.path(), {"--stall-seconds", "600"}};
};
StandinHolder* standin_holder = nullptr;
LlmStandin& standin() { return standin_holder->standin; }

std::vector<std::string> provider_args(const LlmStandin& s) {
  return {"--openai-base-url", s.base_url("openai"), "--openai-api-key", s.key("openai"),
          "--anthropic-base-url", s.base_url("anthropic"), "--anthropic-api-key", s.key("anthropic"),
          "--gemini-base-url", s.base_url("gemini"), "--gemini-api-key", s.key("gemini")};
}

class Playground : public ApiSuite<Playground> {
 public:
  static PipelineOptions pipeline_options() {
    std::vector<std::string> args = provider_args(standin());
    // A keep-alive timeout shorter than the stall bound: a run's stream outlives Pistache's idle timer (the stall case).
    args.insert(args.end(), {"--playground-stall", "2s", "--keepalive-timeout", "1s"});
    return {.indexers = {"0-3"}, .api = true, .api_args = args};
  }
  static void SetUpTestSuite() {
    standin_holder = new StandinHolder();
    ApiSuite<Playground>::SetUpTestSuite();
  }
  static void TearDownTestSuite() {
    ApiSuite<Playground>::TearDownTestSuite();
    delete standin_holder;
    standin_holder = nullptr;
  }

 protected:
  int port() const { return pipeline_->api_port(); }
  std::string cookie() const { return cookie_of(*pipeline_); }
  RunEvents run(const json& body, std::chrono::milliseconds timeout = 20s) { return run_prompt(port(), cookie(), body, timeout); }
};

TEST_F(Playground, EachProviderStreamedAndWholeAnswersWithEventsInOrder) {
  for (std::string provider : {"openai", "anthropic", "gemini"}) {
    for (bool stream : {true, false}) {
      SCOPED_TRACE(provider + (stream ? " streamed" : " whole"));
      RunEvents answer = run(prompt(provider, model_of(provider), stream));
      ASSERT_EQ(answer.status, 200);
      ASSERT_FALSE(answer.events.empty());
      EXPECT_EQ(answer.events.front().event, "start");
      EXPECT_EQ(answer.events.back().event, "done") << answer.events.back().data;
      EXPECT_EQ(answer.text(), "Echo: hello there");
      // The stand-in streams pieces of at most 8 characters: 17 characters are 3 events; whole, one.
      EXPECT_EQ(answer.count("text"), stream ? 3u : 1u);
      EXPECT_GE(answer.count("usage"), 1u);
      // Every text comes after start and before the usage that closes the answer and done.
      json start = answer.last("start");
      EXPECT_EQ(start["provider"], provider);
      EXPECT_EQ(start["model"], model_of(provider));
      EXPECT_EQ(start["trace_id"].get<std::string>().size(), 32u);
      json done = answer.last("done");
      EXPECT_EQ(done["usage"]["input_tokens"], 4) << done;  // "be brief" + "hello there"
      EXPECT_EQ(done["usage"]["output_tokens"], 3) << done;  // "Echo: hello there"
      EXPECT_EQ(done["usage"]["total_tokens"], 7) << done;
      EXPECT_GE(done["latency_ms"].get<int64_t>(), 0);
      EXPECT_TRUE(done["time_to_first_token_ms"].is_number()) << done;
      EXPECT_LE(done["time_to_first_token_ms"].get<int64_t>(), done["latency_ms"].get<int64_t>());
      EXPECT_FALSE(done["content_filtered"].get<bool>());
      EXPECT_EQ(done["trace_id"], start["trace_id"]);
      EXPECT_FALSE(done["finish_reason"].get<std::string>().empty());
    }
  }
}

TEST_F(Playground, TheCostComesFromThePriceTableAndIsNullWithoutAPrice) {
  HttpResponse priced = http_request(port(), "PUT", "/api/v1/llm/prices/gpt-4o-mini", json_headers(cookie()),
                                     json{{"input_per_million", 2}, {"output_per_million", 8}}.dump());
  ASSERT_EQ(priced.status, 200) << priced.body;
  json done = run(prompt("openai", "gpt-4o-mini")).last("done");
  ASSERT_TRUE(done.is_object());
  ASSERT_TRUE(done["cost"].is_object()) << done;
  EXPECT_DOUBLE_EQ(done["cost"]["input"].get<double>(), 4 * 2e-6);  // 4 input tokens at 2 USD per million
  EXPECT_DOUBLE_EQ(done["cost"]["output"].get<double>(), 3 * 8e-6);
  EXPECT_DOUBLE_EQ(done["cost"]["total"].get<double>(), 4 * 2e-6 + 3 * 8e-6);
  EXPECT_EQ(done["cost"]["currency"], "USD");
  EXPECT_EQ(done["cost"]["source"], "price_table");
  json unpriced = run(prompt("anthropic", "claude-haiku-4-5")).last("done");
  EXPECT_TRUE(unpriced["cost"].is_null()) << unpriced;
}

TEST_F(Playground, ToolCallThenItsResult) {
  json tools = json::array({{{"name", "search"}, {"description", "Searches."},
                             {"parameters", {{"type", "object"}, {"properties", {{"query", {{"type", "string"}}}}}}}}});
  for (std::string provider : {"openai", "anthropic", "gemini"}) {
    SCOPED_TRACE(provider);
    json body = prompt(provider, model_of(provider), true, "find cats");
    body["tools"] = tools;
    RunEvents called = run(body);
    ASSERT_EQ(called.count("tool_call"), 1u) << called.events.back().data;
    json call = called.last("tool_call");
    EXPECT_EQ(call["name"], "search");
    EXPECT_EQ(call["arguments"], json({{"query", "find cats"}}));
    if (provider != "gemini") {
      EXPECT_EQ(call["id"], "call_standin_1");  // Gemini has no call ids
    }
    ASSERT_EQ(called.events.back().event, "done");
    // The result goes back as a tool message: the answer reads it.
    json assistant = {{"role", "assistant"},
                      {"parts", json::array({{{"type", "tool_call"}, {"id", "call_standin_1"}, {"name", "search"}, {"arguments", {{"query", "find cats"}}}}})}};
    json result = {{"role", "tool"}, {"parts", json::array({{{"type", "tool_call_response"}, {"id", "call_standin_1"}, {"response", "three cats"}}})}};
    body["messages"] = json::array({user_text("find cats"), assistant, result});
    RunEvents answered = run(body);
    EXPECT_EQ(answered.text(), "Tool said: three cats") << answered.events.back().data;
  }
}

TEST_F(Playground, ParametersReachTheProvider) {
  standin().clear();
  json parameters = {{"temperature", 0.25}, {"max_tokens", 50}, {"seed", 7}, {"stop", {"END"}}, {"response_format", "json_object"}};
  for (std::string provider : {"openai", "anthropic", "gemini"}) {
    json body = prompt(provider, model_of(provider));
    body["parameters"] = parameters;
    if (provider == "anthropic") body["parameters"].erase("seed");  // Anthropic has no seed
    RunEvents answer = run(body);
    // Anthropic has no JSON mode: the instruction rides in the system prompt (checked below), the stand-in still echoes.
    if (provider != "anthropic") {
      EXPECT_EQ(json::parse(answer.text(), nullptr, false), json({{"echo", "hello there"}})) << provider << ": " << answer.text();
    }
  }
  json requests = standin().requests();
  ASSERT_EQ(requests.size(), 3u) << requests.dump();
  for (const json& request : requests) {
    const json& sent = request["body"];
    const std::string provider = request["provider"];
    SCOPED_TRACE(provider + ": " + sent.dump());
    if (provider == "openai") {
      EXPECT_EQ(sent["temperature"], 0.25);
      EXPECT_TRUE(sent.value("max_tokens", 0) == 50 || sent.value("max_completion_tokens", 0) == 50);
      EXPECT_EQ(sent["seed"], 7);
      EXPECT_EQ(sent["stop"], json({"END"}));
      EXPECT_EQ(sent["response_format"]["type"], "json_object");
      EXPECT_EQ(sent["messages"][0]["role"], "system");
    } else if (provider == "anthropic") {
      EXPECT_EQ(sent["temperature"], 0.25);
      EXPECT_EQ(sent["max_tokens"], 50);
      EXPECT_EQ(sent["stop_sequences"], json({"END"}));
      EXPECT_NE(sent["system"].dump().find("JSON"), std::string::npos);
    } else {
      const json& config = sent["generationConfig"];
      EXPECT_EQ(config["temperature"], 0.25);
      EXPECT_EQ(config["maxOutputTokens"], 50);
      EXPECT_EQ(config["seed"], 7);
      EXPECT_EQ(config["stopSequences"], json({"END"}));
      EXPECT_EQ(config["responseMimeType"], "application/json");
      EXPECT_FALSE(sent["systemInstruction"].is_null());
    }
  }
}

TEST_F(Playground, EveryRunIsRecordedAsASpanWithItsGenAiKeysAndItsSource) {
  const std::string source_trace = "0af7651916cd43dd8448eb211c80319c";
  const std::string source_span = "b7ad6b7169203331";
  json body = prompt("openai", "gpt-4o");
  body["source"] = {{"trace_id", source_trace}, {"span_id", source_span}};
  body["label"] = "B";
  body["parameters"] = {{"temperature", 0.5}, {"max_tokens", 64}};
  RunEvents answer = run(body);
  ASSERT_EQ(answer.events.back().event, "done");
  json done = answer.last("done");
  json span = recorded_span(*pipeline_, done);
  ASSERT_FALSE(span.is_null()) << "the run's span was never indexed\n" << pipeline_->logs();
  EXPECT_EQ(span["service"], "spanline-playground");
  EXPECT_EQ(span["name"], "chat gpt-4o");
  EXPECT_EQ(span["kind"], 3);  // CLIENT
  EXPECT_EQ(span["status"]["code"], 1);
  const json& a = span["attributes"];
  EXPECT_EQ(a["gen_ai.operation.name"], "chat");
  EXPECT_EQ(a["gen_ai.provider.name"], "openai");
  EXPECT_EQ(a["gen_ai.request.model"], "gpt-4o");
  EXPECT_EQ(a["gen_ai.request.temperature"], 0.5);
  EXPECT_EQ(a["gen_ai.request.max_tokens"], 64);
  EXPECT_EQ(a["gen_ai.usage.input_tokens"], 4);
  EXPECT_EQ(a["gen_ai.usage.output_tokens"], 3);
  EXPECT_EQ(a["spanline.playground.user"], kAdmin);
  EXPECT_EQ(a["spanline.playground.label"], "B");
  EXPECT_EQ(a["spanline.playground.provider"], "openai");
  EXPECT_TRUE(a.contains("gen_ai.input.messages"));
  EXPECT_TRUE(a.contains("gen_ai.output.messages"));
  EXPECT_TRUE(a.contains("gen_ai.system_instructions"));
  ASSERT_EQ(span["links"].size(), 1u);
  EXPECT_EQ(span["links"][0]["trace_id"], source_trace);
  EXPECT_EQ(span["links"][0]["span_id"], source_span);
  // The LLM record reads it like any other call.
  const json& llm = span["llm"];
  EXPECT_EQ(llm["request_model"], "gpt-4o");
  EXPECT_EQ(llm["input_tokens"], 4);
  EXPECT_EQ(llm["output_tokens"], 3);
  ASSERT_FALSE(llm["output_messages"].empty()) << llm;
  EXPECT_EQ(llm["output_messages"][0]["parts"][0]["content"], "Echo: hello there");
  // And it is found by searching the playground's service.
  HttpResponse search = http_get(port(), "/api/v1/traces?service=spanline-playground&limit=100", pipeline_->signed_in());
  ASSERT_EQ(search.status, 200) << search.body;
  EXPECT_NE(search.body.find(done["trace_id"].get<std::string>()), std::string::npos);
}

TEST_F(Playground, ClosingTheConnectionCancelsTheRunAndItIsRecordedCancelled) {
  standin().clear();
  SseReader reader(port(), kRuns, cookie(), prompt("anthropic", "standin-slow").dump());
  ASSERT_EQ(reader.status(), 200);
  ASSERT_FALSE(reader.wait_for("text", 2, 10s).empty());
  json start = json::parse(reader.wait_for("start", 1, 1s).at(0).data);
  reader.close();
  const auto closed = std::chrono::steady_clock::now();
  // The stand-in sees the api leave: the provider call was stopped, not left running for its 20 s.
  json requests;
  EXPECT_TRUE(wait_until(
      [&] {
        requests = standin().requests();
        return !requests.empty() && requests.back().value("client_disconnected", false);
      },
      1s))  // the api stops within 100 ms; the stand-in notices at its next piece, 100 ms later at most
      << requests.dump();
  std::printf("provider call closed %lld ms after the client left\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - closed).count()));
  json span = recorded_span(*pipeline_, start);
  ASSERT_FALSE(span.is_null());
  EXPECT_EQ(span["attributes"]["error.type"], "cancelled");
  EXPECT_EQ(span["status"]["code"], 2);
}

TEST_F(Playground, EachProviderFailureIsNamedPrecisely) {
  struct Case {
    std::string provider, model, code;
    std::optional<int> http_status;
  };
  const std::vector<Case> cases = {
      {"openai", "standin-rate-limited", "rate_limited", 429},   {"anthropic", "standin-rate-limited", "rate_limited", 429},
      {"gemini", "standin-rate-limited", "rate_limited", 429},   {"openai", "standin-missing", "model_not_found", 404},
      {"anthropic", "standin-missing", "model_not_found", 404},  {"gemini", "standin-missing", "model_not_found", 404},
      {"anthropic", "standin-overloaded", "overloaded", 529},    {"openai", "standin-overloaded", "overloaded", 503},
      {"openai", "standin-stall", "stalled", std::nullopt},      {"anthropic", "standin-cut", "provider_error", std::nullopt},
      {"anthropic", "standin-midstream-error", "overloaded", std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.provider + " " + c.model);
    const auto began = std::chrono::steady_clock::now();
    RunEvents answer = run(prompt(c.provider, c.model));
    ASSERT_FALSE(answer.events.empty());
    ASSERT_EQ(answer.events.back().event, "error") << answer.events.back().data;
    json error = answer.last("error");
    EXPECT_EQ(error["code"], c.code) << error;
    EXPECT_FALSE(error["message"].get<std::string>().empty());
    if (c.http_status) {
      EXPECT_EQ(error["http_status"], *c.http_status) << error;
    }
    if (c.code == "rate_limited") {
      EXPECT_EQ(error["retry_after_s"], 7) << error;
    }
    if (c.code == "stalled") {
      EXPECT_LT(std::chrono::steady_clock::now() - began, 6s);  // --playground-stall 2s, not the stand-in's 600 s
    }
    EXPECT_EQ(error["trace_id"].get<std::string>().size(), 32u);
  }
}

TEST_F(Playground, AFilteredAnswerSaysSo) {
  for (std::string provider : {"openai", "anthropic", "gemini"}) {
    SCOPED_TRACE(provider);
    RunEvents answer = run(prompt(provider, "standin-filtered"));
    ASSERT_FALSE(answer.events.empty());
    ASSERT_EQ(answer.events.back().event, "done") << answer.events.back().data;
    json done = answer.last("done");
    EXPECT_TRUE(done["content_filtered"].get<bool>()) << done;
    json span = recorded_span(*pipeline_, done);
    ASSERT_FALSE(span.is_null());
    EXPECT_EQ(span["attributes"]["error.type"], "content_filtered");
  }
}

TEST_F(Playground, RefusalsComeBeforeAnythingStreamsAndNameTheField) {
  auto post = [&](const json& body) { return http_request(port(), "POST", kRuns, json_headers(cookie()), body.dump()); };
  json bad_role = prompt("openai", "gpt-4o");
  bad_role["messages"][0]["role"] = "wizard";
  HttpResponse refused = post(bad_role);
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("messages[0].role"), std::string::npos) << refused.body;
  json bad_part = prompt("openai", "gpt-4o");
  bad_part["messages"][0]["parts"][0]["type"] = "image";
  refused = post(bad_part);
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("messages[0].parts[0].type"), std::string::npos) << refused.body;
  json hot = prompt("openai", "gpt-4o");
  hot["parameters"] = {{"temperature", 3}};
  refused = post(hot);
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("parameters.temperature"), std::string::npos) << refused.body;
  json many = prompt("openai", "gpt-4o");
  for (int i = 0; i < 256; ++i) many["messages"].push_back(user_text("again"));
  refused = post(many);
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("at most 256 messages"), std::string::npos) << refused.body;
  json tools = prompt("openai", "gpt-4o");
  for (int i = 0; i < 129; ++i) tools["tools"].push_back({{"name", std::to_string(1000 + i)}});
  refused = post(tools);
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("at most 128 tools"), std::string::npos) << refused.body;
  refused = post(prompt("Not A Name", "gpt-4o"));
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("'provider'"), std::string::npos) << refused.body;
  // Nested half a million levels deep inside a tool's schema (1 MB, under the body cap): refused unparsed, the api stays up.
  HttpResponse deep = http_request(port(), "POST", kRuns, json_headers(cookie()),
                                   R"({"provider":"openai","model":"gpt-4o","tools":[{"name":"t","parameters":)" + std::string(500000, '[') +
                                       std::string(500000, ']') + "}]}");
  EXPECT_EQ(deep.status, 400);
  EXPECT_NE(deep.body.find("nests deeper than 64 levels"), std::string::npos) << deep.body.substr(0, 200);
  EXPECT_EQ(http_get(port(), "/health", {}).status, 200);
  refused = post(prompt("nobody-configured-this", "gpt-4o"));
  EXPECT_EQ(refused.status, 404) << refused.body;
  json huge = prompt("openai", "gpt-4o", true, std::string(2 << 20, 'a'));
  refused = post(huge);
  EXPECT_EQ(refused.status, 413) << refused.body.substr(0, 200);
  refused = http_request(port(), "POST", kRuns, {{"Content-Type", "application/json"}}, prompt("openai", "gpt-4o").dump());
  EXPECT_EQ(refused.status, 401);
}

TEST_F(Playground, ModelsAreListedFromTheProvider) {
  HttpResponse models = http_get(port(), "/api/v1/playground/providers/anthropic/models", pipeline_->signed_in());
  ASSERT_EQ(models.status, 200) << models.body;
  json listed = json::parse(models.body)["models"];
  EXPECT_NE(std::find(listed.begin(), listed.end(), "claude-sonnet-4-5"), listed.end()) << listed;
  // Asked again (another column, a reload): the list kept for a minute answers, the provider is not asked.
  standin().clear();
  HttpResponse again = http_get(port(), "/api/v1/playground/providers/anthropic/models", pipeline_->signed_in());
  EXPECT_EQ(again.body, models.body);
  EXPECT_TRUE(standin().requests().empty()) << standin().requests().dump();
  HttpResponse missing = http_get(port(), "/api/v1/playground/providers/nobody/models", pipeline_->signed_in());
  EXPECT_EQ(missing.status, 404);
}

// A second api over the same stand-in with a wrong Anthropic key, an unreachable
// Gemini, small bounds and a long stall bound: what a deployment's mistakes and
// a crowd look like; last, the api stopped (SIGTERM) while a run stalls.
TEST(PlaygroundLimits, WrongKeyUnreachableBoundsAndThreadsWhileRunsStall) {
  standin_holder = new StandinHolder();
  std::unique_ptr<StandinHolder> holder(standin_holder);
  const std::string wrong_key = "sk-ant-wrong-key-0123456789";
  std::vector<std::string> args = {"--openai-base-url", standin().base_url("openai"), "--openai-api-key", standin().key("openai"),
                                   "--anthropic-base-url", standin().base_url("anthropic"), "--anthropic-api-key", wrong_key,
                                   "--gemini-base-url", "http://127.0.0.1:9/gemini", "--gemini-api-key", "gemini-key-never-used",
                                   "--playground-max-runs", "4", "--playground-max-runs-per-user", "2", "--playground-stall", "60s"};
  Pipeline pipeline({.indexers = {"0-3"}, .api = true, .api_args = args});
  pipeline.start();
  ASSERT_TRUE(pipeline.wait_api_complete()) << pipeline.logs();
  const int port = pipeline.api_port();
  const std::string admin = cookie_of(pipeline);

  RunEvents unauthorized = run_prompt(port, admin, prompt("anthropic", "claude-haiku-4-5"));
  ASSERT_EQ(unauthorized.events.back().event, "error");
  EXPECT_EQ(unauthorized.last("error")["code"], "unauthorized") << unauthorized.events.back().data;
  EXPECT_EQ(unauthorized.last("error")["http_status"], 401);
  RunEvents unreachable = run_prompt(port, admin, prompt("gemini", "gemini-2.5-flash"));
  ASSERT_EQ(unreachable.events.back().event, "error");
  EXPECT_EQ(unreachable.last("error")["code"], "unreachable") << unreachable.events.back().data;

  // The keys are in no answer, no log line and no recorded span.
  json span = recorded_span(pipeline, unauthorized.last("error"));
  ASSERT_FALSE(span.is_null());
  EXPECT_EQ(span["attributes"]["error.type"], "unauthorized");
  HttpResponse providers = http_get(port, "/api/v1/playground/providers", pipeline.signed_in());
  HttpResponse models = http_get(port, "/api/v1/playground/providers/anthropic/models", pipeline.signed_in());
  EXPECT_EQ(models.status, 502) << models.body;
  EXPECT_NE(models.body.find("unauthorized"), std::string::npos) << models.body;
  for (const std::string& key : {wrong_key, standin().key("openai"), std::string("gemini-key-never-used")}) {
    for (const SseEvent& event : unauthorized.events) EXPECT_EQ(event.data.find(key), std::string::npos);
    EXPECT_EQ(span.dump().find(key), std::string::npos);
    EXPECT_EQ(providers.body.find(key), std::string::npos);
    EXPECT_EQ(models.body.find(key), std::string::npos);
    EXPECT_EQ(pipeline.logs().find(key), std::string::npos) << key;
  }

  // Bounds: two stalled runs of one user, a third refused with 429; two of another user, then 503 for anyone.
  auto second = [&] {
    auto headers = json_headers(admin);
    HttpResponse created = http_request(port, "POST", "/api/v1/users", headers,
                                        json{{"email", "second@example.com"}, {"password", "long enough"}, {"role", "member"}}.dump());
    EXPECT_EQ(created.status, 201) << created.body;
    HttpResponse signed_in = http_request(port, "POST", "/api/v1/auth/sign-in", {{"Content-Type", "application/json"}},
                                          json{{"email", "second@example.com"}, {"password", "long enough"}}.dump());
    std::string cookie = signed_in.header("set-cookie");
    return cookie.substr(0, cookie.find(';'));
  }();
  const ProcStatus before = read_proc_status(pipeline.api().pid());
  std::vector<std::unique_ptr<SseReader>> stalled;
  for (const std::string& cookie : {admin, admin, second, second}) {
    stalled.push_back(std::make_unique<SseReader>(port, kRuns, cookie, prompt("openai", "standin-stall").dump()));
    ASSERT_EQ(stalled.back()->status(), 200);
    ASSERT_EQ(stalled.back()->wait_for("text", 1, 10s).size(), 1u);
    if (stalled.size() == 2) {
      HttpResponse third = http_request(port, "POST", kRuns, json_headers(admin), prompt("openai", "gpt-4o").dump());
      EXPECT_EQ(third.status, 429) << third.body;
      EXPECT_FALSE(third.header("retry-after").empty());
    }
  }
  HttpResponse busy = http_request(port, "POST", kRuns, json_headers(second), prompt("openai", "gpt-4o").dump());
  EXPECT_EQ(busy.status, 503) << busy.body;
  // More tries change nothing: refusals take no thread.
  for (int i = 0; i < 20; ++i) (void)http_request(port, "POST", kRuns, json_headers(i % 2 ? admin : second), prompt("openai", "gpt-4o").dump());
  const ProcStatus during = read_proc_status(pipeline.api().pid());
  std::printf("api while 4 runs stall: threads %d (before %d), rss %.1f MB (before %.1f MB)\n", during.threads, before.threads, during.rss_mb,
              before.rss_mb);
  EXPECT_LE(during.threads, before.threads + 4 + 2) << "a run holds one thread; libcurl may add a resolver thread";
  // Closing them frees their places: a new run goes through.
  stalled.clear();
  ASSERT_TRUE(wait_until([&] {
    RunEvents again = run_prompt(port, admin, prompt("openai", "gpt-4o"));
    return !again.events.empty() && again.events.back().event == "done";
  }, 10s));
  // SIGTERM while a run stalls: the api stops the provider call, tells the reader, and exits at once.
  SseReader last(port, kRuns, admin, prompt("openai", "standin-stall").dump());
  ASSERT_EQ(last.wait_for("text", 1, 10s).size(), 1u);
  const auto stopping = std::chrono::steady_clock::now();
  EXPECT_EQ(pipeline.api().stop(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, 5s);
  const auto& events = last.wait_for_any({"error"}, 2s);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().event, "error");
  EXPECT_NE(events.back().data.find("\"code\":\"cancelled\""), std::string::npos) << events.back().data;
}

}  // namespace
}  // namespace spanline::testing
