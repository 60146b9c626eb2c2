// Junjo agent runs (SDK 0.66) through the indexer's write side: what the
// decoder finds on the run span and on each operation span, and what the
// shard stores (in one transaction with the cursor, once, in any order, and
// what migration, retention and deletion do to it). The spans are the
// project's (tests/support/junjo_agent.h), built like the SDK's source sends
// them; agent_queries_test.cc reads them back.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/hex.h"
#include "stages/indexer/shard.h"
#include "stages/indexer/span_decoder.h"
#include "tests/support/junjo_agent.h"
#include "tests/support/temp_dir.h"

namespace spanline::indexer {
namespace {

using nlohmann::json;
using testing::kAgentOperationSpanHex;
using testing::kAgentRunSpanHex;

std::vector<SpanRecord> decoded(const testing::JunjoAgentOptions& options = {}) { return testing::junjo_agent_records(options); }

int64_t scalar(Shard& shard, const std::string& sql) {
  auto statement = shard.db().prepare(sql);
  EXPECT_TRUE(statement.is_ok()) << sql;
  if (!statement.is_ok()) return -1;
  auto row = statement->step();
  return row.is_ok() && *row ? statement->column_int(0) : -1;
}

std::string text(Shard& shard, const std::string& sql) {
  auto statement = shard.db().prepare(sql);
  EXPECT_TRUE(statement.is_ok()) << sql;
  if (!statement.is_ok()) return "?";
  auto row = statement->step();
  return row.is_ok() && *row ? statement->column_text(0) : "?";
}

TEST(AgentRuns, TheDecoderReadsTheRunSpanAsAnAgentRun) {
  auto records = decoded();
  const SpanRecord* run = testing::record_of(records, kAgentRunSpanHex);
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->junjo_span_type, "agent");
  ASSERT_TRUE(run->workflow.has_value());
  const WorkflowFacts& w = *run->workflow;
  EXPECT_EQ(w.span_type, "agent");
  EXPECT_EQ(w.contract_version, 2);
  EXPECT_EQ(w.runtime_id, testing::kAgentRuntimeId);
  EXPECT_EQ(w.store_id, "agent-store-51");
  EXPECT_EQ(json::parse(w.state_start)["model_request_count"], 0);
  EXPECT_EQ(json::parse(w.state_end)["model_request_count"], 2);
  EXPECT_FALSE(w.cancelled);
  ASSERT_FALSE(w.hook_errors.empty());
  EXPECT_EQ(json::parse(w.hook_errors),
            json::parse(R"([{"time_ns":1768467600039000000,"event":"terminal_dispatch","callback":"junjo.lifecycle.dispatcher",)"
                        R"("error.type":"RuntimeError","error.message":"observer failed"}])"));
  ASSERT_TRUE(w.agent.has_value());
  EXPECT_EQ(w.agent->key, "forecaster");
  EXPECT_EQ(w.agent->outcome, "failed");
  EXPECT_EQ(w.agent->termination_reason, "tool_input_validation_error");
  EXPECT_EQ(json::parse(w.agent->usage)["fields"]["inputTokens"]["sum"], 75);
  EXPECT_EQ(json::parse(w.agent->counts),
            json({{"operations", 4}, {"model_requests", 2}, {"tool_calls_requested", 2}, {"tool_calls_admitted", 1},
                  {"tool_calls_started", 1}, {"tool_calls_completed", 1}, {"limit_model_requests", 8}, {"limit_tool_calls", 32}}));
  EXPECT_TRUE(w.agent->terminal_commit_failure.empty());
  EXPECT_FALSE(run->agent_operation.has_value());
}

TEST(AgentRuns, TheDecoderReadsEachOperationInSequence) {
  auto records = decoded();
  std::vector<const AgentOperationFacts*> operations;
  for (const char* hex : kAgentOperationSpanHex) {
    const SpanRecord* r = testing::record_of(records, hex);
    ASSERT_NE(r, nullptr) << hex;
    ASSERT_TRUE(r->agent_operation.has_value()) << hex;
    EXPECT_FALSE(r->workflow.has_value()) << "an operation is not a run";
    operations.push_back(&*r->agent_operation);
  }
  for (size_t i = 0; i < operations.size(); ++i) {
    EXPECT_EQ(operations[i]->sequence, static_cast<int64_t>(i + 1));
    EXPECT_EQ(operations[i]->runtime_id, testing::kAgentRuntimeId);
  }
  const AgentOperationFacts& model = *operations[0];
  EXPECT_EQ(model.type, "model_request");
  EXPECT_EQ(model.model_ordinal, 1);
  EXPECT_EQ(model.model_name, testing::kAgentModelName);
  EXPECT_EQ(model.model_provider, "junjo-test");
  EXPECT_EQ(model.response_type, "tool_calls");
  EXPECT_EQ(model.state_revision, 1);
  EXPECT_EQ(json::parse(model.usage), json({{"v", 1}, {"inputTokens", 30}, {"outputTokens", 8}, {"totalTokens", 38}}));

  const AgentOperationFacts& tool = *operations[1];
  EXPECT_EQ(tool.type, "tool_call") << "the SDK's \"tool\" is listed as tool_call";
  EXPECT_EQ(tool.tool_name, "lookup_city");
  EXPECT_EQ(tool.tool_call_id, "call-1");
  EXPECT_EQ(tool.tool_call_ordinal, 1);
  EXPECT_EQ(json::parse(tool.requested_arguments), json({{"city", "Oslo"}}));
  EXPECT_EQ(json::parse(tool.arguments), json({{"city", "Oslo"}}));
  EXPECT_EQ(json::parse(tool.result), json({{"celsius", 12.5}}));
  EXPECT_EQ(tool.state_revision_before, 3);
  EXPECT_EQ(tool.state_revision_after, 4);

  const AgentOperationFacts& refused = *operations[3];
  EXPECT_EQ(refused.tool_name, "to_fahrenheit");
  EXPECT_EQ(json::parse(refused.requested_arguments), json({{"celsius", "warm"}}));
  EXPECT_TRUE(refused.arguments.empty()) << "arguments that failed validation have no validated form";
  EXPECT_TRUE(refused.result.empty());
  EXPECT_EQ(refused.result_unavailable_reason, "not_invoked");
}

TEST(AgentRuns, TheShardStoresTheRunAndItsOperationsOnceInAnyOrder) {
  testing::TempDir dir;
  auto shard = Shard::open(dir / "part-0.sqlite", 0);
  ASSERT_TRUE(shard.is_ok()) << shard.status().to_string();
  auto records = decoded();
  // The run span first, then the operations in two batches, the last twice (a replay).
  std::vector<SpanRecord> run, first, second;
  for (SpanRecord& r : records) {
    if (r.workflow) run.push_back(r);
    else if (first.size() < 2) first.push_back(r);
    else second.push_back(r);
  }
  ASSERT_TRUE((*shard)->apply({{1, 100, run}}, 1).is_ok());
  ASSERT_TRUE((*shard)->apply({{2, 100, second}}, 2).is_ok());
  ASSERT_TRUE((*shard)->apply({{3, 100, first}, {4, 100, second}}, 4).is_ok());
  Shard& s = **shard;
  EXPECT_EQ(s.cursor(), 4u);
  EXPECT_EQ(scalar(s, "SELECT count(*) FROM workflow_runs WHERE span_type = 'agent'"), 1);
  EXPECT_EQ(text(s, "SELECT outcome || '/' || termination_reason || '/' || agent_key || '/' || runtime_id FROM workflow_runs"),
            std::string("failed/tool_input_validation_error/forecaster/") + testing::kAgentRuntimeId);
  EXPECT_EQ(scalar(s, "SELECT status_code FROM workflow_runs"), 2);
  EXPECT_EQ(scalar(s, "SELECT state_change_count FROM workflow_runs"), 6) << "the agent store's set_state events count for the run";
  EXPECT_EQ(scalar(s, "SELECT count(*) FROM agent_operations"), 4);
  EXPECT_EQ(text(s, "SELECT group_concat(operation_type, ',') FROM (SELECT operation_type FROM agent_operations ORDER BY sequence)"),
            "model_request,tool_call,model_request,tool_call");
  EXPECT_EQ(scalar(s, "SELECT count(*) FROM agent_operations WHERE arguments IS NULL AND requested_arguments IS NOT NULL"), 1);

  // Retention takes the run, its operations and its state changes with the spans.
  ASSERT_TRUE(s.delete_received_before(200, 100).is_ok());
  EXPECT_EQ(scalar(s, "SELECT count(*) FROM workflow_runs"), 0);
  EXPECT_EQ(scalar(s, "SELECT count(*) FROM agent_operations"), 0);
  EXPECT_EQ(scalar(s, "SELECT count(*) FROM state_changes"), 0);
}

TEST(AgentRuns, DeletingTheServiceTakesItsAgentRuns) {
  testing::TempDir dir;
  auto shard = Shard::open(dir / "part-0.sqlite", 0);
  ASSERT_TRUE(shard.is_ok());
  ASSERT_TRUE((*shard)->apply({{1, 100, decoded()}}, 1).is_ok());
  ASSERT_TRUE((*shard)->delete_service("spanline-forecaster", INT64_MAX).is_ok());
  EXPECT_EQ(scalar(**shard, "SELECT count(*) FROM workflow_runs"), 0);
  EXPECT_EQ(scalar(**shard, "SELECT count(*) FROM agent_operations"), 0);
}

// A version 4 shard (before agents) gains the columns and the table on open,
// keeps its runs, and indexes agents from then on.
TEST(AgentRuns, AVersion4ShardIsMigratedOnOpen) {
  testing::TempDir dir;
  const std::string path = dir / "part-0.sqlite";
  {
    auto db = Database::open(path);
    ASSERT_TRUE(db.is_ok());
    ASSERT_TRUE((*db)->exec(R"sql(
      CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
      INSERT INTO meta VALUES('schema_version', '4'), ('partition', '0');
      CREATE TABLE workflow_runs(
        trace_id BLOB NOT NULL, span_id BLOB NOT NULL, parent_span_id BLOB, name TEXT, service TEXT, span_type TEXT,
        start_ns INTEGER, end_ns INTEGER, duration_ns INTEGER, status_code INTEGER, cancelled INTEGER,
        node_count INTEGER, state_change_count INTEGER NOT NULL DEFAULT 0, contract_version INTEGER,
        store_id TEXT, parent_store_id TEXT, state_start TEXT, state_end TEXT, graph TEXT, graph_format TEXT,
        received_ns INTEGER NOT NULL, PRIMARY KEY(trace_id, span_id));
      INSERT INTO workflow_runs(trace_id, span_id, name, span_type, received_ns) VALUES(x'01', x'02', 'old', 'workflow', 1);)sql")
                    .is_ok());
  }
  auto shard = Shard::open(path, 0);
  ASSERT_TRUE(shard.is_ok()) << shard.status().to_string();
  // Through version 5 (agent runs) to the latest (7: sessions, 8: the LLM usage rollup, 9: attribute postings,
  // 10: span bodies).
  EXPECT_EQ(scalar(**shard, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'schema_version'"), 10);
  EXPECT_EQ(text(**shard, "SELECT name FROM workflow_runs"), "old");
  EXPECT_EQ(scalar(**shard, "SELECT runtime_id IS NULL FROM workflow_runs"), 1);
  ASSERT_TRUE((*shard)->apply({{1, 100, decoded()}}, 1).is_ok());
  EXPECT_EQ(scalar(**shard, "SELECT count(*) FROM workflow_runs WHERE span_type = 'agent'"), 1);
  EXPECT_EQ(scalar(**shard, "SELECT count(*) FROM agent_operations"), 4);
  shard->reset();
  auto again = Shard::open(path, 0);
  ASSERT_TRUE(again.is_ok()) << "opening a migrated shard again changes nothing: " << again.status().to_string();
}

}  // namespace
}  // namespace spanline::indexer
