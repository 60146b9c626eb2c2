// A stable link's lookup (kind "executables"): the executable spans carrying a
// Junjo runtime id in a service, found through the attribute postings
// without scanning a table, whatever the contract version of the span.
#include "stages/indexer/query/executable_lookup.h"

#include <gtest/gtest.h>

#include "base/hex.h"
#include "stages/indexer/query/shard_queries.h"
#include "stages/indexer/shard.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/indexer/search_pages.h"

namespace spanline::indexer::query {
namespace {

using namespace std::chrono_literals;
namespace wire = protocol::query;

// A span of trace `trace`, with a string attribute `key` = `value` (on an event when `on_event`).
SpanRecord junjo_span(int trace, int id, const std::string& service, const std::string& span_type, const std::string& key,
                      const std::string& value, bool on_event = false) {
  SpanRecord r;
  r.trace_id = std::string(15, '\0') + static_cast<char>(trace);
  r.span_id = std::string(7, '\0') + static_cast<char>(id);
  r.service = service;
  r.name = span_type + "-" + std::to_string(id);
  r.start_ns = 1000 + id;
  r.end_ns = 2000 + id;
  r.attributes_json = r.events_json = r.links_json = r.resource_json = r.scope_json = "{}";
  r.junjo_span_type = span_type;
  r.attributes.push_back({"junjo.span_type", ValueType::string, span_type, 0, false});
  r.attributes.push_back({key, ValueType::string, value, 0, on_event});
  return r;
}

class ExecutableLookup : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_ / "part-0.sqlite";
    auto shard = Shard::open(path_, 0);
    ASSERT_TRUE(shard.is_ok()) << shard.status().to_string();
    BatchEntry entry{1, 1, {}};
    entry.spans = {
        junjo_span(1, 1, "greeter", "workflow", "junjo.executable_runtime_id", "run-v2"),   // contract v2
        junjo_span(2, 2, "greeter", "workflow", "junjo.id", "run-v1"),                      // contract v1
        junjo_span(3, 3, "greeter", "subflow", "junjo.executable_runtime_id", "sub-1"),
        junjo_span(4, 4, "greeter", "agent", "junjo.executable_runtime_id", "agent-1"),
        junjo_span(5, 5, "other", "workflow", "junjo.executable_runtime_id", "run-v2"),     // same id, other service
        junjo_span(6, 6, "greeter", "node", "junjo.executable_runtime_id", "node-1"),       // not an executable a link names
        junjo_span(7, 7, "greeter", "workflow", "junjo.executable_runtime_id", "on-event", true),
        junjo_span(8, 8, "greeter", "workflow", "junjo.parent_executable_runtime_id", "run-parent"),
    };
    // The agent span carries its id twice (the executable's and the agent's); it is one match.
    entry.spans[3].attributes.push_back({"junjo.id", ValueType::string, "agent-1", 0, false});
    ASSERT_TRUE((*shard)->apply({entry}, 1).is_ok());
  }

  wire::ExecutablesReply lookup(const std::string& service, const std::string& runtime_id) {
    auto reader = ShardReader::open(path_, 0);
    EXPECT_TRUE(reader.is_ok());
    QueryBudget budget(SteadyClock::now() + 5s, 1 << 20);
    auto answer = (*reader)->run(wire::Query(wire::ExecutableQuery{service, runtime_id}), budget);
    EXPECT_TRUE(answer.is_ok()) << answer.status().to_string();
    auto reply = wire::decode<wire::ExecutablesReply>(answer.is_ok() ? *answer : "{}");
    EXPECT_TRUE(reply.is_ok());
    return reply.is_ok() ? *reply : wire::ExecutablesReply{};
  }

  testing::TempDir dir_;
  std::string path_;
};

TEST_F(ExecutableLookup, FindsTheRunSpanByEitherContractsRuntimeIdInItsServiceOnly) {
  auto v2 = lookup("greeter", "run-v2");
  ASSERT_EQ(v2.executables.size(), 1u);
  EXPECT_EQ(v2.executables[0].trace_id, "00000000000000000000000000000001");
  EXPECT_EQ(v2.executables[0].span_id, "0000000000000001");
  EXPECT_EQ(v2.executables[0].span_type, "workflow");
  EXPECT_EQ(v2.executables[0].name, "workflow-1");
  EXPECT_EQ(v2.executables[0].start_ns, 1001);
  auto v1 = lookup("greeter", "run-v1");
  ASSERT_EQ(v1.executables.size(), 1u);
  EXPECT_EQ(v1.executables[0].span_id, "0000000000000002");
  EXPECT_EQ(lookup("greeter", "sub-1").executables.at(0).span_type, "subflow");
  auto agent = lookup("greeter", "agent-1");
  ASSERT_EQ(agent.executables.size(), 1u) << "one span, though two of its attributes hold the id";
  EXPECT_EQ(agent.executables[0].span_type, "agent");
  EXPECT_EQ(lookup("other", "run-v2").executables.at(0).span_id, "0000000000000005");
}

TEST_F(ExecutableLookup, NodesEventsParentIdsAndUnknownIdsFindNothing) {
  EXPECT_TRUE(lookup("greeter", "node-1").executables.empty()) << "a node is not what a link names";
  EXPECT_TRUE(lookup("greeter", "on-event").executables.empty()) << "an event's attribute is not the span's id";
  EXPECT_TRUE(lookup("greeter", "run-parent").executables.empty()) << "a parent's id is not the span's own";
  EXPECT_TRUE(lookup("greeter", "no-such-run").executables.empty());
  EXPECT_TRUE(lookup("nobody", "run-v2").executables.empty());
}

TEST_F(ExecutableLookup, UsesTheAttributeIndexAndScansNoTable) {
  auto shard = Database::open(path_, true);
  ASSERT_TRUE(shard.is_ok());
  auto hash = attributes::ValueHash::of_shard(**shard);
  ASSERT_TRUE(hash.is_ok()) << hash.status().to_string();
  auto plan = (*shard)->prepare("EXPLAIN QUERY PLAN " + executable_lookup_sql());
  ASSERT_TRUE(plan.is_ok()) << plan.status().to_string();
  bind_executable_lookup(*plan, wire::ExecutableQuery{"greeter", "run-v2"}, *hash);
  auto read = test::query_plan(*plan);
  ASSERT_TRUE(read.is_ok()) << read.status().to_string();
  const auto& [steps, scans] = *read;
  EXPECT_NE(steps.find("SEARCH p USING PRIMARY KEY (bucket=? AND key_id=? AND value_hash=?)"), std::string::npos) << steps;
  EXPECT_NE(steps.find("SEARCH s USING INTEGER PRIMARY KEY (rowid=?)"), std::string::npos) << steps;
  // The only scans are of the bucket numbers the postings are probed with (`b`, and its first row).
  for (const std::string& scan : scans) EXPECT_TRUE(scan == "SCAN b" || scan == "SCAN CONSTANT ROW") << steps;
}

}  // namespace
}  // namespace spanline::indexer::query
