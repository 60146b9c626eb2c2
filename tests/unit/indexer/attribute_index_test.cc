// The attribute postings (stages/indexer/attributes/): what `attr=key:value`
// and `key>n` find through them, in every bucket; what deletion takes (the
// deleted spans' postings, no other); the migration of an older shard's
// attribute rows, resumed where it stopped; a rolled-back batch leaves no key
// id behind; each shard hashes with a seed of its own; a rare value's traces
// listed first and a common value's probed trace by trace give the same pages;
// a batch past the write buffer's bound is written whole, or not at all.
#include "stages/indexer/attributes/attribute_index.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <limits>
#include <map>
#include <set>

#include "stages/indexer/shard.h"
#include "stages/indexer/span_decoder.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/indexer/attribute_postings.h"
#include "tests/unit/indexer/search_pages.h"

namespace spanline::indexer::attributes {
namespace {

using Op = protocol::query::AttributeFilter::Op;
using test::compare;
using test::equal;
using test::traces_with;

// A span of trace `trace` (service svc<trace % 2>) holding `attributes`.
SpanRecord span_with(int trace, int id, std::vector<AttributeRow> attributes) {
  SpanRecord r;
  r.trace_id = std::string(14, '\0') + static_cast<char>(trace >> 8) + static_cast<char>(trace & 0xff);
  r.span_id = std::string(6, '\0') + static_cast<char>(id >> 8) + static_cast<char>(id & 0xff);
  r.service = "svc" + std::to_string(trace % 2);
  r.name = "op";
  r.start_ns = 1000 + id;
  r.end_ns = 2000 + id;
  r.attributes_json = r.events_json = r.links_json = r.resource_json = r.scope_json = "{}";
  r.attributes = std::move(attributes);
  return r;
}

std::string trace_hex(int trace) {
  char hex[5];
  std::snprintf(hex, sizeof hex, "%04x", trace);
  return std::string(28, '0') + hex;
}

std::set<std::string> traces(std::initializer_list<int> numbers) {
  std::set<std::string> ids;
  for (int n : numbers) ids.insert(trace_hex(n));
  return ids;
}

int64_t count(Shard& shard, const std::string& sql) {
  auto statement = shard.db().prepare(sql);
  EXPECT_TRUE(statement.is_ok()) << sql;
  auto row = statement->step();
  return row.is_ok() && *row ? statement->column_int(0) : -1;
}

AttributeRow text(const std::string& key, const std::string& value, bool on_event = false) {
  return {key, ValueType::string, value, 0, on_event};
}
AttributeRow integer(const std::string& key, int64_t value) {
  return {key, ValueType::integer, std::to_string(value), static_cast<double>(value), false};
}
AttributeRow floating(const std::string& key, double value, const std::string& as_text) {
  return {key, ValueType::floating, as_text, value, false};
}

class AttributeIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_ / "part-0.sqlite";
    auto shard = Shard::open(path_, 0);
    ASSERT_TRUE(shard.is_ok()) << shard.status().to_string();
    shard_ = std::move(shard.value());
  }
  void apply(std::vector<SpanRecord> spans, int64_t received_ns = 1) {
    ++sequence_;
    auto applied = shard_->apply({{sequence_, received_ns, std::move(spans)}}, sequence_);
    ASSERT_TRUE(applied.is_ok()) << applied.status().to_string();
  }

  testing::TempDir dir_;
  std::string path_;
  std::unique_ptr<Shard> shard_;
  uint64_t sequence_ = 0;
};

