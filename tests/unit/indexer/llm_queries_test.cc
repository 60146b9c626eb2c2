// One LLM record for the span view and the usage page (stages/indexer/llm/):
// the span carries the record, the indexer writes its facts to llm_calls
// once, and the usage groups those by model group.
#include "stages/indexer/query/shard_queries.h"

#include <gtest/gtest.h>

#include "base/hex.h"
#include "stages/indexer/shard.h"
#include "tests/support/temp_dir.h"

namespace spanline::indexer::query {
namespace {

using namespace std::chrono_literals;

constexpr char kTraceHex[] = "0000000000000000000000000000002a";

SpanRecord span_with(int index, std::string attributes_json, std::vector<AttributeRow> attributes) {
  SpanRecord r;
  r.trace_id = *from_hex(kTraceHex);
  r.span_id = std::string(7, '\0') + static_cast<char>(index);
  r.service = "svc";
  r.name = "op";
  r.start_ns = 1'000'000'000LL * index;
  r.end_ns = r.start_ns + 1000;
  r.attributes_json = std::move(attributes_json);
  r.links_json = r.resource_json = r.scope_json = "{}";
  r.events_json = "[]";
  r.attributes = std::move(attributes);
  return r;
}

class LlmQueries : public ::testing::Test {
 protected:
  std::unique_ptr<Shard> open_shard() {
    auto shard = Shard::open(path_, 0);
    EXPECT_TRUE(shard.is_ok()) << shard.status().to_string();
    return shard.is_ok() ? std::move(shard.value()) : nullptr;
  }
  // The spans indexed in one batch, as a partition worker writes them.
  void index(std::vector<SpanRecord> spans) {
    auto shard = open_shard();
    ASSERT_TRUE(shard);
    ASSERT_TRUE(shard->apply({BatchEntry{1, 1, std::move(spans)}}, 1).is_ok());
  }
  json run(std::string_view kind, const json& params) {
    auto reader = ShardReader::open(path_, 0);
    EXPECT_TRUE(reader.is_ok());
    auto answer = (*reader)->run(kind, params, SteadyClock::now() + 5s);
    EXPECT_TRUE(answer.is_ok()) << answer.status().to_string();
    return answer.is_ok() ? json::parse(*answer) : json::object();
  }
  json usage_rows(const json& params = json::object()) { return run("llm_usage", params)["usage"]; }

