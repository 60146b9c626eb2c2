// The query hop's contract: what the api encodes is what the indexer decodes,
// and what the indexer refuses it refuses with the words it always used.

#include <gtest/gtest.h>

#include "protocol/query/query_messages.h"

namespace spanline::protocol::query {
namespace {

TEST(QueryMessages, EveryKindSurvivesTheWire) {
  SearchQuery search;
  search.from_ns = 5;
  search.service = "checkout";
  search.attributes = {{.key = "user.id", .text = "u-1"}, {.key = "n", .op = AttributeFilter::Op::greater_or_equal, .number = 2.5}};
  search.limit = 50;
  search.cursor = TraceCursor{7, std::string(32, 'a')};
  auto decoded = decode_request(encode(QueryRequest{{0, 3}, search}));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded->partitions, (std::vector<uint32_t>{0, 3}));
  const auto& back = std::get<SearchQuery>(decoded->query);
  EXPECT_EQ(back.from_ns, 5);
  EXPECT_EQ(back.service, "checkout");
  ASSERT_EQ(back.attributes.size(), 2u);
  EXPECT_EQ(back.attributes[1].op, AttributeFilter::Op::greater_or_equal);
  EXPECT_EQ(back.attributes[1].number, 2.5);
  EXPECT_EQ(back.limit, 50);
  EXPECT_EQ(back.cursor->trace_id, std::string(32, 'a'));

  WorkflowsQuery runs;
  runs.status = WorkflowStatus::cancelled;
  runs.type = RunType::subflow;
  auto decoded_runs = decode_request(encode(QueryRequest{{1}, runs}));
  ASSERT_TRUE(decoded_runs.is_ok());
  EXPECT_EQ(std::get<WorkflowsQuery>(decoded_runs->query).status, WorkflowStatus::cancelled);
  EXPECT_EQ(std::get<WorkflowsQuery>(decoded_runs->query).type, RunType::subflow);
  EXPECT_EQ(kind_of(decoded_runs->query), "workflows");
}

TEST(QueryMessages, MalformedQueriesAreRefusedAsTheIndexerAlwaysDid) {
  auto message = [](std::string_view body) {
    auto decoded = decode_request(body);
    EXPECT_FALSE(decoded.is_ok()) << body;
    EXPECT_EQ(decoded.status().code(), Code::invalid_argument) << body;
    return decoded.status().message();
  };
  EXPECT_EQ(message("not json"), "a query is a JSON object with kind, partitions and params");
  EXPECT_EQ(message(R"({"kind":"search"})"), "a query is a JSON object with kind, partitions and params");
  EXPECT_EQ(message(R"({"kind":"drop","partitions":[0]})"), "unknown query kind 'drop'");
  EXPECT_EQ(message(R"({"kind":"trace","partitions":[-1],"params":{}})"), "partitions must be non-negative integers");
  EXPECT_EQ(message(R"({"kind":"trace","partitions":[0],"params":{"trace_id":"xyz"}})"), "trace_id must be 32 hex digits");
  EXPECT_EQ(message(R"({"kind":"workflows","partitions":[0],"params":{"status":"lost"}})"), "status must be ok, error or cancelled");
  EXPECT_EQ(message(R"({"kind":"search","partitions":[0],"params":{"attrs":[{"key":"k","op":"~","value":"v"}]}})"),
            "attribute operator must be =, <, >, <= or >=");
  EXPECT_EQ(message(R"({"kind":"search","partitions":[0],"params":{"limit":"ten"}})").rfind("bad query parameter: ", 0), 0u);
}

TEST(QueryMessages, LimitsAreClampedAndCursorsReadOnlyWhatTheyWrote) {
  auto decoded = decode_query("search", {{"limit", 100000}});
  ASSERT_TRUE(decoded.is_ok());
  EXPECT_EQ(std::get<SearchQuery>(*decoded).limit, kMaxLimit);
  EXPECT_EQ(std::get<SearchQuery>(decode_query("search", json::object()).value()).limit, kDefaultLimit);

  RunCursor run{123, std::string(32, 'b'), std::string(16, 'c')};
  auto back = run_cursor_from_text(to_text(run));
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back->start_ns, 123);
  EXPECT_EQ(back->span_id, run.span_id);
  for (const std::string& bad : {std::string(), std::string("."), std::string("12"), std::string("x.aa"), "1." + std::string(31, 'a')}) {
    auto refused = trace_cursor_from_text(bad);
    ASSERT_FALSE(refused.is_ok()) << bad;
    EXPECT_EQ(refused.status().message(), "parameter 'cursor': not a cursor this api gave out");
  }
}

TEST(QueryMessages, RepliesAndTheirEnvelopeRoundTrip) {
  SpansReply spans{2, R"([{"span_id":"a"},{"span_id":"b"}])"};
  std::vector<PartitionResult> results = {{.partition = 0, .data = encode(spans)},
                                          {.partition = 2, .error = Status(Code::unavailable, "shard closed")}};
  auto decoded = decode_results(encode_results(results));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  ASSERT_EQ(decoded->size(), 2u);
  auto back = decode<SpansReply>((*decoded)[0].data);
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back->span_count, 2);
  EXPECT_EQ(json::parse(back->spans), json::parse(spans.spans));
  EXPECT_EQ((*decoded)[1].partition, 2u);
  EXPECT_EQ((*decoded)[1].error.message(), "shard closed");

  LlmUsageReply usage;
  usage.usage.push_back({.model = "gpt-4o", .service = "s", .calls = 3, .latency_histogram = {{7, 3}}});
  auto usage_back = decode<LlmUsageReply>(encode(usage));
  ASSERT_TRUE(usage_back.is_ok());
  EXPECT_EQ(usage_back->usage[0].latency_histogram.at(7), 3);
  EXPECT_FALSE(decode<SearchReply>("[1,2]").is_ok());
}

}  // namespace
}  // namespace spanline::protocol::query
