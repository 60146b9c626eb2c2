// Sessions (stages/indexer/sessions/): which traces a session holds, decided
// from every span as it is indexed, whatever the order; the session queries.
#include <gtest/gtest.h>

#include "base/hex.h"
#include "stages/indexer/query/shard_queries.h"
#include "stages/indexer/shard.h"
#include "tests/support/temp_dir.h"

namespace spanline::indexer {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

std::string trace_hex(int trace) {
  char text[33];
  std::snprintf(text, sizeof text, "%032x", trace);
  return text;
}

// A span of `trace`: its attributes given as string key/values (both the
// stored JSON and the typed rows, as the decoder makes them).
SpanRecord span_of(int trace, int span, int parent, int64_t start_s, std::vector<std::pair<std::string, std::string>> attributes,
                   std::string resource_json = "{}") {
  SpanRecord r;
  r.trace_id = *from_hex(trace_hex(trace));
  r.span_id = std::string(7, '\0') + static_cast<char>(span);
  if (parent) r.parent_span_id = std::string(7, '\0') + static_cast<char>(parent);
  r.service = "chat";
  r.name = parent ? "child" : "turn";
  r.start_ns = start_s * 1'000'000'000;
  r.end_ns = r.start_ns + 500'000'000;
  json object = json::object();
  for (const auto& [key, value] : attributes) {
    object[key] = value;
    r.attributes.push_back({key, ValueType::string, value, 0, false});
  }
  r.attributes_json = object.dump();
  r.events_json = "[]";
  r.links_json = r.scope_json = "{}";
  r.resource_json = std::move(resource_json);
  return r;
}

class Sessions : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Shard::open(path_, 0);
    ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
    shard_ = std::move(opened.value());
  }
  void index(std::vector<SpanRecord> spans) {
    ++sequence_;
    auto applied = shard_->apply({BatchEntry{sequence_, sequence_, std::move(spans)}}, sequence_);
    ASSERT_TRUE(applied.is_ok()) << applied.status().to_string();
  }
  json run(std::string_view kind, const json& params) {
    auto reader = query::ShardReader::open(path_, 0);
    EXPECT_TRUE(reader.is_ok());
    auto answer = (*reader)->run(kind, params, SteadyClock::now() + 5s);
    EXPECT_TRUE(answer.is_ok()) << answer.status().to_string();
    return answer.is_ok() ? json::parse(*answer) : json::object();
  }
  // (session, trace hex, user) rows of session_traces, in key order.
  std::vector<std::tuple<std::string, std::string, std::string>> rows() {
    std::vector<std::tuple<std::string, std::string, std::string>> found;
    auto select = shard_->db().prepare("SELECT session_id, trace_id, coalesce(user_id, '-') FROM session_traces ORDER BY 1, 2");
    EXPECT_TRUE(select.is_ok());
    while (*select->step()) found.emplace_back(select->column_text(0), to_hex(select->column_text(1)), select->column_text(2));
    return found;
  }
  std::vector<std::string> sessions_page(json params = json::object()) {
    std::vector<std::string> ids;
    const json answer = run("sessions", params);
    for (const json& s : answer["sessions"]) ids.push_back(s["session_id"]);
    return ids;
  }
  std::vector<std::string> search(const json& params) {
    std::vector<std::string> ids;
    const json answer = run("search", params);  // kept: a range-for over a temporary's member would dangle
    for (const json& t : answer["traces"]) ids.push_back(t["trace_id"]);
    return ids;
  }

  testing::TempDir dir_;
  const std::string path_ = dir_ / "part-0.sqlite";
  std::unique_ptr<Shard> shard_;
  uint64_t sequence_ = 0;
};