TEST_F(AttributeIndexTest, EqualityFindsSpanAndEventValuesAndAnIntByItsText) {
  apply({span_with(1, 1, {text("gen_ai.request.model", "gpt-4o"), integer("http.status_code", 200)}),
         span_with(2, 2, {text("gen_ai.request.model", "claude", true)}),  // on an event
         span_with(3, 3, {text("http.status_code", "200"), integer("http.status_code.other", 200)})});
  EXPECT_EQ(traces_with(path_, equal("gen_ai.request.model", "gpt-4o")), traces({1}));
  EXPECT_EQ(traces_with(path_, equal("gen_ai.request.model", "claude")), traces({2})) << "an event's value counts";
  EXPECT_EQ(traces_with(path_, equal("http.status_code", "200")), traces({1, 3})) << "the int by its text, and the string";
  EXPECT_EQ(traces_with(path_, equal("gen_ai.request.model", "gpt-4")), traces({})) << "whole values, not prefixes";
  EXPECT_EQ(traces_with(path_, equal("gen_ai.request.model.x", "gpt-4o")), traces({})) << "another key";
  EXPECT_EQ(traces_with(path_, equal("no.such.key", "200")), traces({}));
  EXPECT_EQ(count(*shard_, "SELECT count(*) FROM attribute_keys"), 4) << "a key once per span-or-event";
}

TEST_F(AttributeIndexTest, ComparisonsMatchNumbersOnlyInfinitiesIncludedNeverNaN) {
  const double inf = std::numeric_limits<double>::infinity();
  apply({span_with(1, 1, {floating("v", -inf, "-Infinity")}), span_with(2, 2, {integer("v", -5)}),
         span_with(3, 3, {floating("v", 2.5, "2.5")}), span_with(4, 4, {floating("v", 1e300, "1e+300")}),
         span_with(5, 5, {floating("v", inf, "Infinity")}),
         span_with(6, 6, {floating("v", std::numeric_limits<double>::quiet_NaN(), "NaN")}),
         span_with(7, 7, {{"v", ValueType::boolean, "true", 1, false}}), span_with(8, 8, {text("v", "7")})});
  EXPECT_EQ(traces_with(path_, compare("v", Op::greater, 2)), traces({3, 4, 5}));
  EXPECT_EQ(traces_with(path_, compare("v", Op::greater, 1e308)), traces({5}));
  EXPECT_EQ(traces_with(path_, compare("v", Op::less, -1e308)), traces({1}));
  EXPECT_EQ(traces_with(path_, compare("v", Op::less_or_equal, -5)), traces({1, 2}));
  EXPECT_EQ(traces_with(path_, compare("v", Op::greater_or_equal, 1)), traces({3, 4, 5, 7})) << "a bool is 1 or 0";
  EXPECT_EQ(traces_with(path_, compare("v", Op::less, 100)), traces({1, 2, 3, 7})) << "the string \"7\" is no number";
  EXPECT_EQ(traces_with(path_, equal("v", "NaN")), traces({6})) << "NaN is found by its text";
  EXPECT_EQ(count(*shard_, "SELECT count(*) FROM attribute_numbers"), 6) << "NaN and the string have no number";
}

TEST_F(AttributeIndexTest, AValueLongerThanTheLimitGetsNoPostingAndIsCountedOut) {
  const std::string longest(max_indexed_value_bytes(), 'x'), too_long(max_indexed_value_bytes() + 1, 'x');
  ++sequence_;
  auto applied = shard_->apply({{sequence_, 1, {span_with(1, 1, {text("a", longest)}), span_with(2, 2, {text("a", too_long)})}}},
                               sequence_);
  ASSERT_TRUE(applied.is_ok());
  EXPECT_EQ(applied->attribute_rows, 1u) << "the values indexed";
  EXPECT_EQ(traces_with(path_, equal("a", longest)), traces({1}));
  EXPECT_EQ(traces_with(path_, equal("a", too_long)), traces({}));
  EXPECT_EQ(count(*shard_, "SELECT count(*) FROM attribute_values"), 1);
}

