// Junjo agent runs (SDK 0.66) read back from a shard: what the agent query
// answers (operations in order, usage, outcome, parent run), the runs list's
// type agent, and how the LLM usage counts the agent's model requests (once,
// also when the driver's own call is traced below them). The spans are the
// project's (tests/support/junjo_agent.h).
#include <gtest/gtest.h>

#include <map>

#include <nlohmann/json.hpp>

#include "base/hex.h"
#include "stages/indexer/query/shard_queries.h"
#include "stages/indexer/shard.h"
#include "stages/indexer/span_decoder.h"
#include "tests/support/junjo_agent.h"
#include "tests/support/temp_dir.h"

namespace spanline::indexer {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::kAgentOperationSpanHex;
using testing::kAgentRunSpanHex;

std::vector<SpanRecord> decoded(const testing::JunjoAgentOptions& options = {}) { return testing::junjo_agent_records(options); }

class AgentQueries : public ::testing::Test {
 protected:
  void index(const testing::JunjoAgentOptions& options) {
    auto shard = Shard::open(path_, 0);
    ASSERT_TRUE(shard.is_ok());
    ASSERT_TRUE((*shard)->apply({{1, 100, decoded(options)}}, 1).is_ok());
  }
  json run(std::string_view kind, const json& params) {
    auto reader = query::ShardReader::open(path_, 0);
    EXPECT_TRUE(reader.is_ok());
    if (!reader.is_ok()) return nullptr;
    auto answer = (*reader)->run(kind, params, SteadyClock::now() + 5s);
    EXPECT_TRUE(answer.is_ok()) << answer.status().to_string();
    return answer.is_ok() ? json::parse(*answer) : json(nullptr);
  }
  testing::TempDir dir_;
  std::string path_ = dir_ / "part-0.sqlite";
};

TEST_F(AgentQueries, TheAgentAnswerHasTheOperationsInOrderWithUsageAndTheParentRun) {
  testing::JunjoAgentOptions options;
  options.inside_workflow = true;
  index(options);
  const json answer = run("agent", {{"trace_id", options.trace_id_hex}, {"span_id", kAgentRunSpanHex}});
  const json& agent = answer["run"];
  EXPECT_EQ(agent["span_type"], "agent");
  EXPECT_EQ(agent["name"], "Forecaster");
  EXPECT_EQ(agent["outcome"], "failed");
  EXPECT_EQ(agent["termination_reason"], "tool_input_validation_error");
  EXPECT_EQ(agent["usage"], json({{"source", "run"}, {"model_responses", 2}, {"input_tokens", 75}, {"output_tokens", 17},
                                  {"total_tokens", 92}}));
  EXPECT_EQ(agent["counts"]["tool_calls_requested"], 2);
  EXPECT_EQ(agent["hook_errors"].size(), 1u);
  EXPECT_TRUE(agent["terminal_commit_failure"].is_null());
  EXPECT_EQ(agent["state_end"]["tool_call_completed_count"], 1);

  const json& operations = answer["operations"];
  ASSERT_EQ(operations.size(), 4u);
  std::vector<std::string> timeline;
  for (const json& op : operations) timeline.push_back(op["type"].get<std::string>() + ":" + op["name"].get<std::string>());
  EXPECT_EQ(timeline, (std::vector<std::string>{"model_request:model request 1", "tool_call:tool lookup_city",
                                                "model_request:model request 2", "tool_call:tool to_fahrenheit"}));
  EXPECT_EQ(operations[0]["span_id"], kAgentOperationSpanHex[0]);
  EXPECT_EQ(operations[0]["usage"], json({{"input_tokens", 30}, {"output_tokens", 8}, {"total_tokens", 38}}));
  EXPECT_EQ(operations[2]["usage"]["input_tokens"], 45);
  EXPECT_TRUE(operations[1]["usage"].is_null());
  EXPECT_EQ(operations[1]["arguments"], json({{"city", "Oslo"}}));
  EXPECT_EQ(operations[1]["result"], json({{"celsius", 12.5}}));
  EXPECT_EQ(operations[3]["requested_arguments"], json({{"celsius", "warm"}}));
  EXPECT_TRUE(operations[3]["arguments"].is_null());
  EXPECT_EQ(operations[3]["status_code"], 2);
  EXPECT_EQ(operations[3]["result_unavailable_reason"], "not_invoked");

  ASSERT_TRUE(answer["parent_run"].is_object()) << "the agent ran inside a workflow's node";
  EXPECT_EQ(answer["parent_run"]["span_id"], testing::kAgentWorkflowSpanHex);
  EXPECT_EQ(answer["parent_run"]["span_type"], "workflow");
  EXPECT_EQ(answer["state_changes"].size(), 6u);
  EXPECT_EQ(answer["spans"].size(), 5u) << "the run span and its four operations";

  // Listed with the runs under the type agent; the workflow query does not answer for it.
  const json agents = run("workflows", {{"span_type", "agent"}});
  ASSERT_EQ(agents["runs"].size(), 1u);
  EXPECT_EQ(agents["runs"][0]["span_id"], kAgentRunSpanHex);
  EXPECT_EQ(agents["runs"][0]["outcome"], "failed") << "a list item says how the agent ended";
  EXPECT_EQ(agents["runs"][0]["termination_reason"], "tool_input_validation_error");
  EXPECT_EQ(agents["runs"][0]["runtime_id"], testing::kAgentRuntimeId);
  EXPECT_EQ(run("workflows", json::object())["runs"][0]["runtime_id"], "workflow-run-1") << "a workflow's runtime id too";
  EXPECT_FALSE(run("workflows", json::object())["runs"][0].contains("outcome"));
  EXPECT_EQ(run("workflows", json::object())["runs"].size(), 1u) << "the workflow itself";
  EXPECT_TRUE(run("workflow", {{"trace_id", options.trace_id_hex}, {"span_id", kAgentRunSpanHex}})["run"].is_null());
}

TEST_F(AgentQueries, AnAgentAloneHasNoParentAndAWorkflowIsNotAnAgent) {
  testing::JunjoAgentOptions options;
  index(options);
  const json answer = run("agent", {{"trace_id", options.trace_id_hex}, {"span_id", kAgentRunSpanHex}});
  EXPECT_TRUE(answer["parent_run"].is_null());
  EXPECT_TRUE(run("agent", {{"trace_id", options.trace_id_hex}, {"span_id", kAgentOperationSpanHex[0]}})["run"].is_null());
}

// A workflow whose hook failed: the run still succeeds, and its detail says
// which hook failed and how (a workflow without one says none).
TEST_F(AgentQueries, AWorkflowsDetailHasItsHookErrors) {
  testing::JunjoAgentOptions options;
  options.inside_workflow = true;
  auto request = testing::junjo_agent_request(options);
  for (auto& scope : *request.mutable_resource_spans(0)->mutable_scope_spans()) {
    for (auto& span : *scope.mutable_spans()) {
      if (to_hex(span.span_id()) != testing::kAgentWorkflowSpanHex) continue;
      auto* hook = span.add_events();
      hook->set_name("junjo.hook_error");
      hook->set_time_unix_nano(span.end_time_unix_nano());
      for (auto [key, value] : {std::pair{"junjo.hook.event", "workflow_completed"}, {"junjo.hook.callback", "notify_slack"},
                                {"junjo.hook.error.type", "TimeoutError"}, {"junjo.hook.error.message", "slack did not answer"}}) {
        auto* attribute = hook->add_attributes();
        attribute->set_key(key);
        attribute->mutable_value()->set_string_value(value);
      }
    }
  }
  auto records = decode_spans(request.SerializeAsString());
  ASSERT_TRUE(records.is_ok()) << records.status().to_string();
  {
    auto shard = Shard::open(path_, 0);
    ASSERT_TRUE(shard.is_ok());
    ASSERT_TRUE((*shard)->apply({{1, 100, std::move(records.value())}}, 1).is_ok());
  }
  const json workflow = run("workflow", {{"trace_id", options.trace_id_hex}, {"span_id", testing::kAgentWorkflowSpanHex}})["run"];
  ASSERT_EQ(workflow["hook_errors"].size(), 1u) << workflow.dump();
  EXPECT_EQ(workflow["hook_errors"][0]["event"], "workflow_completed");
  EXPECT_EQ(workflow["hook_errors"][0]["callback"], "notify_slack");
  EXPECT_EQ(workflow["hook_errors"][0]["error.type"], "TimeoutError");
  EXPECT_EQ(workflow["hook_errors"][0]["error.message"], "slack did not answer");
}

TEST_F(AgentQueries, AWorkflowWithoutHookErrorsSaysNone) {
  testing::JunjoAgentOptions options;
  options.inside_workflow = true;
  index(options);
  const json workflow = run("workflow", {{"trace_id", options.trace_id_hex}, {"span_id", testing::kAgentWorkflowSpanHex}})["run"];
  EXPECT_EQ(workflow["hook_errors"], json::array());
}

// The model requests count in the LLM usage under their model, with their
// tokens; the run span and the tool calls do not.
TEST_F(AgentQueries, TheLlmUsageCountsTheAgentsModelRequests) {
  index({});
  const json usage = run("llm_usage", json::object())["usage"];
  ASSERT_EQ(usage.size(), 1u) << usage.dump();
  EXPECT_EQ(usage[0]["model"], testing::kAgentModelName);
  EXPECT_EQ(usage[0]["calls"], 2);
  EXPECT_EQ(usage[0]["input_tokens"], 75);
  EXPECT_EQ(usage[0]["output_tokens"], 17);
  const json spans = run("span", {{"trace_id", testing::JunjoAgentOptions{}.trace_id_hex}, {"span_id", kAgentOperationSpanHex[0]}});
  // The record's four first fields (it has more: tests/unit/llm/llm_record_test.cc).
  const json& llm = spans["spans"][0]["llm"];
  EXPECT_EQ(json({{"model", llm["model"]}, {"provider", llm["provider"]}, {"input_tokens", llm["input_tokens"]},
                  {"output_tokens", llm["output_tokens"]}}),
            json({{"model", testing::kAgentModelName}, {"provider", "junjo-test"}, {"input_tokens", 30}, {"output_tokens", 8}}));
}

// A driver whose own call is traced below the model request (an OpenAI client
// span with the GenAI keys) is one call, counted under the traced model.
TEST_F(AgentQueries, AModelRequestWithATracedCallBelowItCountsOnce) {
  testing::JunjoAgentOptions options;
  auto records = decoded(options);
  SpanRecord call = *testing::record_of(records, kAgentOperationSpanHex[0]);
  call.span_id = std::string(7, '\0') + '\x77';
  call.parent_span_id = *from_hex(kAgentOperationSpanHex[0]);
  call.agent_operation.reset();
  call.state_changes.clear();
  call.attributes_json = R"({"gen_ai.request.model":"gpt-4o","gen_ai.usage.input_tokens":31,"gen_ai.usage.output_tokens":8})";
  call.attributes = {{"gen_ai.request.model", ValueType::string, "gpt-4o", 0, false}};
  records.push_back(call);
  {
    auto shard = Shard::open(path_, 0);
    ASSERT_TRUE(shard.is_ok());
    ASSERT_TRUE((*shard)->apply({{1, 100, records}}, 1).is_ok());
  }
  std::map<std::string, int64_t> calls;
  const json usage = run("llm_usage", json::object());
  for (const json& row : usage["usage"]) calls[row["model"].get<std::string>()] += row["calls"].get<int64_t>();
  EXPECT_EQ(calls, (std::map<std::string, int64_t>{{"gpt-4o", 1}, {testing::kAgentModelName, 1}}))
      << "model request 1 is counted as its traced call; model request 2 has none below it";
}

}  // namespace
}  // namespace spanline::indexer
