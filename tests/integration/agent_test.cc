// Junjo agent runs (SDK 0.66) through the real pipeline (gateway, WAL,
// indexer, api): listed with the runs under the type agent, answered by
// GET /api/v1/agents/{trace_id}/{span_id} with their operations in order
// (model requests and tool calls, requested vs validated arguments, results),
// usage per model request and in total, outcome, termination reason, hook
// errors and the parent workflow run, and counted in the LLM usage per model.
// Sent twice: an agent run made by the project (tests/support/junjo_agent.h,
// built like the SDK's source sends it), and agents run by the real Junjo
// Python SDK from ../shared/clients/python (tests/integration/junjo_agent.py;
// skipped, saying why, on a clone without ../shared).
#include <gtest/gtest.h>

#include <cctype>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "tests/support/api_suite.h"
#include "tests/support/http_client.h"
#include "tests/support/junjo_agent.h"
#include "tests/support/otlp_client.h"
#include "tests/support/pipeline.h"
#include "tests/support/shared_data.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class AgentRuns : public ApiSuite<AgentRuns> {

 protected:
  static json get(const std::string& target, int expected_status = 200) {
    HttpResponse response = http_get(pipeline_->api_port(), target, pipeline_->signed_in());
    EXPECT_EQ(response.status, expected_status) << target << "\n" << response.body;
    json body = json::parse(response.body, nullptr, false);
    return body.is_discarded() ? json(nullptr) : body;
  }
  // The service's agent runs once `count` are listed (what was listed after 30 s otherwise).
  static json agent_runs(const std::string& service, size_t count) {
    json runs;
    wait_until([&] {
      HttpResponse response =
          http_get(pipeline_->api_port(), "/api/v1/workflows?type=agent&lookback=30d&service=" + service, pipeline_->signed_in());
      json body = json::parse(response.body, nullptr, false);
      if (response.status != 200 || body.is_discarded()) return false;
      runs = body["runs"];
      return runs.size() >= count;
    }, 30s);
    return runs;
  }
  static json agent(const json& run) {
    return get("/api/v1/agents/" + run["trace_id"].get<std::string>() + "/" + run["span_id"].get<std::string>());
  }
  // The LLM usage of `model` in the service over the last day: {calls, input_tokens, output_tokens}.
  static json model_usage(const std::string& service, const std::string& model) {
    json usage = get("/api/v1/llm/usage?lookback=24h&service=" + service);
    for (const json& entry : usage.value("by_model", json::array())) {
      if (entry["model"] == model) return entry;
    }
    return json::object();
  }
  static std::vector<std::string> timeline(const json& detail) {
    std::vector<std::string> steps;
    for (const json& op : detail["operations"]) {
      steps.push_back(op["type"].get<std::string>() + (op["tool_name"].is_string() ? ":" + op["tool_name"].get<std::string>() : ""));
    }
    return steps;
  }
};

TEST_F(AgentRuns, TheProjectsAgentRunIsListedDetailedAndCounted) {
  JunjoAgentOptions options;
  options.service = "agent-made";
  options.inside_workflow = true;
  options.start_unix_nano = unix_nanos_now() - int64_t{600} * 1'000'000'000;
  OtlpClient client(pipeline_->grpc_target(), pipeline_->api_key());
  ASSERT_TRUE(client.send(junjo_agent_request(options)).ok());

  json runs = agent_runs(options.service, 1);
  ASSERT_EQ(runs.size(), 1u) << pipeline_->logs();
  EXPECT_EQ(runs[0]["span_type"], "agent");
  EXPECT_EQ(runs[0]["span_id"], kAgentRunSpanHex);
  EXPECT_EQ(runs[0]["status_code"], 2);
  EXPECT_EQ(runs[0]["outcome"], "failed");
  EXPECT_EQ(runs[0]["termination_reason"], "tool_input_validation_error");
  EXPECT_EQ(get("/api/v1/workflows?type=agent&status=error&lookback=30d&service=agent-made")["runs"].size(), 1u);
  EXPECT_EQ(get("/api/v1/workflows?lookback=30d&service=agent-made")["runs"].size(), 1u) << "the workflow it ran in";

  json detail = agent(runs[0]);
  EXPECT_EQ(detail["run"]["outcome"], "failed");
  EXPECT_EQ(detail["run"]["termination_reason"], "tool_input_validation_error");
  EXPECT_EQ(detail["run"]["usage"]["input_tokens"], 75);
  EXPECT_EQ(detail["run"]["usage"]["output_tokens"], 17);
  EXPECT_EQ(detail["run"]["hook_errors"][0]["event"], "terminal_dispatch");
  EXPECT_EQ(timeline(detail), (std::vector<std::string>{"model_request", "tool_call:lookup_city", "model_request", "tool_call:to_fahrenheit"}));
  EXPECT_EQ(detail["operations"][0]["usage"]["input_tokens"], 30);
  EXPECT_EQ(detail["operations"][3]["requested_arguments"], json({{"celsius", "warm"}}));
  EXPECT_TRUE(detail["operations"][3]["arguments"].is_null());
  EXPECT_EQ(detail["parent_run"]["span_id"], kAgentWorkflowSpanHex);
  EXPECT_EQ(detail["parent_run"]["name"], "AskWorkflow");
  EXPECT_EQ(detail["state_changes"].size(), 6u);

  // A span that is not an agent run, and the workflow route for an agent: 404.
  get("/api/v1/agents/" + options.trace_id_hex + "/" + kAgentWorkflowSpanHex, 404);
  get("/api/v1/workflows/" + options.trace_id_hex + "/" + kAgentRunSpanHex, 404);

  json usage = model_usage(options.service, kAgentModelName);
  EXPECT_EQ(usage.value("calls", 0), 2) << usage.dump();
  EXPECT_EQ(usage.value("input_tokens", 0), 75);
  EXPECT_EQ(usage.value("output_tokens", 0), 17);
}

