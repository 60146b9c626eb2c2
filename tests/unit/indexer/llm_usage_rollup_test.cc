// The LLM usage rollup (stages/indexer/llm/usage_rollup.h) kept by triggers on
// llm_calls must give exactly the usage that llm_calls itself gives, whatever
// the order spans arrive in, replays, deletions by service and by retention,
// and after the migration that fills it in a shard written before it existed.
#include "stages/indexer/llm/usage_rollup.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "stages/indexer/query/llm_usage_query.h"
#include "stages/indexer/shard.h"
#include "tests/support/temp_dir.h"

namespace spanline::indexer::llm {
namespace {

namespace wire = protocol::query;
constexpr int64_t kMinute = 60'000'000'000, kHour = 60 * kMinute;
constexpr int64_t kStart = 1'780'000'000'000'000'000 - 1'780'000'000'000'000'000 % kHour;  // 2026, on an hour

// Random LLM spans of a few traces: four models (one under a dated name), a
// span without a model, sent costs, errors, Junjo model requests with and
// without an LLM call below them (one naming itself its parent), plain spans.
std::vector<SpanRecord> random_spans(std::mt19937_64& random, int count) {
  static const char* const kModels[] = {R"("gen_ai.request.model":"gpt-4o","gen_ai.response.model":"gpt-4o-2024-08-06")",
                                        R"("gen_ai.request.model":"gpt-4o-mini")", R"("gen_ai.response.model":"claude-3-5-sonnet-20241022")",
                                        R"("openinference.span.kind":"LLM")", R"("gen_ai.request.model":"gemini")"};
  std::vector<SpanRecord> spans;
  for (int i = 0; i < count; ++i) {
    SpanRecord span;
    span.trace_id = std::string(15, '\0') + static_cast<char>(random() % 16);
    span.span_id = std::string(6, '\0') + static_cast<char>(i / 256) + static_cast<char>(i % 256);
    span.service = "svc-" + std::to_string(random() % 3);
    span.name = "op";
    // Three hours and a bit, so windows have whole hours, whole minutes and ragged ends.
    span.start_ns = kStart + static_cast<int64_t>(random() % static_cast<uint64_t>(3 * kHour + 17 * kMinute));
    span.end_ns = span.start_ns + static_cast<int64_t>(random() % 3) * 1000 + static_cast<int64_t>(random() % 5'000'000'000);
    span.status_code = random() % 10 == 0 ? 2 : 0;
    span.links_json = span.resource_json = span.scope_json = "{}";
    span.events_json = "[]";
    const uint64_t kind = random() % 10;
    if (kind < 6) {
      std::string attributes = std::string("{") + kModels[random() % 5] + ",\"gen_ai.usage.input_tokens\":" + std::to_string(random() % 1000) +
                               ",\"gen_ai.usage.output_tokens\":" + std::to_string(random() % 100);
      if (random() % 3 == 0) attributes += ",\"gen_ai.usage.cost\":" + std::to_string(static_cast<double>(random() % 1000) / 997.0);
      if (random() % 4 == 0) attributes += ",\"gen_ai.usage.cache_read.input_tokens\":7,\"gen_ai.usage.reasoning.output_tokens\":3";
      span.attributes_json = attributes + "}";
      // Some are calls below an earlier span of the same index range (maybe a Junjo model request).
      if (i > 0 && random() % 2 == 0) {
        const SpanRecord& parent = spans[random() % spans.size()];
        span.trace_id = parent.trace_id;
        span.parent_span_id = parent.span_id;
      }
    } else if (kind < 9) {
      span.attributes_json = R"({"junjo.agent.model.name":"gpt-4o","junjo.agent.model.usage":"{\"inputTokens\":)" +
                             std::to_string(random() % 50) + R"(}"})";
      if (random() % 8 == 0) span.parent_span_id = span.span_id;
    } else {
      span.attributes_json = R"({"http.method":"GET"})";
    }
    spans.push_back(std::move(span));
  }
  // Children before parents, replays and batches in any order.
  std::shuffle(spans.begin(), spans.end(), random);
  return spans;
}

void expect_same_usage(const wire::LlmUsageReply& got, const wire::LlmUsageReply& want, const std::string& what) {
  ASSERT_EQ(got.usage.size(), want.usage.size()) << what;
  for (size_t i = 0; i < got.usage.size(); ++i) {
    const wire::UsageRow &a = got.usage[i], &b = want.usage[i];
    const std::string row = what + " row " + b.model + "/" + b.service + "/" + std::to_string(b.bucket_start_ns);
    EXPECT_EQ(a.model, b.model) << row;
    EXPECT_EQ(a.service, b.service) << row;
    EXPECT_EQ(a.bucket_start_ns, b.bucket_start_ns) << row;
    EXPECT_EQ(a.calls, b.calls) << row;
    EXPECT_EQ(a.errors, b.errors) << row;
    EXPECT_EQ(a.input_tokens, b.input_tokens) << row;
    EXPECT_EQ(a.output_tokens, b.output_tokens) << row;
    EXPECT_EQ(a.total_tokens, b.total_tokens) << row;
    EXPECT_EQ(a.cache_read_tokens, b.cache_read_tokens) << row;
    EXPECT_EQ(a.cache_write_tokens, b.cache_write_tokens) << row;
    EXPECT_EQ(a.reasoning_tokens, b.reasoning_tokens) << row;
    EXPECT_NEAR(a.cost, b.cost, 1e-9) << row;
    EXPECT_EQ(a.cost_calls, b.cost_calls) << row;
    EXPECT_EQ(a.latency_histogram, b.latency_histogram) << row;
  }
}

class UsageRollup : public ::testing::Test {
 protected:
  std::unique_ptr<Shard> open_shard() {
    auto shard = Shard::open(path_, 0);
    EXPECT_TRUE(shard.is_ok()) << shard.status().to_string();
    return shard.is_ok() ? std::move(shard.value()) : nullptr;
  }

