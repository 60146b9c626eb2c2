// The query hop's log parts: the "logs" and "trace_logs" kinds, the log id and
// cursor, the severity names, and the replies.
#include <gtest/gtest.h>

#include "protocol/query/query_messages.h"

namespace spanline::protocol::query {
namespace {

TEST(LogQueryMessages, TheLogSearchSurvivesTheWire) {
  LogsQuery query;
  query.from_ns = 10;
  query.to_ns = 20;
  query.service = "svc";
  query.event_name = "gen_ai.evaluation.result";
  query.min_severity = 13;
  query.text = "timeout";
  query.trace_id = std::string(32, 'A');
  query.attributes.push_back({.key = "http.status_code", .op = AttributeFilter::Op::greater, .number = 499});
  query.attributes.push_back({.key = "user", .text = "ann"});
  query.limit = 50;
  query.cursor = LogCursor{15, log_id({3, 77, 2})};
  auto decoded = decode_request(encode(QueryRequest{{1, 3}, query}));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(kind_of(decoded->query), "logs");
  const auto& back = std::get<LogsQuery>(decoded->query);
  EXPECT_EQ(back.from_ns, 10);
  EXPECT_EQ(back.to_ns, 20);
  EXPECT_EQ(back.service, "svc");
  EXPECT_EQ(back.event_name, "gen_ai.evaluation.result");
  EXPECT_EQ(back.min_severity, 13);
  EXPECT_EQ(back.text, "timeout");
  EXPECT_EQ(back.trace_id, std::string(32, 'a'));
  ASSERT_EQ(back.attributes.size(), 2u);
  EXPECT_EQ(back.attributes[0].op, AttributeFilter::Op::greater);
  EXPECT_EQ(back.attributes[1].text, "ann");
  EXPECT_EQ(back.limit, 50);
  ASSERT_TRUE(back.cursor);
  EXPECT_EQ(back.cursor->time_ns, 15);
  EXPECT_EQ(back.cursor->log_id, log_id({3, 77, 2}));

  auto empty = decode_query("logs", json::object());
  ASSERT_TRUE(empty.is_ok());
  EXPECT_EQ(std::get<LogsQuery>(*empty).limit, kDefaultLimit);
  EXPECT_FALSE(decode_query("logs", {{"trace_id", "nothex"}}).is_ok());
  EXPECT_FALSE(decode_query("logs", {{"cursor", {{"time_ns", 1}, {"log_id", "short"}}}}).is_ok());
  EXPECT_EQ(std::get<LogsQuery>(*decode_query("logs", {{"min_severity", 99}})).min_severity, kMaxSeverityNumber);
}

TEST(LogQueryMessages, TheTraceLogsKindTakesAnOptionalSpan) {
  auto whole = decode_request(encode(QueryRequest{{0}, TraceLogsQuery{std::string(32, 'b'), std::nullopt}}));
  ASSERT_TRUE(whole.is_ok());
  EXPECT_EQ(kind_of(whole->query), "trace_logs");
  EXPECT_FALSE(std::get<TraceLogsQuery>(whole->query).span_id);
  auto one = decode_query("trace_logs", {{"trace_id", std::string(32, 'b')}, {"span_id", std::string(16, 'C')}});
  ASSERT_TRUE(one.is_ok());
  EXPECT_EQ(std::get<TraceLogsQuery>(*one).span_id, std::string(16, 'c'));
  EXPECT_FALSE(decode_query("trace_logs", json::object()).is_ok());
}

TEST(LogQueryMessages, LogIdsSortAsTheirKeysAndCursorsReadOnlyWhatTheyWrote) {
  const std::string id = log_id({0xabcdef01, 0x0123456789abcdefULL, 42});
  EXPECT_EQ(id, "abcdef010123456789abcdef0000002a");
  auto key = log_key_of(id);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->partition, 0xabcdef01u);
  EXPECT_EQ(key->sequence, 0x0123456789abcdefULL);
  EXPECT_EQ(key->index, 42u);
  EXPECT_LT(log_id({1, 9, 0}), log_id({1, 10, 0}));
  EXPECT_LT(log_id({1, 0xffffffff, 5}), log_id({2, 0, 0}));
  EXPECT_FALSE(log_key_of("abc"));
  auto cursor = log_cursor_from_text(to_text(LogCursor{123, id}));
  ASSERT_TRUE(cursor.is_ok());
  EXPECT_EQ(cursor->time_ns, 123);
  EXPECT_EQ(cursor->log_id, id);
  EXPECT_FALSE(log_cursor_from_text("123.xyz").is_ok());
  EXPECT_FALSE(log_cursor_from_text(std::string(40, '1')).is_ok());
}

TEST(LogQueryMessages, SeverityNames) {
  EXPECT_EQ(severity_named("TRACE"), 1);
  EXPECT_EQ(severity_named("debug3"), 7);
  EXPECT_EQ(severity_named("Info"), 9);
  EXPECT_EQ(severity_named("WARNING"), 13);
  EXPECT_EQ(severity_named("warn"), 13);
  EXPECT_EQ(severity_named("Error4"), 20);
  EXPECT_EQ(severity_named("critical"), 21);
  EXPECT_EQ(severity_named("fatal"), 21);
  EXPECT_EQ(severity_named("error5"), 0);
  EXPECT_EQ(severity_named("informative"), 0);
  EXPECT_EQ(severity_named(""), 0);
}

TEST(LogQueryMessages, RepliesRoundTripAndAMalformedOneIsRefused) {
  LogsReply reply;
  reply.logs.push_back({{"log_id", log_id({0, 1, 0})}, {"time_ns", 5}, {"body", "hello"}});
  auto back = decode<LogsReply>(encode(reply));
  ASSERT_TRUE(back.is_ok());
  ASSERT_EQ(back->logs.size(), 1u);
  EXPECT_EQ(back->logs[0]["body"], "hello");
  EXPECT_FALSE(decode<LogsReply>(R"({"logs":[{"time_ns":5}]})").is_ok());
  EXPECT_FALSE(decode<LogsReply>(R"({"logs":[{"time_ns":"5","log_id":"00000000000000000000000000000000"}]})").is_ok());

  TraceLogsReply trace;
  trace.logs.push_back({{"log_id", log_id({0, 1, 0})}, {"time_ns", 5}});
  trace.truncated = true;
  auto trace_back = decode<TraceLogsReply>(encode(trace));
  ASSERT_TRUE(trace_back.is_ok());
  EXPECT_TRUE(trace_back->truncated);
  EXPECT_EQ(trace_back->logs.size(), 1u);
  EXPECT_FALSE(decode<TraceLogsReply>(R"({"logs":{}})").is_ok());
}

}  // namespace
}  // namespace spanline::protocol::query