TEST_F(Sessions, ASessionIdOnAChildSpanPutsTheWholeTraceInTheSession) {
  index({span_of(1, 1, 0, 10, {}), span_of(1, 2, 1, 11, {{"session.id", "s-1"}, {"user.id", "ann"}})});
  EXPECT_EQ(rows(), (std::vector<std::tuple<std::string, std::string, std::string>>{{"s-1", trace_hex(1), "ann"}}));
  const json turns = run("session", {{"session_id", "s-1"}})["turns"];
  ASSERT_EQ(turns.size(), 1u);
  EXPECT_EQ(turns[0]["root_name"], "turn") << "a turn is the whole trace, named by its root";
  EXPECT_EQ(turns[0]["start_ns"], 10'000'000'000LL);
}

TEST_F(Sessions, ConversationIdIsASessionAndSessionIdWinsOverIt) {
  index({span_of(1, 1, 0, 10, {{"gen_ai.conversation.id", "conv-9"}}),
         span_of(2, 1, 0, 20, {{"gen_ai.conversation.id", "conv-x"}, {"session.id", "s-2"}})});
  EXPECT_EQ(rows(), (std::vector<std::tuple<std::string, std::string, std::string>>{{"conv-9", trace_hex(1), "-"},
                                                                                     {"s-2", trace_hex(2), "-"}}));
}

TEST_F(Sessions, RootOnlySessionTakesItsUserFromAnotherSpanOfTheTraceWhateverTheOrder) {
  // Langfuse-style: the session on the root only; the user on a child that arrives first.
  index({span_of(1, 2, 1, 11, {{"enduser.id", "bob"}})});
  EXPECT_TRUE(rows().empty());
  index({span_of(1, 1, 0, 10, {{"session.id", "s-1"}})});
  EXPECT_EQ(rows(), (std::vector<std::tuple<std::string, std::string, std::string>>{{"s-1", trace_hex(1), "bob"}}));
}

TEST_F(Sessions, UserPrecedenceUserIdOverEnduserIdAndTheSessionsOwnSpanFirst) {
  index({span_of(1, 1, 0, 10, {{"user.id", "other"}}),
         span_of(1, 2, 1, 11, {{"session.id", "s-1"}, {"enduser.id", "end"}, {"user.id", "own"}})});
  index({span_of(2, 1, 0, 20, {{"session.id", "s-2"}}, R"({"enduser.id":"from-resource"})")});
  EXPECT_EQ(rows(), (std::vector<std::tuple<std::string, std::string, std::string>>{{"s-1", trace_hex(1), "own"},
                                                                                     {"s-2", trace_hex(2), "from-resource"}}));
}

TEST_F(Sessions, AReplayWritesEachPairOnceAndLateSpansMoveTheTurnsTimes) {
  const std::vector<SpanRecord> batch = {span_of(1, 1, 0, 10, {{"session.id", "s-1"}}), span_of(1, 2, 1, 11, {{"session.id", "s-1"}})};
  index(batch);
  index(batch);
  index({span_of(1, 3, 1, 30, {})});  // a later span without the id: the turn now ends later
  EXPECT_EQ(rows().size(), 1u);
  const json page = run("sessions", json::object())["sessions"];
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0]["last_ns"], 30'500'000'000LL);
  const json figures = run("sessions", {{"session_ids", {"s-1"}}})["sessions"];
  ASSERT_EQ(figures.size(), 1u);
  EXPECT_EQ(figures[0]["turns"], 1);
}

