// The query hop's agent parts: the run type agent, the agent query, and its
// reply (the spans passed through as text, the rest as JSON).
#include <gtest/gtest.h>

#include "protocol/query/query_messages.h"

namespace spanline::protocol::query {
namespace {

TEST(AgentQueryMessages, TheAgentKindAndTheAgentRunTypeSurviveTheWire) {
  auto decoded = decode_request(encode(QueryRequest{{2}, AgentQuery{std::string(32, 'A'), std::string(16, 'b')}}));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(kind_of(decoded->query), "agent");
  EXPECT_EQ(std::get<AgentQuery>(decoded->query).trace_id, std::string(32, 'a')) << "ids are read in lower case";
  EXPECT_FALSE(decode_query("agent", {{"trace_id", "xyz"}, {"span_id", std::string(16, 'b')}}).is_ok());

  WorkflowsQuery runs;
  runs.type = RunType::agent;
  auto listed = decode_request(encode(QueryRequest{{0}, runs}));
  ASSERT_TRUE(listed.is_ok());
  EXPECT_EQ(std::get<WorkflowsQuery>(listed->query).type, RunType::agent);
  EXPECT_EQ(run_type_named("agent"), RunType::agent);
  EXPECT_EQ(name_of(RunType::agent), "agent");
  EXPECT_EQ(decode_query("workflows", {{"span_type", "robot"}}).status().message(), "span_type must be workflow, subflow or agent");
}

TEST(AgentQueryMessages, TheAgentReplyRoundTripsWithItsSpansAsSent) {
  AgentReply reply;
  reply.run = {{"span_type", "agent"}, {"outcome", "failed"}};
  reply.operations = json::array({{{"sequence", 1}, {"type", "model_request"}}});
  reply.parent_run = {{"span_type", "workflow"}};
  reply.state_changes = json::array({{{"event_index", 0}}});
  reply.spans = R"([{"name":"model request 1","attributes":{"a" : 1}}])";
  auto decoded = decode<AgentReply>(encode(reply));
  ASSERT_TRUE(decoded.is_ok());
  EXPECT_EQ(decoded->run, reply.run);
  EXPECT_EQ(decoded->operations, reply.operations);
  EXPECT_EQ(decoded->parent_run, reply.parent_run);
  EXPECT_EQ(decoded->state_changes, reply.state_changes);
  EXPECT_EQ(decoded->spans, reply.spans) << "byte for byte";

  AgentReply none;  // no such agent run: null run and parent
  auto empty = decode<AgentReply>(encode(none));
  ASSERT_TRUE(empty.is_ok());
  EXPECT_TRUE(empty->run.is_null());
  EXPECT_TRUE(empty->parent_run.is_null());
  EXPECT_FALSE(decode<AgentReply>("[1]").is_ok());
}

}  // namespace
}  // namespace spanline::protocol::query