TEST_F(AgentRuns, TheRealJunjoSdksAgentsAreListedDetailedAndCounted) {
  const PythonKit kit = python_kit(pipeline_->data_dir());
  if (kit.python_path.empty()) GTEST_SKIP() << kit.missing_reason;
  std::string out;
  const std::string service = "agent-sdk";
  int ran = run_command({"env", "PYTHONPATH=" + kit.python_path, "PYTHONDONTWRITEBYTECODE=1", "python3",
                         std::string(SPANLINE_SOURCE_DIR) + "/tests/integration/junjo_agent.py", pipeline_->grpc_target(),
                         pipeline_->api_key(), service},
                        &out);
  ASSERT_EQ(ran, 0) << out;
  const json sent = json::parse(out.substr(out.rfind("{\"runs\"")))["runs"];
  ASSERT_EQ(sent.size(), 3u) << out;

  json runs = agent_runs(service, 3);
  ASSERT_EQ(runs.size(), 3u) << runs.dump() << pipeline_->logs();
  std::map<std::string, json> by_runtime_id;
  for (const json& run : runs) {
    json detail = agent(run);
    by_runtime_id[detail["run"]["runtime_id"].get<std::string>()] = detail;
  }
  int64_t input_tokens = 0, output_tokens = 0, requests = 0;
  for (const auto& [name, expected] : sent.items()) {
    SCOPED_TRACE(name);
    ASSERT_EQ(by_runtime_id.count(expected["runtime_id"].get<std::string>()), 1u);
    const json& detail = by_runtime_id[expected["runtime_id"].get<std::string>()];
    EXPECT_EQ(detail["run"]["outcome"], expected["outcome"]);
    EXPECT_EQ(detail["run"]["termination_reason"], expected["termination_reason"]);
    EXPECT_EQ(detail["run"]["agent_key"], "forecaster");
    // Usage per model request, in order, and the run's total.
    std::vector<std::pair<int64_t, int64_t>> reported;
    for (const json& op : detail["operations"]) {
      if (op["type"] == "model_request") reported.emplace_back(op["usage"]["input_tokens"], op["usage"]["output_tokens"]);
    }
    std::vector<std::pair<int64_t, int64_t>> scripted;
    int64_t in = 0, out_tokens = 0;
    for (const json& pair : expected["usage"]) {
      scripted.emplace_back(pair[0], pair[1]);
      in += pair[0].get<int64_t>();
      out_tokens += pair[1].get<int64_t>();
    }
    EXPECT_EQ(reported, scripted);
    EXPECT_EQ(detail["run"]["usage"]["source"], "run");
    EXPECT_EQ(detail["run"]["usage"]["input_tokens"], in);
    EXPECT_EQ(detail["run"]["usage"]["output_tokens"], out_tokens);
    input_tokens += in;
    output_tokens += out_tokens;
    requests += static_cast<int64_t>(scripted.size());
    int64_t sequence = 0;
    for (const json& op : detail["operations"]) EXPECT_EQ(op["sequence"], ++sequence) << "operations in sequence order";
  }
  const json& ok = by_runtime_id[sent["forecast-ok"]["runtime_id"].get<std::string>()];
  EXPECT_EQ(timeline(ok), (std::vector<std::string>{"model_request", "tool_call:lookup_city", "model_request", "tool_call:to_fahrenheit",
                                                    "model_request"}));
  EXPECT_EQ(ok["operations"][3]["arguments"], json({{"celsius", 12.5}}));
  EXPECT_EQ(ok["operations"][3]["result"], json({{"fahrenheit", 54.5}}));
  EXPECT_TRUE(ok["parent_run"].is_null()) << "run alone";
  const json& bad = by_runtime_id[sent["forecast-bad"]["runtime_id"].get<std::string>()];
  EXPECT_EQ(timeline(bad), (std::vector<std::string>{"model_request", "tool_call:to_fahrenheit"}));
  EXPECT_EQ(bad["operations"][1]["requested_arguments"], json({{"celsius", "warm"}}));
  EXPECT_TRUE(bad["operations"][1]["arguments"].is_null()) << "the arguments failed validation";
  EXPECT_EQ(bad["operations"][1]["status_code"], 2);
  EXPECT_EQ(bad["run"]["status_code"], 2);
  const json& nested = by_runtime_id[sent["forecast-nested"]["runtime_id"].get<std::string>()];
  ASSERT_TRUE(nested["parent_run"].is_object()) << nested.dump();
  EXPECT_EQ(nested["parent_run"]["span_type"], "workflow");
  EXPECT_EQ(nested["parent_run"]["name"], "AskWorkflow");

  json usage = model_usage(service, "scripted-forecaster");
  EXPECT_EQ(usage.value("calls", int64_t{0}), requests) << usage.dump();
  EXPECT_EQ(usage.value("input_tokens", int64_t{0}), input_tokens);
  EXPECT_EQ(usage.value("output_tokens", int64_t{0}), output_tokens);
}

}  // namespace
}  // namespace spanline::testing