  testing::TempDir dir_;
  const std::string path_ = dir_ / "part-0.sqlite";
};

TEST_F(LlmQueries, TheSpanCarriesItsRecordAndTheUsageGroupsByModelGroup) {
  {
    std::vector<SpanRecord> spans;
    spans.push_back(span_with(1,
                                    R"({"gen_ai.request.model":"gpt-4o","gen_ai.response.model":"gpt-4o-2024-08-06",)"
                                    R"("gen_ai.system":"openai","gen_ai.provider.name":"azure.ai.openai","gen_ai.usage.input_tokens":12,)"
                                    R"("gen_ai.usage.completion_tokens":"3"})",
                                    {{"gen_ai.request.model", ValueType::string, "gpt-4o", 0, false},
                                     {"gen_ai.response.model", ValueType::string, "gpt-4o-2024-08-06", 0, false}}));
    spans.push_back(span_with(2, R"({"openinference.span.kind":"LLM","llm.model_name":"claude"})",
                              {{"openinference.span.kind", ValueType::string, "LLM", 0, false},
                               {"llm.model_name", ValueType::string, "claude", 0, false}}));
    spans.push_back(span_with(3, R"({"openinference.span.kind":"LLM"})", {{"openinference.span.kind", ValueType::string, "LLM", 0, false}}));
    spans.push_back(span_with(4, R"({"http.method":"GET","note":"gen_ai.system"})", {{"http.method", ValueType::string, "GET", 0, false}}));
    index(std::move(spans));
  }
  const json spans = run("trace", {{"trace_id", kTraceHex}})["spans"];
  ASSERT_EQ(spans.size(), 4u);
  const json& llm = spans[0]["llm"];
  EXPECT_EQ(llm["model"], "gpt-4o-2024-08-06");
  EXPECT_EQ(llm["provider"], "azure.ai.openai");
  EXPECT_EQ(llm["input_tokens"], 12);
  EXPECT_EQ(llm["output_tokens"], 3);
  EXPECT_EQ(llm["model_group"], "gpt-4o");
  EXPECT_EQ(llm["total_tokens"], 15);
  EXPECT_EQ(spans[1]["llm"]["model"], "claude");
  EXPECT_EQ(spans[2]["llm"]["model"], nullptr) << "an OpenInference LLM span without a model is still an LLM span";
  EXPECT_FALSE(spans[3].contains("llm")) << "a key's name inside a value does not make an LLM span";

  std::map<std::string, int64_t> calls;
  const json rows = usage_rows();
  for (const json& row : rows) calls[row["model"].get<std::string>()] += row["calls"].get<int64_t>();
  EXPECT_EQ(calls, (std::map<std::string, int64_t>{{"gpt-4o", 1}, {"claude", 1}, {"unknown", 1}}));
}


int64_t llm_call_rows(Shard& shard) {
  auto count = shard.db().prepare("SELECT count(*) FROM llm_calls");
  EXPECT_TRUE(count.is_ok());
  EXPECT_TRUE(count->step().is_ok());
  return count->column_int(0);
}

// One model asked for as gpt-4o and answered as its dated snapshot is one
// series; the sent costs sum, and the calls that sent one are counted.
TEST_F(LlmQueries, UsageByModelGroupWithTokensAndSentCost) {
  {
    auto shard = open_shard();
    ASSERT_TRUE(shard);
    BatchEntry entry{1, 1, {}};
    entry.spans.push_back(span_with(1, R"({"gen_ai.request.model":"gpt-4o","gen_ai.response.model":"gpt-4o-2024-08-06",)"
                                       R"("gen_ai.usage.input_tokens":100,"gen_ai.usage.output_tokens":10,)"
                                       R"("gen_ai.usage.cache_read.input_tokens":80,"gen_ai.usage.cost":0.5})", {}));
    entry.spans.push_back(span_with(2, R"({"gen_ai.response.model":"gpt-4o-2024-08-06","gen_ai.usage.input_tokens":50,)"
                                       R"("gen_ai.usage.output_tokens":5,"gen_ai.usage.reasoning.output_tokens":2})", {}));
    entry.spans.push_back(span_with(3, R"({"openinference.span.kind":"LLM","llm.model_name":"claude-3-5-sonnet-20241022",)"
                                       R"("llm.token_count.total":7,"llm.cost.total":0.25})", {}));
    ASSERT_TRUE(shard->apply({entry}, 1).is_ok());
    // A replay writes nothing twice.
    ASSERT_TRUE(shard->apply({entry}, 1).is_ok());
    EXPECT_EQ(llm_call_rows(*shard), 3);
  }
  std::map<std::string, json> by_model;
  for (const json& row : usage_rows()) {
    json& totals = by_model.try_emplace(row["model"].get<std::string>(), json::object()).first->second;
    for (const char* key : {"calls", "input_tokens", "output_tokens", "total_tokens", "cache_read_tokens", "reasoning_tokens", "cost_calls"}) {
      totals[key] = totals.value(key, int64_t{0}) + row[key].get<int64_t>();
    }
    totals["cost"] = totals.value("cost", 0.0) + row["cost"].get<double>();
  }
  ASSERT_EQ(by_model.size(), 2u) << json(by_model).dump();
  const json& gpt = by_model["gpt-4o"];
  EXPECT_EQ(gpt["calls"], 2);
  EXPECT_EQ(gpt["input_tokens"], 150);
  EXPECT_EQ(gpt["output_tokens"], 15);
  EXPECT_EQ(gpt["total_tokens"], 165);
  EXPECT_EQ(gpt["cache_read_tokens"], 80);
  EXPECT_EQ(gpt["reasoning_tokens"], 2);
  EXPECT_EQ(gpt["cost_calls"], 1) << "one of the two sent a cost";
  EXPECT_DOUBLE_EQ(gpt["cost"].get<double>(), 0.5);
  const json& claude = by_model["claude-3-5-sonnet"];
  EXPECT_EQ(claude["total_tokens"], 7);
  EXPECT_DOUBLE_EQ(claude["cost"].get<double>(), 0.25);

  // The model filter takes a group or one exact model.
  EXPECT_EQ(usage_rows({{"model", "gpt-4o"}}).size(), 1u);
  int64_t dated = 0;
  for (const json& row : usage_rows({{"model", "gpt-4o-2024-08-06"}})) dated += row["calls"].get<int64_t>();
  EXPECT_EQ(dated, 2) << "both calls answered by the dated model";
  EXPECT_TRUE(usage_rows({{"model", "gpt-4"}}).empty());
  EXPECT_EQ(usage_rows({{"service", "svc"}}).size(), 2u);
  EXPECT_EQ(usage_rows({{"service", "svc"}, {"from_ns", 0}, {"to_ns", INT64_MAX}}).size(), 2u);
  EXPECT_TRUE(usage_rows({{"service", "other"}}).empty());
}

// A shard indexed before llm_calls existed gets its rows from the spans it
// holds, once, when it is opened; deleting a trace deletes its rows.
TEST_F(LlmQueries, OldShardsAreFilledAndDeletionsFollowTheSpans) {
  index({span_with(1, R"({"gen_ai.request.model":"gpt-4o"})", {}), span_with(2, R"({"http.method":"GET"})", {})});
  {
    auto shard = open_shard();
    ASSERT_TRUE(shard);
    ASSERT_EQ(llm_call_rows(*shard), 1);
    // As a shard of schema 5 was: no rows, no mark.
    ASSERT_TRUE(shard->db().exec("DELETE FROM llm_calls; DELETE FROM meta WHERE key = 'llm_calls_filled'; "
                                    "UPDATE meta SET value = '5' WHERE key = 'schema_version'").is_ok());
  }
  {
    auto shard = open_shard();
    ASSERT_TRUE(shard);
    EXPECT_EQ(llm_call_rows(*shard), 1);
    auto version = shard->db().prepare("SELECT value FROM meta WHERE key = 'schema_version'");
    ASSERT_TRUE(version.is_ok() && version->step().is_ok());
    EXPECT_EQ(version->column_text(0), "6");
    ASSERT_TRUE(shard->delete_service("svc", INT64_MAX).is_ok());
    EXPECT_EQ(llm_call_rows(*shard), 0);
  }
  EXPECT_TRUE(usage_rows().empty());
}

// A Junjo model request whose driver's own call is traced below it counts
// once: the call below it.
TEST_F(LlmQueries, AJunjoModelRequestWithItsCallBelowCountsOnce) {
  SpanRecord request = span_with(1, R"({"junjo.agent.model.name":"gpt-4o","junjo.agent.model.usage":"{\"inputTokens\":5}"})", {});
  SpanRecord call = span_with(2, R"({"gen_ai.request.model":"gpt-4o","gen_ai.usage.input_tokens":5})", {});
  call.parent_span_id = request.span_id;
  index({request, call, span_with(3, R"({"junjo.agent.model.name":"gpt-4o","junjo.agent.model.usage":"{\"inputTokens\":1}"})", {})});
  int64_t calls = 0, input = 0;
  for (const json& row : usage_rows()) {
    calls += row["calls"].get<int64_t>();
    input += row["input_tokens"].get<int64_t>();
  }
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(input, 6);
}

}  // namespace
}  // namespace spanline::indexer::query
