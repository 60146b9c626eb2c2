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

// The runs list's additions: a name part to look for, and a subflow's enclosing
// run, which only a run that has one carries.
TEST(QueryMessages, RunsCarryTheNamePartAndTheParentRun) {
  WorkflowsQuery runs;
  runs.name_contains = "Joke";
  runs.type = RunType::subflow;
  auto decoded = decode_request(encode(QueryRequest{{0}, runs}));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(std::get<WorkflowsQuery>(decoded->query).name_contains, "Joke");
  EXPECT_EQ(std::get<WorkflowsQuery>(decoded->query).name, std::nullopt);
  auto without = decode_query("workflows", json::object());
  ASSERT_TRUE(without.is_ok());
  EXPECT_EQ(std::get<WorkflowsQuery>(*without).name_contains, std::nullopt);

  WorkflowsReply reply;
  reply.runs.push_back({.trace_id = std::string(32, 'a'), .span_id = std::string(16, 'b'), .span_type = "subflow",
                        .parent_run_span_id = std::string(16, 'c')});
  reply.runs.push_back({.trace_id = std::string(32, 'a'), .span_id = std::string(16, 'c'), .span_type = "workflow"});
  auto back = decode<WorkflowsReply>(encode(reply));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  ASSERT_EQ(back->runs.size(), 2u);
  EXPECT_EQ(back->runs[0].parent_run_span_id, std::string(16, 'c'));
  EXPECT_EQ(to_json(back->runs[0])["parent_run_span_id"], std::string(16, 'c'));
  EXPECT_EQ(back->runs[1].parent_run_span_id, "");
  EXPECT_FALSE(to_json(back->runs[1]).contains("parent_run_span_id"));
}

TEST(QueryMessages, StoredSpansPassThroughTheEnvelopeByteForByte) {
  // Text the indexer stored goes to the client as it is: odd spacing, escapes and brackets inside strings included.
  const std::string spans = R"([{"span_id":"a","attributes":{"q":"} ] \" [ {","n":1.50}} , {"span_id":"b","attributes":null}])";
  const std::string body = encode_results({{.partition = 3, .data = encode(SpansReply{2, spans})}});
  auto results = decode_results(body);
  ASSERT_TRUE(results.is_ok());
  auto reply = decode<SpansReply>((*results)[0].data);
  ASSERT_TRUE(reply.is_ok());
  EXPECT_EQ(reply->spans, spans) << "passed through unchanged";
  EXPECT_EQ(first_span(*reply), std::optional<std::string_view>(R"({"span_id":"a","attributes":{"q":"} ] \" [ {","n":1.50}})"));

  // Another writer's layout (nlohmann's sorted keys) is still read, by parsing it.
  auto other = decode_results(R"({"results":[{"data":{"spans":[{"span_id":"c"}]},"partition":1},{"error":{"code":14,"message":"m"},"partition":2}]})");
  ASSERT_TRUE(other.is_ok());
  ASSERT_EQ(other->size(), 2u);
  auto other_spans = decode<SpansReply>((*other)[0].data);
  ASSERT_TRUE(other_spans.is_ok());
  EXPECT_EQ(other_spans->span_count, 1);
  EXPECT_EQ((*other)[1].error.message(), "m");
  EXPECT_FALSE(decode_results(R"({"results":[{"partition":1,"data":[1,2})").is_ok());
  EXPECT_TRUE(decode_results(encode_results({}))->empty());
}

}  // namespace
}  // namespace spanline::protocol::query
