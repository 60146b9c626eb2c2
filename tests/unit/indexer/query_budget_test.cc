// A query stops at its deadline and at the answer cap while its answer is
// built, not only inside SQLite: turning stored JSON back into a tree is where
// a large trace's time goes.
#include "stages/indexer/query/shard_queries.h"

#include <gtest/gtest.h>

#include "base/hex.h"
#include "stages/indexer/shard.h"
#include "tests/support/temp_dir.h"

namespace spanline::indexer::query {
namespace {

using namespace std::chrono_literals;

constexpr char kTraceHex[] = "0000000000000000000000000000002a";

// A shard holding one trace of `spans` spans, each with `events` stored events.
std::string shard_with_trace(const testing::TempDir& dir, int spans, int events) {
  const std::string path = dir / "part-0.sqlite";
  auto shard = Shard::open(path, 0);
  EXPECT_TRUE(shard.is_ok());
  std::string events_json = "[";
  for (int i = 0; i < events; ++i) {
    if (i > 0) events_json += ',';
    events_json += R"({"name":"e","time_unix_nano":)" + std::to_string(i) + R"(,"attributes":{},"dropped_attributes_count":0})";
  }
  events_json += "]";
  BatchEntry entry{1, 1, {}};
  for (int i = 0; i < spans; ++i) {
    SpanRecord r;
    r.trace_id = *from_hex(kTraceHex);
    r.span_id = std::string(7, '\0') + static_cast<char>(i + 1);
    r.service = "svc";
    r.name = "op";
    r.start_ns = i;
    r.end_ns = i + 1;
    r.attributes_json = r.links_json = r.resource_json = r.scope_json = "{}";
    r.events_json = events_json;
    r.dropped_events_count = 7;
    entry.spans.push_back(std::move(r));
  }
  EXPECT_TRUE((*shard)->apply({entry}, 1).is_ok());
  return path;
}

TEST(QueryBudget, ATraceIsAnsweredWithItsDroppedCountsWithinTheBudget) {
  testing::TempDir dir;
  auto reader = ShardReader::open(shard_with_trace(dir, 3, 10), 0);
  ASSERT_TRUE(reader.is_ok());
  QueryBudget budget(SteadyClock::now() + 5s, 1 << 20);
  auto answer = (*reader)->run("trace", {{"trace_id", kTraceHex}}, budget);
  ASSERT_TRUE(answer.is_ok()) << answer.status().to_string();
  const json data = json::parse(*answer);
  EXPECT_EQ(data["span_count"], 3);
  ASSERT_EQ(data["spans"].size(), 3u);
  EXPECT_EQ(data["spans"][0]["events"].size(), 10u);
  EXPECT_EQ(data["spans"][0]["dropped_events_count"], 7);
}

TEST(QueryBudget, AnAnswerPastTheCapStopsWhileBeingBuilt) {
  testing::TempDir dir;
  // 40 spans of ~400 KB of events: a 16 MB answer, refused at its first MB.
  auto reader = ShardReader::open(shard_with_trace(dir, 40, 5000), 0);
  ASSERT_TRUE(reader.is_ok());
  QueryBudget budget(SteadyClock::now() + 30s, 1 << 20);
  auto answer = (*reader)->run("trace", {{"trace_id", kTraceHex}}, budget);
  ASSERT_FALSE(answer.is_ok());
  EXPECT_EQ(answer.status().code(), Code::resource_exhausted);
  EXPECT_NE(answer.status().message().find("narrow the query"), std::string::npos) << answer.status().message();
}

TEST(QueryBudget, BuildingTheAnswerStopsAtTheDeadline) {
  testing::TempDir dir;
  // 16 spans of ~4 MB of stored events each: parsing them all back takes about a second.
  auto reader = ShardReader::open(shard_with_trace(dir, 16, 50'000), 0);
  ASSERT_TRUE(reader.is_ok());
  QueryBudget budget(SteadyClock::now() + 50ms, 1ULL << 30);
  const auto started = SteadyClock::now();
  auto answer = (*reader)->run("trace", {{"trace_id", kTraceHex}}, budget);
  const auto took = SteadyClock::now() - started;
  ASSERT_FALSE(answer.is_ok());
  EXPECT_EQ(answer.status().code(), Code::deadline_exceeded) << answer.status().to_string();
  EXPECT_LT(took, 400ms) << "the query went on past its deadline";
}

}  // namespace
}  // namespace spanline::indexer::query
