// One LLM rule for the span view and the usage page: the response model when
// present, else the request model (OpenTelemetry GenAI), else OpenInference's;
// the span carries what was decided, and the usage groups by the same model.
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

TEST(LlmRule, TheSpanCarriesTheResponseModelAndTheUsageGroupsByIt) {
  testing::TempDir dir;
  const std::string path = dir / "part-0.sqlite";
  {
    auto shard = Shard::open(path, 0);
    ASSERT_TRUE(shard.is_ok());
    BatchEntry entry{1, 1, {}};
    entry.spans.push_back(span_with(1,
                                    R"({"gen_ai.request.model":"gpt-4o","gen_ai.response.model":"gpt-4o-2024-08-06",)"
                                    R"("gen_ai.system":"openai","gen_ai.provider.name":"azure.ai.openai","gen_ai.usage.input_tokens":12,)"
                                    R"("gen_ai.usage.completion_tokens":"3"})",
                                    {{"gen_ai.request.model", ValueType::string, "gpt-4o", 0, false},
                                     {"gen_ai.response.model", ValueType::string, "gpt-4o-2024-08-06", 0, false}}));
    entry.spans.push_back(span_with(2, R"({"openinference.span.kind":"LLM","llm.model_name":"claude"})",
                                    {{"openinference.span.kind", ValueType::string, "LLM", 0, false},
                                     {"llm.model_name", ValueType::string, "claude", 0, false}}));
    entry.spans.push_back(span_with(3, R"({"openinference.span.kind":"LLM"})", {{"openinference.span.kind", ValueType::string, "LLM", 0, false}}));
    entry.spans.push_back(span_with(4, R"({"http.method":"GET","note":"gen_ai.system"})", {{"http.method", ValueType::string, "GET", 0, false}}));
    ASSERT_TRUE((*shard)->apply({entry}, 1).is_ok());
  }
  auto reader = ShardReader::open(path, 0);
  ASSERT_TRUE(reader.is_ok());
  auto answer = (*reader)->run("trace", {{"trace_id", kTraceHex}}, SteadyClock::now() + 5s);
  ASSERT_TRUE(answer.is_ok()) << answer.status().to_string();
  const json spans = json::parse(*answer)["spans"];
  ASSERT_EQ(spans.size(), 4u);
  EXPECT_EQ(spans[0]["llm"], json({{"model", "gpt-4o-2024-08-06"}, {"provider", "azure.ai.openai"}, {"input_tokens", 12},
                                   {"output_tokens", 3}}));
  EXPECT_EQ(spans[1]["llm"]["model"], "claude");
  EXPECT_EQ(spans[2]["llm"]["model"], nullptr) << "an OpenInference LLM span without a model is still an LLM span";
  EXPECT_FALSE(spans[3].contains("llm")) << "a key's name inside a value does not make an LLM span";

  auto usage = (*reader)->run("llm_usage", json::object(), SteadyClock::now() + 5s);
  ASSERT_TRUE(usage.is_ok()) << usage.status().to_string();
  std::map<std::string, int64_t> calls;
  const json rows = json::parse(*usage)["usage"];
  for (const json& row : rows) calls[row["model"].get<std::string>()] += row["calls"].get<int64_t>();
  EXPECT_EQ(calls, (std::map<std::string, int64_t>{{"gpt-4o-2024-08-06", 1}, {"claude", 1}, {"unknown", 1}}));
}

}  // namespace
}  // namespace spanline::indexer::query