TEST_F(Sessions, DeletionAndRetentionTakeTheRowsWithTheirTraces) {
  index({span_of(1, 1, 0, 10, {{"session.id", "s-1"}, {"user.id", "ann"}}), span_of(2, 1, 0, 20, {{"session.id", "s-1"}})});
  ASSERT_TRUE(shard_->delete_service("chat", 15'000'000'000).is_ok());
  EXPECT_EQ(rows(), (std::vector<std::tuple<std::string, std::string, std::string>>{{"s-1", trace_hex(2), "-"}}));
  EXPECT_TRUE(search({{"user_id", "ann"}}).empty());
  ASSERT_TRUE(shard_->delete_received_before(INT64_MAX, 100).is_ok());
  EXPECT_TRUE(rows().empty());
  auto marks = shard_->db().prepare("SELECT count(*) FROM session_marks");
  ASSERT_TRUE(marks.is_ok() && *marks->step());
  EXPECT_EQ(marks->column_int(0), 0);
}

TEST_F(Sessions, TheTraceSearchFiltersBySessionAndByUser) {
  index({span_of(1, 1, 0, 10, {{"session.id", "s-1"}, {"user.id", "ann"}}), span_of(2, 1, 0, 20, {{"session.id", "s-2"}}),
         span_of(3, 1, 0, 30, {{"user.id", "ann"}})});
  EXPECT_EQ(search({{"session_id", "s-1"}}), (std::vector<std::string>{trace_hex(1)}));
  EXPECT_EQ(search({{"user_id", "ann"}}), (std::vector<std::string>{trace_hex(3), trace_hex(1)}))
      << "a user's traces include those in no session";
  EXPECT_TRUE(search({{"session_id", "nope"}}).empty());
}

TEST_F(Sessions, PagesNewestFirstPassOverSessionsAlreadyShown) {
  // s-a: turns at 10 and 40; s-b at 20; s-c at 30.
  index({span_of(1, 1, 0, 10, {{"session.id", "s-a"}}), span_of(2, 1, 0, 20, {{"session.id", "s-b"}}),
         span_of(3, 1, 0, 30, {{"session.id", "s-c"}}), span_of(4, 1, 0, 40, {{"session.id", "s-a"}})});
  EXPECT_EQ(sessions_page({{"limit", 2}}), (std::vector<std::string>{"s-a", "s-c"}));
  const json cursor = {{"last_ns", 30'500'000'000LL}, {"session_id", "s-c"}};
  EXPECT_EQ(sessions_page({{"limit", 2}, {"cursor", cursor}}), (std::vector<std::string>{"s-b"}))
      << "s-a's older turn is below the cursor, but s-a was on the first page";
  EXPECT_EQ(sessions_page({{"id_prefix", "s-b"}}), (std::vector<std::string>{"s-b"}));
  EXPECT_EQ(sessions_page({{"exclude", {"s-a"}}}), (std::vector<std::string>{"s-c", "s-b"}));
  EXPECT_EQ(sessions_page({{"to_ns", 25'000'000'000LL}}), (std::vector<std::string>{"s-b", "s-a"}));
}

TEST_F(Sessions, FiguresSumTurnsTokensSentCostAndSayWhatIsLeftToPrice) {
  SpanRecord call = span_of(1, 2, 1, 11,
                            {{"session.id", "s-1"}, {"gen_ai.request.model", "gpt-4o"}, {"gen_ai.operation.name", "chat"}});
  json attributes = json::parse(call.attributes_json);
  attributes["gen_ai.usage.input_tokens"] = 100;
  attributes["gen_ai.usage.output_tokens"] = 20;
  attributes["gen_ai.input.messages"] =
      R"([{"role":"user","parts":[{"type":"text","content":"earlier"}]},{"role":"assistant","parts":[{"type":"text","content":"ok"}]},{"role":"user","parts":[{"type":"text","content":"hello?"}]}])";
  attributes["gen_ai.output.messages"] = R"([{"role":"assistant","parts":[{"type":"text","content":"hi there"}]}])";
  call.attributes_json = attributes.dump();
  SpanRecord paid = span_of(2, 1, 0, 20, {{"session.id", "s-1"}, {"gen_ai.request.model", "gpt-4o"}});
  attributes = json::parse(paid.attributes_json);
  attributes["gen_ai.usage.input_tokens"] = 10;
  attributes["gen_ai.usage.output_tokens"] = 1;
  attributes["gen_ai.usage.cost"] = 0.5;
  paid.attributes_json = attributes.dump();
  paid.status_code = 2;
  index({span_of(1, 1, 0, 10, {}), call, paid});
  const json figures = run("sessions", {{"session_ids", {"s-1"}}})["sessions"][0];
  EXPECT_EQ(figures["turns"], 2);
  EXPECT_EQ(figures["error_turns"], 1);
  EXPECT_EQ(figures["llm"]["calls"], 2);
  EXPECT_EQ(figures["llm"]["input_tokens"], 110);
  EXPECT_EQ(figures["llm"]["output_tokens"], 21);
  EXPECT_EQ(figures["llm"]["cost"], 0.5);
  EXPECT_EQ(figures["llm"]["cost_calls"], 1);
  ASSERT_EQ(figures["llm"]["unpriced"].size(), 1u);
  EXPECT_EQ(figures["llm"]["unpriced"][0]["model_group"], "gpt-4o");
  EXPECT_EQ(figures["llm"]["unpriced"][0]["input_tokens"], 100);
  const json turns = run("session", {{"session_id", "s-1"}})["turns"];
  ASSERT_EQ(turns.size(), 2u);
  EXPECT_EQ(turns[0]["user_message"], "hello?") << "the turn's own message: the last user message of its first call";
  EXPECT_EQ(turns[0]["assistant_message"], "hi there");
  EXPECT_EQ(turns[1]["llm"]["cost"], 0.5);
}

TEST_F(Sessions, AShardIndexedBeforeSessionsIsFilledOnceWhenOpened) {
  index({span_of(1, 1, 0, 10, {{"session.id", "s-1"}}, R"({"service.instance.id":"x","user.id":"res-user"})")});
  ASSERT_TRUE(shard_->db().exec("DELETE FROM session_traces; DELETE FROM session_marks; DELETE FROM meta WHERE key = "
                                "'session_traces_filled'; UPDATE meta SET value = '6' WHERE key = 'schema_version'")
                  .is_ok());
  shard_.reset();
  SetUp();
  EXPECT_EQ(rows(), (std::vector<std::tuple<std::string, std::string, std::string>>{{"s-1", trace_hex(1), "res-user"}}));
  auto version = shard_->db().prepare("SELECT value FROM meta WHERE key = 'schema_version'");
  ASSERT_TRUE(version.is_ok() && *version->step());
  EXPECT_GE(std::stoi(version->column_text(0)), sessions::kSessionsSchemaVersion) << "at least the version of the sessions";
}

}  // namespace
}  // namespace spanline::indexer