// Spans 1 and 2 in bucket 0, 3 x 4,096 spans without attributes, then spans 3 and 4 in bucket 3.
class ManyBuckets : public AttributeIndexTest {
 protected:
  void SetUp() override {
    AttributeIndexTest::SetUp();
    apply({span_with(1, 1, {text("k", "old"), integer("n", 1)})}, 100);
    apply({span_with(2, 2, {text("k", "kept"), integer("n", 2)})}, 900);
    std::vector<SpanRecord> filler;
    for (int i = 0; i < 3 << kBucketShift; ++i) filler.push_back(span_with(100 + i / 1000, i % 1000, {}));
    apply(std::move(filler), 900);
    apply({span_with(1, 3, {text("k", "old"), integer("n", 3)})}, 100);
    apply({span_with(2, 4, {text("k", "kept"), integer("n", 4)}), span_with(3, 5, {text("k", "gone"), integer("n", 5)})}, 900);
  }
};

TEST_F(ManyBuckets, SearchesFindSpansInEveryBucket) {
  EXPECT_EQ(count(*shard_, "SELECT max(bucket) - min(bucket) FROM attribute_values"), 3);
  EXPECT_EQ(traces_with(path_, equal("k", "old")), traces({1}));
  EXPECT_EQ(traces_with(path_, equal("k", "gone")), traces({3}));
  EXPECT_EQ(traces_with(path_, compare("n", Op::greater, 2.5)), traces({1, 2, 3}));
  EXPECT_EQ(traces_with(path_, compare("n", Op::less, 3)), traces({1, 2}));
}

TEST_F(ManyBuckets, DeletionTakesExactlyTheDeletedSpansPostings) {
  const std::string orphans =
      "SELECT (SELECT count(*) FROM attribute_values WHERE span_rowid NOT IN (SELECT rowid FROM spans)) + "
      "(SELECT count(*) FROM attribute_numbers WHERE span_rowid NOT IN (SELECT rowid FROM spans))";
  EXPECT_EQ(count(*shard_, "SELECT count(*) FROM attribute_values"), 10) << "k and n of 5 spans";
  EXPECT_EQ(count(*shard_, "SELECT count(*) FROM attribute_numbers"), 5);
  auto deleted = shard_->delete_received_before(500, 100);  // trace 1: spans 1 and 3, buckets 0 and 3
  ASSERT_TRUE(deleted.is_ok());
  EXPECT_EQ(*deleted, 1u);
  EXPECT_EQ(count(*shard_, "SELECT count(*) FROM attribute_values"), 6);
  EXPECT_EQ(count(*shard_, "SELECT count(*) FROM attribute_numbers"), 3);
  EXPECT_EQ(count(*shard_, orphans), 0);
  EXPECT_EQ(traces_with(path_, equal("k", "old")), traces({}));
  EXPECT_EQ(traces_with(path_, equal("k", "kept")), traces({2}));
  ASSERT_TRUE(shard_->delete_service("svc1", INT64_MAX).is_ok());  // trace 3 (trace 1 is gone)
  EXPECT_EQ(count(*shard_, "SELECT count(*) FROM attribute_values"), 4);
  EXPECT_EQ(count(*shard_, "SELECT count(*) FROM attribute_numbers"), 2);
  EXPECT_EQ(count(*shard_, orphans), 0);
  EXPECT_EQ(traces_with(path_, compare("n", Op::greater, 0)), traces({2}));
}

TEST_F(AttributeIndexTest, ARolledBackBatchLeavesNoKeyIdBehind) {
  apply({span_with(1, 1, {text("first.key", "a")})});
  // Fail the next batch after its attributes were written (a span's operation row is written after them).
  ASSERT_TRUE(shard_->db()
                  .exec("CREATE TEMP TRIGGER refuse AFTER INSERT ON main.operations WHEN new.service = 'svc0' "
                        "BEGIN SELECT RAISE(ABORT, 'refused'); END")
                  .is_ok());
  ++sequence_;
  EXPECT_FALSE(shard_->apply({{sequence_, 1, {span_with(2, 2, {text("new.key", "b")})}}}, sequence_).is_ok());
  ASSERT_TRUE(shard_->db().exec("DROP TRIGGER refuse").is_ok());
  EXPECT_EQ(count(*shard_, "SELECT count(*) FROM attribute_keys WHERE key = 'new.key'"), 0);
  // The rolled-back id of new.key is free again: another key takes it, and new.key must not reuse it.
  apply({span_with(3, 3, {text("other.key", "c"), text("new.key", "d")})});
  EXPECT_EQ(count(*shard_, "SELECT count(DISTINCT key_id) FROM attribute_keys"), 3);
  EXPECT_EQ(traces_with(path_, equal("new.key", "d")), traces({3}));
  EXPECT_EQ(traces_with(path_, equal("other.key", "d")), traces({}));
  EXPECT_EQ(test::value_postings(shard_->db(), "other.key"), 1);
}