  // The usage from the rollup equals the usage from llm_calls for windows
  // open or closed, on and off the grains, buckets of seconds to hours, filtered or not.
  void expect_rollup_equals_calls(Database& db, const std::string& when) {
    std::mt19937_64 random(7);
    const int64_t buckets[] = {10'000'000'000, kMinute, 30 * kMinute, kHour, 3 * kHour, 24 * kHour};
    for (int q = 0; q < 40; ++q) {
      wire::LlmUsageQuery query;
      query.bucket_ns = buckets[random() % 6];
      if (q % 5 != 0) query.from_ns = kStart - kMinute + static_cast<int64_t>(random() % static_cast<uint64_t>(2 * kHour));
      if (q % 7 != 0) query.to_ns = (query.from_ns ? *query.from_ns : kStart) + static_cast<int64_t>(random() % static_cast<uint64_t>(3 * kHour));
      if (q % 4 == 1) query.service = "svc-1";
      if (q % 6 == 2) query.model = q % 12 == 2 ? "gpt-4o" : "gpt-4o-2024-08-06";
      auto rolled = query::llm_usage(db, query);
      auto raw = query::llm_usage_from_calls(db, query);
      ASSERT_TRUE(rolled.is_ok() && raw.is_ok()) << rolled.status().to_string() << raw.status().to_string();
      expect_same_usage(*rolled, *raw, when + ", query " + std::to_string(q));
      if (!query.from_ns && !query.to_ns && !query.service && !query.model) {
        EXPECT_FALSE(raw->usage.empty()) << when << ": the test must have calls to compare";
      }
    }
  }

  // The rollup's rows as its triggers left them equal a rollup added up again from llm_calls.
  void expect_rollup_equals_rebuild(Database& db, const std::string& when) {
    auto rows = [&] {
      std::vector<std::string> out;
      auto statement = db.prepare("SELECT grain_ns, start_ns, service, model_group, model, calls, errors, input_tokens, output_tokens, "
                                  "total_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, round(cost, 9), cost_calls, "
                                  "(SELECT group_concat(key || ':' || value) FROM (SELECT key, value FROM json_each(latency) ORDER BY "
                                  "CAST(key AS INTEGER))) FROM llm_usage_rollup ORDER BY 1, 2, 3, 4, 5");
      EXPECT_TRUE(statement.is_ok());
      for (auto step = statement->step(); step.is_ok() && *step; step = statement->step()) {
        std::string row;
        for (int c = 0; c < 16; ++c) row += statement->column_text(c) + "|";
        out.push_back(row);
      }
      return out;
    };
    const auto kept = rows();
    ASSERT_TRUE(db.exec("SAVEPOINT rebuild").is_ok());
    ASSERT_TRUE(rebuild_usage_rollup(db).is_ok());
    const auto rebuilt = rows();
    ASSERT_TRUE(db.exec("ROLLBACK TO rebuild; RELEASE rebuild").is_ok());
    EXPECT_EQ(kept, rebuilt) << when;
  }

  testing::TempDir dir_;
  const std::string path_ = dir_ / "part-0.sqlite";
};

TEST_F(UsageRollup, EqualsTheCallsThroughOutOfOrderBatchesReplaysAndDeletions) {
  std::mt19937_64 random(42);
  auto shard = open_shard();
  ASSERT_TRUE(shard);
  std::vector<SpanRecord> spans = random_spans(random, 1500);
  std::vector<BatchEntry> applied;
  uint64_t sequence = 0;
  for (size_t at = 0; at < spans.size();) {
    const size_t size = std::min<size_t>(spans.size() - at, 1 + random() % 60);
    BatchEntry entry{++sequence, static_cast<int64_t>(sequence) * 1000, {spans.begin() + static_cast<long>(at), spans.begin() + static_cast<long>(at + size)}};
    at += size;
    ASSERT_TRUE(shard->apply({entry}, sequence).is_ok());
    applied.push_back(std::move(entry));
    // A replay of an earlier batch (the WAL read again after a crash) adds nothing.
    if (random() % 4 == 0) {
      ASSERT_TRUE(shard->apply({applied[random() % applied.size()]}, sequence).is_ok());
    }
  }
  expect_rollup_equals_calls(shard->db(), "after indexing");
  expect_rollup_equals_rebuild(shard->db(), "after indexing");

  ASSERT_TRUE(shard->delete_service("svc-1", kStart + 2 * kHour).is_ok());
  expect_rollup_equals_calls(shard->db(), "after deleting svc-1's first two hours");
  expect_rollup_equals_rebuild(shard->db(), "after deleting svc-1's first two hours");

  // Retention by receive time: the first half of the batches.
  ASSERT_TRUE(shard->delete_received_before(static_cast<int64_t>(sequence / 2) * 1000, 1000).is_ok());
  expect_rollup_equals_calls(shard->db(), "after retention");
  expect_rollup_equals_rebuild(shard->db(), "after retention");

  // Everything goes: no rows left behind.
  ASSERT_TRUE(shard->delete_received_before(INT64_MAX, 1000).is_ok());
  auto left = shard->db().prepare("SELECT count(*) FROM llm_usage_rollup");
  ASSERT_TRUE(left.is_ok() && left->step().is_ok());
  EXPECT_EQ(left->column_int(0), 0);
}

TEST_F(UsageRollup, AShardOfSchema6IsFilledOnceWhenOpened) {
  std::mt19937_64 random(3);
  {
    auto shard = open_shard();
    ASSERT_TRUE(shard);
    ASSERT_TRUE(shard->apply({BatchEntry{1, 1, random_spans(random, 400)}}, 1).is_ok());
    // As a shard of schema 6 was: llm_calls, no rollup, no mark.
    ASSERT_TRUE(shard->db().exec("DROP TRIGGER llm_usage_on_insert; DROP TRIGGER llm_usage_on_delete; DROP TABLE llm_usage_rollup; "
                                 "DELETE FROM meta WHERE key LIKE 'llm_usage_rollup_filled%'; "
                                 "UPDATE meta SET value = '6' WHERE key = 'schema_version'").is_ok());
    auto ready = usage_rollup_ready(shard->db());
    ASSERT_TRUE(ready.is_ok());
    EXPECT_FALSE(*ready);
    // Until a writer of this version opens it, the usage reads llm_calls.
    wire::LlmUsageQuery query;
    auto before = query::llm_usage(shard->db(), query);
    ASSERT_TRUE(before.is_ok()) << before.status().to_string();
    EXPECT_FALSE(before->usage.empty());
  }
  auto shard = open_shard();
  ASSERT_TRUE(shard);
  auto version = shard->db().prepare("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'schema_version'");
  ASSERT_TRUE(version.is_ok() && version->step().is_ok());
  EXPECT_GE(version->column_int(0), 8);
  expect_rollup_equals_calls(shard->db(), "after the migration");
  // Written on from then on by the triggers.
  ASSERT_TRUE(shard->apply({BatchEntry{2, 2, random_spans(random, 300)}}, 2).is_ok());
  expect_rollup_equals_calls(shard->db(), "after the migration and more spans");
  expect_rollup_equals_rebuild(shard->db(), "after the migration and more spans");
}

}  // namespace
}  // namespace spanline::indexer::llm
