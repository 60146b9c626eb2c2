// The session kinds of the query hop (protocol/query/session_messages.h):
// every field survives the wire both ways, cursors read only what they wrote.
#include "protocol/query/query_messages.h"

#include <gtest/gtest.h>

namespace spanline::protocol::query {
namespace {

TEST(SessionMessages, QueriesSurviveTheWire) {
  SessionsQuery page;
  page.from_ns = 1;
  page.to_ns = 2;
  page.service = "chat";
  page.user_id = "ann";
  page.id_prefix = "conv-";
  page.limit = 7;
  page.cursor = SessionCursor{9, "s/1"};
  page.exclude = {"a", "b"};
  auto decoded = decode_request(encode(QueryRequest{{2}, page}));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(kind_of(decoded->query), "sessions");
  const auto& back = std::get<SessionsQuery>(decoded->query);
  EXPECT_EQ(back.from_ns, 1);
  EXPECT_EQ(back.to_ns, 2);
  EXPECT_EQ(back.service, "chat");
  EXPECT_EQ(back.user_id, "ann");
  EXPECT_EQ(back.id_prefix, "conv-");
  EXPECT_EQ(back.limit, 7);
  EXPECT_EQ(back.cursor->last_ns, 9);
  EXPECT_EQ(back.cursor->session_id, "s/1");
  EXPECT_EQ(back.exclude, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(back.session_ids.empty());

  auto one = decode_request(encode(QueryRequest{{0}, SessionQuery{"s 2"}}));
  ASSERT_TRUE(one.is_ok());
  EXPECT_EQ(std::get<SessionQuery>(one->query).session_id, "s 2");
  EXPECT_FALSE(decode_request(R"({"kind":"session","partitions":[0],"params":{}})").is_ok());

  SearchQuery search;
  search.session_id = "s-1";
  search.user_id = "u-1";
  auto searched = decode_request(encode(QueryRequest{{0}, search}));
  ASSERT_TRUE(searched.is_ok());
  EXPECT_EQ(std::get<SearchQuery>(searched->query).session_id, "s-1");
  EXPECT_EQ(std::get<SearchQuery>(searched->query).user_id, "u-1");
}

TEST(SessionMessages, RepliesRoundTrip) {
  SessionsReply page;
  SessionRow row{.session_id = "s", .first_start_ns = 1, .last_ns = 2, .turns = 3, .error_turns = 1, .users = {"u"}, .services = {"a", "b"}};
  row.llm = LlmFigures{.calls = 4, .input_tokens = 5, .output_tokens = 6, .total_tokens = 11, .cost = 0.5, .cost_calls = 1};
  row.llm.unpriced.push_back({"gpt-4o", 7, 3, 100, 10, 80, true, false});
  page.sessions.push_back(row);
  auto back = decode<SessionsReply>(encode(page));
  ASSERT_TRUE(back.is_ok());
  ASSERT_EQ(back->sessions.size(), 1u);
  const SessionRow& got = back->sessions[0];
  EXPECT_EQ(got.turns, 3);
  EXPECT_EQ(got.services, row.services);
  EXPECT_EQ(got.llm.cost, 0.5);
  ASSERT_EQ(got.llm.unpriced.size(), 1u);
  EXPECT_EQ(got.llm.unpriced[0].cache_read_tokens, 80);
  EXPECT_TRUE(got.llm.unpriced[0].has_input);
  EXPECT_FALSE(got.llm.unpriced[0].has_output);

  SessionReply turns;
  turns.truncated = true;
  turns.turns.push_back(SessionTurn{.trace_id = std::string(32, 'a'), .root_name = "turn", .start_ns = 5, .user_message = "hi"});
  auto turns_back = decode<SessionReply>(encode(turns));
  ASSERT_TRUE(turns_back.is_ok());
  EXPECT_TRUE(turns_back->truncated);
  EXPECT_EQ(turns_back->turns[0].user_message, "hi");
  EXPECT_EQ(turns_back->turns[0].assistant_message, std::nullopt);
  EXPECT_FALSE(decode<SessionReply>("{\"turns\":3}").is_ok());
}

TEST(SessionMessages, CursorsReadOnlyWhatTheyWrote) {
  const SessionCursor cursor{123, "chat/é 1"};
  auto back = session_cursor_from_text(to_text(cursor));
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back->last_ns, 123);
  EXPECT_EQ(back->session_id, cursor.session_id);
  for (std::string_view bad : {"", "12", ".ab", "12.", "12.xyz", "x.ab", "12.abc"}) {
    EXPECT_FALSE(session_cursor_from_text(bad).is_ok()) << bad;
  }
}

}  // namespace
}  // namespace spanline::protocol::query
