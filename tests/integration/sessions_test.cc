// Sessions through the real pipeline (gateway, WAL, two indexers, api): the
// real OpenTelemetry JS SDK (tests/js/session-spans.mjs) sends three chat
// sessions marked as applications mark them (session.id on every span,
// gen_ai.conversation.id on the LLM span only, session.id on the root only),
// one trace per turn, so a session's turns land in several partitions owned
// by two indexers. The sessions list, one session's turns with their tokens,
// and the trace search by session and by user must add them up across
// partitions.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "base/hex.h"
#include "protocol/wal/partitions.h"
#include "tests/support/api_suite.h"
#include "tests/support/http_client.h"
#include "tests/support/pipeline.h"
#include "tests/support/process.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class Sessions : public ApiSuite<Sessions> {
 public:
  static PipelineOptions pipeline_options() { return {.indexers = {"0,1", "2,3"}, .api = true}; }

 protected:
  static json get(const std::string& target) {
    HttpResponse response = http_get(pipeline_->api_port(), target, pipeline_->signed_in());
    EXPECT_EQ(response.status, 200) << target << "\n" << response.body;
    json body = json::parse(response.body, nullptr, false);
    return body.is_discarded() ? json(nullptr) : body;
  }
  static std::set<std::string> trace_ids(const json& answer) {
    std::set<std::string> ids;
    for (const json& t : answer["traces"]) ids.insert(t["trace_id"].get<std::string>());
    return ids;
  }
};

TEST_F(Sessions, ListTurnsAndTraceFiltersAcrossPartitions) {
  const std::string service = "sessions-js";
  std::string out;
  int rc = run_js_sender("session-spans.mjs", service, &out);
  ASSERT_EQ(rc, 0) << out << pipeline_->logs();
  const json sent = json::parse(out)["traces"];
  const std::vector<std::string> chat = sent["chat-s1"];
  ASSERT_EQ(chat.size(), 6u);
  std::set<uint32_t> partitions;
  for (const std::string& id : chat) partitions.insert(wal::partition_of(*from_hex(id), pipeline_->partitions()));
  // Random trace ids: all six in one partition has a chance of 4^-5; say so rather than pass vacuously.
  ASSERT_GE(partitions.size(), 2u) << "the SDK's random trace ids all fell in one partition: rerun";

  // Every trace indexed: the sessionless one is the last sent.
  const std::string everything = "/api/v1/traces?lookback=1h&limit=100&service=" + service;
  ASSERT_TRUE(wait_until([&] { return trace_ids(get(everything)).size() == 10; }, 30s)) << pipeline_->logs();

  const json list = get("/api/v1/sessions?lookback=1h&service=" + service);
  ASSERT_EQ(list["sessions"].size(), 3u) << list.dump();
  EXPECT_EQ(list["partial"], false);
  std::vector<std::string> order;
  std::map<std::string, json> by_id;
  for (const json& s : list["sessions"]) {
    order.push_back(s["session_id"]);
    by_id[s["session_id"]] = s;
  }
  EXPECT_EQ(order, (std::vector<std::string>{"lf-s3", "conv-s2", "chat-s1"})) << "newest first by last seen";
  const json& s1 = by_id["chat-s1"];
  EXPECT_EQ(s1["turns"], 6);
  EXPECT_EQ(s1["error_turns"], 1);
  EXPECT_EQ(s1["llm_calls"], 6);
  EXPECT_EQ(s1["input_tokens"], 210);  // 10 x (1 + ... + 6)
  EXPECT_EQ(s1["output_tokens"], 21);
  EXPECT_EQ(s1["total_tokens"], 231);
  EXPECT_EQ(s1["users"], json::array({"user-a"}));
  EXPECT_EQ(s1["services"], json::array({service}));
  EXPECT_EQ(s1["cost"], nullptr) << "no cost sent and no price: no price, never 0";
  EXPECT_EQ(by_id["conv-s2"]["turns"], 2);
  EXPECT_EQ(by_id["conv-s2"]["users"], json::array({"user-b"})) << "the user from the root, the session from the LLM span";
  EXPECT_EQ(by_id["conv-s2"]["total_tokens"], 240);
  EXPECT_EQ(by_id["lf-s3"]["users"], json::array({"user-c"}));
  EXPECT_EQ(by_id["lf-s3"]["llm_calls"], 1) << "the session on the root only takes its LLM call below";
  EXPECT_DOUBLE_EQ(by_id["lf-s3"]["cost"].get<double>(), 0.25);
  EXPECT_EQ(by_id["lf-s3"]["cost_calls"], 1);

  // Filters: a user, an id prefix; paging one at a time sees each session once, in order.
  const json of_b = get("/api/v1/sessions?lookback=1h&user_id=user-b");
  ASSERT_EQ(of_b["sessions"].size(), 1u);
  EXPECT_EQ(of_b["sessions"][0]["session_id"], "conv-s2");
  EXPECT_EQ(get("/api/v1/sessions?lookback=1h&q=chat-")["sessions"].size(), 1u);
  std::vector<std::string> paged;
  std::string cursor;
  for (int page = 0; page < 5; ++page) {
    const json answer = get("/api/v1/sessions?lookback=1h&limit=1&service=" + service + (cursor.empty() ? "" : "&cursor=" + cursor));
    for (const json& s : answer["sessions"]) paged.push_back(s["session_id"]);
    if (answer["next_cursor"].is_null()) break;
    cursor = answer["next_cursor"];
  }
  EXPECT_EQ(paged, order);

  // One session: its six turns in time order, each its trace, with its tokens and messages.
  const json session = get("/api/v1/sessions/chat-s1");
  ASSERT_EQ(session["turns"].size(), 6u) << session.dump();
  for (size_t i = 0; i < 6; ++i) {
    const json& turn = session["turns"][i];
    EXPECT_EQ(turn["trace_id"], chat[i]) << "turn " << i;
    EXPECT_EQ(turn["root_name"], "chat turn");
    EXPECT_EQ(turn["llm_calls"], 1);
    EXPECT_EQ(turn["total_tokens"], 11 * static_cast<int>(i + 1));
    EXPECT_EQ(turn["duration_ns"], 400'000'000);
    EXPECT_EQ(turn["status"], i == 2 ? "error" : "ok");
    EXPECT_EQ(turn["user_message"], "question " + std::to_string(i + 1));
    EXPECT_EQ(turn["assistant_message"], "answer " + std::to_string(i + 1));
  }
  EXPECT_EQ(session["totals"]["turns"], 6);
  EXPECT_EQ(session["totals"]["total_tokens"], 231);
  EXPECT_EQ(http_get(pipeline_->api_port(), "/api/v1/sessions/no-such-session", pipeline_->signed_in()).status, 404);

  // The trace search by session and by user (a user's traces include those in no session).
  EXPECT_EQ(trace_ids(get("/api/v1/traces?lookback=1h&session_id=chat-s1")), std::set<std::string>(chat.begin(), chat.end()));
  std::set<std::string> of_a(chat.begin(), chat.end());
  of_a.insert(sent["none"][0].get<std::string>());
  EXPECT_EQ(trace_ids(get("/api/v1/traces?lookback=1h&limit=100&user_id=user-a")), of_a);
  EXPECT_EQ(trace_ids(get("/api/v1/traces?lookback=1h&session_id=conv-s2")).size(), 2u);
}

}  // namespace
}  // namespace spanline::testing
