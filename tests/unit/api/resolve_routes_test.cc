// A Junjo stable link's answer: found (with its run page), not yet seen (202,
// Retry-After) until the asker has waited the bound, then 404; a runtime id of
// the other type is 404 at once; and partial answers never claim "no such run".
#include "stages/api/routes/resolve_routes.h"

#include <gtest/gtest.h>

namespace spanline::api {
namespace {

namespace wire = protocol::query;
using nlohmann::json;
using Found = Answer<std::vector<wire::ExecutableMatch>>;

const wire::ExecutableMatch kWorkflow{"5b1a0e000000000000000000000000a1", "5b1a0e0000000001", "workflow", "greeter_workflow", 10};
const wire::ExecutableMatch kSubflow{"5b1a0e000000000000000000000000a1", "5b1a0e0000000005", "subflow", "greeting_subflow", 11};
const wire::ExecutableMatch kAgent{"5b1a0e000000000000000000000000b1", "5b1a0e00000000b1", "agent", "weather_agent", 12};

ExecutableLink link(wire::ExecutableType type, int64_t waited_ms = 0) { return {"greeter", "run-1", type, waited_ms}; }

TEST(ResolveExecutable, AWorkflowRunIsFoundWithItsRunPage) {
  ApiReply reply = resolve_reply(link(wire::ExecutableType::workflow), Found{.value = {kWorkflow}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  const json body = json::parse(reply.body);
  EXPECT_EQ(body["state"], "found");
  EXPECT_EQ(body["path"], "/workflows/5b1a0e000000000000000000000000a1/5b1a0e0000000001");
  EXPECT_EQ(body["trace_id"], kWorkflow.trace_id);
  EXPECT_EQ(body["span_id"], kWorkflow.span_id);
  EXPECT_EQ(body["span_type"], "workflow");
  EXPECT_EQ(body["name"], "greeter_workflow");
  EXPECT_EQ(body["runtime_id"], "run-1");
  EXPECT_EQ(body["executable_type"], "workflow");
  EXPECT_EQ(body["partial"], false);
}

TEST(ResolveExecutable, ASubflowIsAWorkflowAndAnAgentOpensItsRunPage) {
  ApiReply subflow = resolve_reply(link(wire::ExecutableType::workflow), Found{.value = {kSubflow}});
  ASSERT_EQ(subflow.status, 200);
  EXPECT_EQ(json::parse(subflow.body)["path"], "/workflows/5b1a0e000000000000000000000000a1/5b1a0e0000000005");
  ApiReply agent = resolve_reply(link(wire::ExecutableType::agent), Found{.value = {kWorkflow, kAgent}});
  ASSERT_EQ(agent.status, 200);
  EXPECT_EQ(json::parse(agent.body)["path"], "/agents/5b1a0e000000000000000000000000b1/5b1a0e00000000b1");
}

TEST(ResolveExecutable, NotYetSeenUntilTheBoundThenNoSuchRun) {
  ApiReply pending = resolve_reply(link(wire::ExecutableType::workflow, kResolveWaitBoundMs - 1), Found{});
  ASSERT_EQ(pending.status, 202) << pending.body;
  EXPECT_EQ(pending.retry_after, std::to_string(kResolveRetryAfterSeconds));
  const json body = json::parse(pending.body);
  EXPECT_EQ(body["state"], "not_yet_seen");
  EXPECT_EQ(body["gives_up_after_ms"], kResolveWaitBoundMs);
  EXPECT_EQ(body["waited_ms"], kResolveWaitBoundMs - 1);
  EXPECT_NE(body["message"].get<std::string>().find("run-1"), std::string::npos);

  ApiReply gone = resolve_reply(link(wire::ExecutableType::workflow, kResolveWaitBoundMs), Found{});
  ASSERT_EQ(gone.status, 404) << gone.body;
  EXPECT_NE(gone.body.find("no workflow run with runtime id 'run-1' of service 'greeter' arrived within 120 s"), std::string::npos)
      << gone.body;
}

TEST(ResolveExecutable, TheOtherTypeIsNoSuchRunAtOnce) {
  ApiReply reply = resolve_reply(link(wire::ExecutableType::agent), Found{.value = {kWorkflow}});
  ASSERT_EQ(reply.status, 404) << reply.body;
  EXPECT_NE(reply.body.find("names the workflow run 'greeter_workflow'"), std::string::npos) << reply.body;
}

TEST(ResolveExecutable, PartitionsThatDidNotAnswerKeepItPendingAndNeverMakeIt404) {
  ApiReply pending = resolve_reply(link(wire::ExecutableType::workflow), Found{.missing = {2}});
  ASSERT_EQ(pending.status, 202);
  EXPECT_EQ(json::parse(pending.body)["missing_partitions"], json::array({2}));
  ApiReply past = resolve_reply(link(wire::ExecutableType::workflow, kResolveWaitBoundMs), Found{.missing = {2}});
  EXPECT_EQ(past.status, 503) << past.body;
  EXPECT_EQ(json::parse(past.body)["missing_partitions"], json::array({2}));
  ApiReply none = resolve_reply(link(wire::ExecutableType::workflow),
                                Found{.status = Status(Code::unavailable, "no indexer answered"), .missing = {0, 1}});
  EXPECT_EQ(none.status, 503);
}

}  // namespace
}  // namespace spanline::api