// `spans` spans of 10 per trace (from trace `first_trace`), each with 8 text values (k0..k7), one of
// them twice, and a number: 9 value postings (the number's text too) and 1 number posting a span.
std::vector<SpanRecord> spans_past_the_flush_bound(int spans, int first_trace) {
  std::vector<SpanRecord> batch;
  for (int i = 0; i < spans; ++i) {
    std::vector<AttributeRow> attributes;
    for (int a = 0; a < 8; ++a) attributes.push_back(text("k" + std::to_string(a), "v" + std::to_string(i % 100)));
    attributes.push_back(text("k0", "v" + std::to_string(i % 100)));  // the same key and value again: one posting
    attributes.push_back(integer("n", i));
    batch.push_back(span_with(first_trace + i / 10, i, std::move(attributes)));
  }
  return batch;
}

TEST_F(AttributeIndexTest, ABatchPastTheFlushBoundIsWrittenWhole) {
  const int spans = 9'000;
  static_assert(9'000 * 10 > AttributeIndex::kFlushAtPostings, "the batch flushes before its commit");
  ++sequence_;
  auto applied = shard_->apply({{sequence_, 1, spans_past_the_flush_bound(spans, 0)}}, sequence_);
  ASSERT_TRUE(applied.is_ok()) << applied.status().to_string();
  EXPECT_EQ(applied->attribute_rows, 10u * spans) << "every value indexed counts, the repeated one too";
  EXPECT_EQ(count(*shard_, "SELECT count(*) FROM attribute_values"), 9 * spans) << "the repeated value is one posting";
  EXPECT_EQ(count(*shard_, "SELECT count(*) FROM attribute_numbers"), spans);
  EXPECT_EQ(count(*shard_, "SELECT count(*) FROM (SELECT span_rowid FROM attribute_values GROUP BY span_rowid HAVING count(*) = 9)"),
            spans);
  EXPECT_EQ(test::value_postings(shard_->db(), "k7"), spans);
  EXPECT_TRUE(traces_with(path_, equal("k7", "v42")).contains(trace_hex(894))) << "span 8,942, in the newest page";
  EXPECT_EQ(traces_with(path_, compare("n", Op::greater_or_equal, spans - 10)), traces({spans / 10 - 1}));
}

TEST_F(AttributeIndexTest, ARolledBackBatchPastTheFlushBoundLeavesNoPosting) {
  apply({span_with(1, 1, {text("k0", "before"), integer("n", -1)})});
  // The batch's last span fails (its operation row is new), after the first postings were flushed.
  ASSERT_TRUE(shard_->db()
                  .exec("CREATE TEMP TRIGGER refuse AFTER INSERT ON main.operations WHEN new.name = 'late' "
                        "BEGIN SELECT RAISE(ABORT, 'refused'); END")
                  .is_ok());
  std::vector<SpanRecord> batch = spans_past_the_flush_bound(9'000, 1'000);
  batch.back().name = "late";
  ++sequence_;
  EXPECT_FALSE(shard_->apply({{sequence_, 1, batch}}, sequence_).is_ok());
  EXPECT_EQ(count(*shard_, "SELECT count(*) FROM attribute_values"), 2);
  EXPECT_EQ(count(*shard_, "SELECT count(*) FROM attribute_numbers"), 1);
  EXPECT_EQ(count(*shard_, "SELECT count(*) FROM attribute_keys"), 2) << "k0 and n only";
  ASSERT_TRUE(shard_->db().exec("DROP TRIGGER refuse").is_ok());
  // Nothing of the failed batch is left buffered: a smaller one after it writes its own postings only.
  apply(spans_past_the_flush_bound(100, 1'000));
  EXPECT_EQ(count(*shard_, "SELECT count(*) FROM attribute_values"), 2 + 9 * 100);
  EXPECT_EQ(count(*shard_, "SELECT count(*) FROM attribute_numbers"), 1 + 100);
  EXPECT_EQ(traces_with(path_, equal("k0", "before")), traces({1}));
}

TEST_F(AttributeIndexTest, EachShardHashesWithASeedOfItsOwn) {
  auto other = Shard::open(dir_ / "part-1.sqlite", 1);
  ASSERT_TRUE(other.is_ok());
  auto mine = ValueHash::of_shard(shard_->db()), theirs = ValueHash::of_shard((*other)->db());
  ASSERT_TRUE(mine.is_ok());
  ASSERT_TRUE(theirs.is_ok());
  EXPECT_NE((*mine)("gpt-4o"), (*theirs)("gpt-4o"));
  EXPECT_EQ((*mine)("gpt-4o"), (*ValueHash::of_shard(shard_->db()))("gpt-4o")) << "and keeps it";
}

// An older shard whose migration was cut off after its first chunk (16 buckets of span rowids): the chunk
// is not done again, the rest is, and the old table goes.
TEST_F(AttributeIndexTest, TheMigrationOfAttributeRowsResumesWhereItStopped) {
  apply({span_with(1, 1, {})});
  shard_.reset();
  {
    auto db = Database::open(path_);
    ASSERT_TRUE(db.is_ok());
    ASSERT_TRUE(test::put_back_attribute_rows(**db, test::kVersion3Rows, R"sql(
        (1, 'k', 1, 'in the first chunk', NULL, 0), (65535, 'k', 1, 'in the first chunk', NULL, 0),
        (65536, 'k', 1, 'second', NULL, 0), (70000, 'n', 3, '7', 7, 0), (200000, 'k', 1, 'third', NULL, 1))sql")
                    .is_ok());
    ASSERT_TRUE((*db)->exec("INSERT INTO meta VALUES('attribute_postings_migrated_through', '65535')").is_ok());
  }
  auto shard = Shard::open(path_, 0);
  ASSERT_TRUE(shard.is_ok()) << shard.status().to_string();
  shard_ = std::move(shard.value());
  EXPECT_EQ(count(*shard_, "SELECT count(*) FROM sqlite_master WHERE name = 'span_attributes'"), 0);
  EXPECT_EQ(count(*shard_, "SELECT count(*) FROM meta WHERE key = 'attribute_postings_migrated_through'"), 0);
  auto rowids = shard_->db().prepare("SELECT group_concat(span_rowid) FROM (SELECT span_rowid FROM attribute_values ORDER BY 1)");
  ASSERT_TRUE(rowids.is_ok());
  ASSERT_TRUE(*rowids->step());
  EXPECT_EQ(rowids->column_text(0), "65536,70000,200000");
  EXPECT_EQ(test::value_postings(shard_->db(), "k", "second"), 1);
  EXPECT_EQ(test::value_postings(shard_->db(), "k", "third"), 1);
  EXPECT_EQ(test::number_postings(shard_->db(), "n", "number = 7"), 1);
  EXPECT_EQ(count(*shard_, "SELECT on_event FROM attribute_keys WHERE key_id = "
                           "(SELECT key_id FROM attribute_values WHERE span_rowid = 200000)"),
            1);
}

// 700 traces of 8 spans (two buckets), pairs of traces starting at the same time (the cursor's tie),
// applied in 7 batches (the live tail's watermark): `chat` on every trace, numbers 0..99, a rare model
// on every 7th trace (on an event every 11th), a tier on each.
class TwoStrategies : public AttributeIndexTest {
 protected:
  static constexpr int kTraces = 700, kSpansPerTrace = 8;

  void SetUp() override {
    AttributeIndexTest::SetUp();
    for (int batch = 0; batch < 7; ++batch) {
      std::vector<SpanRecord> spans;
      for (int t = batch * 100; t < (batch + 1) * 100; ++t) {
        for (int j = 0; j < kSpansPerTrace; ++j) {
          std::vector<AttributeRow> attributes;
          if (j == 0) attributes = {text("gen_ai.operation.name", "chat"), integer("tokens", t % 100)};
          if (j == 3 && t % 7 == 0) attributes = {text("model", "rare-model")};
          if (j == 4 && t % 11 == 0) attributes = {text("model", "rare-model", true)};
          if (j == 5) attributes = {text("tier", t % 2 ? "gold" : "silver")};
          SpanRecord span = span_with(t, j, std::move(attributes));
          span.start_ns = 1000 + (t / 2) * 100 + j;
          span.end_ns = span.start_ns + 50;
          spans.push_back(std::move(span));
        }
      }
      apply(std::move(spans));
    }
  }

  // The pages of both strategies (test::search_pages), which must be equal.
  std::vector<std::string> both(const protocol::query::SearchQuery& search, int64_t limit = 7) {
    auto [listed, probed] = test::search_both_ways(path_, search, limit);
    EXPECT_EQ(listed, probed);
    return listed;
  }

  static protocol::query::SearchQuery with(std::vector<protocol::query::AttributeFilter> filters) {
    protocol::query::SearchQuery search;
    search.attributes = std::move(filters);
    return search;
  }
};

TEST_F(TwoStrategies, ListingAndProbingGiveTheSameAnswersPageByPage) {
  EXPECT_EQ(count(*shard_, "SELECT max(bucket) - min(bucket) FROM attribute_values"), 1) << "the postings span two buckets";
  const auto chat = both(with({equal("gen_ai.operation.name", "chat")}));
  EXPECT_EQ(chat.size(), size_t{kTraces});
  EXPECT_EQ(std::set<std::string>(chat.begin(), chat.end()).size(), size_t{kTraces}) << "each trace once across pages";
  EXPECT_EQ(chat.front(), trace_hex(699)) << "newest first, ties by trace id descending";
  EXPECT_EQ(both(with({equal("model", "rare-model")})).size(), size_t{100 + 64 - 10}) << "on a span or an event (t % 7, t % 11, both for t % 77)";
  EXPECT_EQ(both(with({compare("tokens", Op::greater_or_equal, 90)})).size(), size_t{70});
  EXPECT_EQ(both(with({compare("tokens", Op::less, 5)})).size(), size_t{35});
  EXPECT_EQ(both(with({equal("gen_ai.operation.name", "chat"), equal("tier", "gold"), compare("tokens", Op::greater, 49)})).size(),
            size_t{175})
      << "several filters together";
  EXPECT_TRUE(both(with({equal("gen_ai.operation.name", "gpt"), equal("tier", "gold")})).empty());
  auto window = with({equal("tier", "silver")});
  window.from_ns = 1000 + 100 * 100;
  window.to_ns = 1000 + 200 * 100;
  EXPECT_EQ(both(window).size(), size_t{101}) << "traces 200 to 400 that start in the window, the even ones";
  window.service = "svc1";
  EXPECT_TRUE(both(window).empty()) << "silver traces are even, on svc0";
}

TEST_F(TwoStrategies, TheLiveTailGetsTheSameTracesFromEitherStrategy) {
  auto tail = with({equal("gen_ai.operation.name", "chat"), compare("tokens", Op::less, 10)});
  const auto all = both(tail, 1000);
  ASSERT_EQ(all.size(), size_t{70});
  const int64_t mark = count(*shard_, "SELECT indexed_ns FROM traces WHERE trace_id = x'" + trace_hex(399) + "'");
  tail.indexed_after = std::map<uint32_t, int64_t>{{0, mark}};
  // A batch's traces share their indexed_ns: their order among themselves is the plan's, so compared as sets.
  const auto [listed, probed] = test::search_both_ways(path_, tail, 1000);
  EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()), std::set<std::string>(probed.begin(), probed.end()));
  EXPECT_EQ(listed.size(), size_t{30}) << "the batches after trace 399's";
  for (const auto& ids : {listed, probed}) {
    ASSERT_FALSE(ids.empty());
    EXPECT_GE(ids.front(), trace_hex(400)) << "oldest indexed first";
    EXPECT_LE(ids.front(), trace_hex(499));
  }
}

TEST_F(TwoStrategies, TheCountChoosesTheStrategyPerValue) {
  auto db = Database::open(path_, true);
  ASSERT_TRUE(db.is_ok());
  auto hash = ValueHash::of_shard(**db);
  ASSERT_TRUE(hash.is_ok());
  auto strategy = [&](const protocol::query::AttributeFilter& filter, int64_t list_at_most) {
    auto chosen = strategy_for(**db, filter, *hash, list_at_most);
    EXPECT_TRUE(chosen.is_ok());
    return chosen.is_ok() ? *chosen : Strategy::list_traces;
  };
  EXPECT_EQ(strategy(equal("gen_ai.operation.name", "chat"), kTraces), Strategy::list_traces) << "700 spans: at the bound";
  EXPECT_EQ(strategy(equal("gen_ai.operation.name", "chat"), kTraces - 1), Strategy::probe_each_trace);
  EXPECT_EQ(strategy(compare("tokens", Op::greater_or_equal, 90), 70), Strategy::list_traces);
  EXPECT_EQ(strategy(compare("tokens", Op::greater_or_equal, 90), 69), Strategy::probe_each_trace);
  EXPECT_EQ(strategy(equal("gen_ai.operation.name", "chat"), query::kListTracesAtMostSpans), Strategy::list_traces);
  EXPECT_EQ(strategy(equal("no.such.key", "x"), 0), Strategy::list_traces) << "nothing to list";
}

// The probing form reads the postings by their whole primary key (a number by its key and range, in the
// span's bucket) and the spans by their trace: no scan but the newest-first walk of traces.
TEST_F(TwoStrategies, ProbingSearchesThePostingsPrimaryKeyAndScansNoPostingsOrSpans) {
  auto db = Database::open(path_, true);
  ASSERT_TRUE(db.is_ok());
  for (Op op : {Op::equal, Op::greater_or_equal}) {
    auto plan = (*db)->prepare("EXPLAIN QUERY PLAN SELECT t.trace_id FROM traces t WHERE " +
                               trace_condition_sql(op, Strategy::probe_each_trace) + " ORDER BY t.start_ns DESC, t.trace_id DESC LIMIT 20");
    ASSERT_TRUE(plan.is_ok()) << plan.status().to_string();
    plan->bind_text(1, "k");
    if (op == Op::equal) plan->bind(2, int64_t{42});
    else plan->bind(2, 1.5);
    auto read = test::query_plan(*plan);
    ASSERT_TRUE(read.is_ok()) << read.status().to_string();
    const auto& [steps, scans] = *read;
    EXPECT_NE(steps.find("SEARCH s USING COVERING INDEX sqlite_autoindex_spans_1 (trace_id=?)"), std::string::npos) << steps;
    EXPECT_NE(steps.find(op == Op::equal ? "SEARCH p USING PRIMARY KEY (bucket=? AND key_id=? AND value_hash=? AND span_rowid=?)"
                                         : "SEARCH p USING PRIMARY KEY (bucket=? AND key_id=? AND number>?)"),
              std::string::npos)
        << steps;
    EXPECT_EQ(scans, std::vector<std::string>{"SCAN t USING INDEX traces_start"}) << steps;
  }
}

}  // namespace
}  // namespace spanline::indexer::attributes
