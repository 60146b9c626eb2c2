// Full text (search/search_index.h): a rare text's traces listed first and a
// common text's probed trace by trace give the same pages, with cursors,
// windows and the live tail's watermark; the count chooses the strategy; the
// probing form seeks the span's rowid in the index instead of reading it whole.
#include "stages/indexer/search/search_index.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <set>

#include "stages/indexer/query/shard_queries.h"
#include "stages/indexer/shard.h"
#include "stages/indexer/span_body/body_store.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/indexer/search_pages.h"

namespace spanline::indexer::search {
namespace {

std::string trace_hex(int trace) {
  char hex[5];
  std::snprintf(hex, sizeof hex, "%04x", trace);
  return std::string(28, '0') + hex;
}

// 600 traces of 6 spans applied in 6 batches (the live tail's watermark), pairs of traces starting at the same
// time (the cursor's tie): "summarise the report" on a span of every trace, "zanzibar" on every 9th (in its
// status message every 13th), "東京タワー" in a value of every 50th.
class SearchStrategies : public ::testing::Test {
 protected:
  static constexpr int kTraces = 600, kSpansPerTrace = 6;

  void SetUp() override {
    path_ = dir_ / "part-0.sqlite";
    auto shard = Shard::open(path_, 0);
    ASSERT_TRUE(shard.is_ok()) << shard.status().to_string();
    shard_ = std::move(shard.value());
    for (int batch = 0; batch < 6; ++batch) {
      std::vector<SpanRecord> spans;
      for (int t = batch * 100; t < (batch + 1) * 100; ++t) {
        for (int j = 0; j < kSpansPerTrace; ++j) spans.push_back(span(t, j));
      }
      ++sequence_;
      auto applied = shard_->apply({{sequence_, 1, std::move(spans)}}, sequence_);
      ASSERT_TRUE(applied.is_ok()) << applied.status().to_string();
    }
  }

  static SpanRecord span(int trace, int j) {
    SpanRecord r;
    r.trace_id = std::string(14, '\0') + static_cast<char>(trace >> 8) + static_cast<char>(trace & 0xff);
    r.span_id = std::string(6, '\0') + static_cast<char>(j >> 8) + static_cast<char>(j & 0xff);
    r.service = "svc" + std::to_string(trace % 2);
    r.name = j == 0 ? "request" : "step " + std::to_string(j);
    r.start_ns = 1000 + (trace / 2) * 100 + j;
    r.end_ns = r.start_ns + 50;
    r.attributes_json = r.events_json = r.links_json = r.resource_json = r.scope_json = "{}";
    auto value = [&](const std::string& key, const std::string& text) { r.attributes.push_back({key, ValueType::string, text, 0, false}); };
    if (j == 1) value("prompt", "please summarise the report " + std::to_string(trace));
    if (j == 2 && trace % 9 == 0) value("city", "zanzibar");
    if (j == 3 && trace % 13 == 0) r.status_message = "lost near Zanzibar";
    if (j == 4 && trace % 50 == 0) value("note", "今日は東京タワーに行きました");
    if (j == 5 && trace % 100 == 0) value("menu", "abcx bcd at the Café");
    return r;
  }

  std::vector<std::string> pages(const protocol::query::SearchQuery& search, int64_t list_at_most, int64_t limit) {
    return test::search_pages(path_, search, list_at_most, limit);
  }

  // The answers of both strategies, which must be equal.
  std::vector<std::string> both(const protocol::query::SearchQuery& search, int64_t limit = 7) {
    auto answers = test::search_both_ways(path_, search, limit);
    EXPECT_EQ(answers.listed, answers.probed);
    return answers.listed;
  }

  static protocol::query::SearchQuery text(const std::string& text) {
    protocol::query::SearchQuery search;
    search.text = text;
    return search;
  }

  testing::TempDir dir_;
  std::string path_;
  std::unique_ptr<Shard> shard_;
  uint64_t sequence_ = 0;
};

TEST_F(SearchStrategies, ListingAndProbingGiveTheSameAnswersPageByPage) {
  const auto common = both(text("summarise"));
  EXPECT_EQ(common.size(), size_t{kTraces});
  EXPECT_EQ(std::set<std::string>(common.begin(), common.end()).size(), size_t{kTraces}) << "each trace once across pages";
  EXPECT_EQ(common.front(), trace_hex(599)) << "newest first, ties by trace id descending";
  EXPECT_EQ(both(text("zanzibar")).size(), size_t{67 + 47 - 6}) << "a value or a status message, any case (t % 9, t % 13, both for t % 117)";
  EXPECT_EQ(both(text("京タワ")).size(), size_t{12}) << "a substring inside a Japanese phrase";
  EXPECT_EQ(both(text("report 12")).size(), size_t{11}) << "a phrase across a space: 12, 120-129";
  EXPECT_EQ(both(text("the report 599")), std::vector<std::string>{trace_hex(599)});
  EXPECT_TRUE(both(text("report summarise")).empty()) << "the words in another order are not the substring";
  EXPECT_TRUE(both(text("no such text")).empty());
  EXPECT_EQ(both(text("ZANZIBAR")).size(), size_t{108}) << "folded as the index folds";
  EXPECT_EQ(both(text("CAFÉ")).size(), size_t{6}) << "a non-ASCII capital too";
  EXPECT_EQ(both(text("bcd")).size(), size_t{6});
  EXPECT_TRUE(both(text("abcd")).empty()) << "its trigrams abc and bcd are in the text, not side by side";
  EXPECT_TRUE(both(text("bcdbcd")).empty()) << "one trigram twice is not the trigram once";
  auto window = text("summarise");
  window.from_ns = 1000 + 100 * 100;
  window.to_ns = 1000 + 200 * 100;
  window.service = "svc1";
  EXPECT_EQ(both(window).size(), size_t{101}) << "the odd traces 201 to 401, which start in the window";
  window.errors_only = true;
  EXPECT_TRUE(both(window).empty());
}

TEST_F(SearchStrategies, TheLiveTailGetsTheSameTracesFromEitherStrategy) {
  auto tail = text("summarise");
  auto db = Database::open(path_, true);
  ASSERT_TRUE(db.is_ok());
  auto mark = (*db)->prepare("SELECT indexed_ns FROM traces WHERE trace_id = x'" + trace_hex(399) + "'");
  ASSERT_TRUE(mark.is_ok());
  ASSERT_TRUE(mark->step().is_ok());
  tail.indexed_after = std::map<uint32_t, int64_t>{{0, mark->column_int(0)}};
  // A batch's traces share their indexed_ns: their order among themselves is the plan's, so compared as sets.
  const auto listed = pages(tail, INT64_MAX, 1000), probed = pages(tail, 0, 1000);
  EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()), std::set<std::string>(probed.begin(), probed.end()));
  EXPECT_EQ(listed.size(), size_t{200}) << "the batches after trace 399's";
}

TEST_F(SearchStrategies, TheCountChoosesTheStrategyPerText) {
  auto db = Database::open(path_, true);
  ASSERT_TRUE(db.is_ok());
  auto strategy = [&](const std::string& text, int64_t list_at_most) {
    auto chosen = strategy_for(**db, text, list_at_most);
    EXPECT_TRUE(chosen.is_ok());
    return chosen.is_ok() ? *chosen : Strategy::list_traces;
  };
  EXPECT_EQ(strategy("summarise", kTraces), Strategy::list_traces) << "600 spans: at the bound";
  EXPECT_EQ(strategy("summarise", kTraces - 1), Strategy::probe_each_trace);
  EXPECT_EQ(strategy("summarise", query::kListTracesAtMostSpans), Strategy::list_traces);
  EXPECT_EQ(strategy("no such text", 0), Strategy::list_traces) << "nothing to list";
}

// A trace whose spans lie far apart in the shard (more than kProbeRangeAtMostRowids rowids) is probed span by span.
TEST_F(SearchStrategies, ATraceWhoseSpansLieFarApartIsFoundByEitherStrategy) {
  std::vector<SpanRecord> fillers;
  for (int t = 1000; t < 1000 + kProbeRangeAtMostRowids; ++t) fillers.push_back(span(t, 1));
  SpanRecord late = span(3, 9);
  late.status_message = "a late quince";
  ++sequence_;
  ASSERT_TRUE(shard_->apply({{sequence_, 1, std::move(fillers)}}, sequence_).is_ok());
  ++sequence_;
  ASSERT_TRUE(shard_->apply({{sequence_, 1, {late}}}, sequence_).is_ok());
  EXPECT_EQ(both(text("late quince")), std::vector<std::string>{trace_hex(3)});
  EXPECT_EQ(both(text("summarise")).size(), size_t{kTraces + kProbeRangeAtMostRowids});
}

// A shard whose span_search keeps positions (made before detail=none) answers as a new one, in both strategies.
TEST_F(SearchStrategies, AShardWithPositionsAnswersAsOneWithout) {
  auto detail = detail_of(shard_->db());
  ASSERT_TRUE(detail.is_ok());
  EXPECT_EQ(*detail, Detail::none) << "a new shard's";
  const std::vector<std::string> texts = {"summarise", "zanzibar", "ZANZIBAR", "京タワ", "report 12", "the report 599", "report summarise",
                                          "CAFÉ", "bcd", "abcd", "bcdbcd", "no such text"};
  std::vector<std::vector<std::string>> without;
  for (const std::string& t : texts) without.push_back(both(text(t)));
  span_body::register_sql_function_everywhere();
  auto db = Database::open(path_);
  ASSERT_TRUE(db.is_ok());
  ASSERT_TRUE((*db)->exec("DROP TABLE span_search; "
                          "CREATE VIRTUAL TABLE span_search USING fts5(content, content='', columnsize=0, tokenize='trigram'); "
                          "INSERT INTO span_search(rowid, content) SELECT rowid, span_body_text(body, 'search') FROM spans")
                  .is_ok());
  detail = detail_of(**db);
  ASSERT_TRUE(detail.is_ok());
  EXPECT_EQ(*detail, Detail::full);
  for (size_t i = 0; i < texts.size(); ++i) EXPECT_EQ(both(text(texts[i])), without[i]) << texts[i];
}

// The probing form walks the traces newest first and, per span of a trace, gives FTS5 the span's rowid with the
// phrase (its plan's `=` beside the match): no scan of spans, no list of the text's rowids.
TEST_F(SearchStrategies, ProbingSeeksEachSpanInTheIndex) {
  auto db = Database::open(path_, true);
  ASSERT_TRUE(db.is_ok());
  ASSERT_TRUE(register_reader_function(**db).is_ok());
  for (Detail detail : {Detail::full, Detail::none}) {
    auto plan = (*db)->prepare("EXPLAIN QUERY PLAN SELECT t.trace_id FROM traces t WHERE " +
                               trace_condition_sql(Strategy::probe_each_trace, detail) + " ORDER BY t.start_ns DESC, t.trace_id DESC LIMIT 20");
    ASSERT_TRUE(plan.is_ok()) << plan.status().to_string();
    auto read = test::query_plan(*plan);
    ASSERT_TRUE(read.is_ok());
    const std::string& steps = read->steps;
    EXPECT_NE(steps.find("SEARCH s USING "), std::string::npos) << steps;
    EXPECT_NE(steps.find("(trace_id=?)"), std::string::npos) << steps;
    EXPECT_NE(steps.find("VIRTUAL TABLE INDEX 0:=M"), std::string::npos) << "a span's rowid reaches FTS5\n" << steps;
    EXPECT_NE(steps.find("VIRTUAL TABLE INDEX 0:M1><"), std::string::npos) << "a trace's range of rowids reaches FTS5\n" << steps;
    for (const std::string& scan : read->scans) {
      EXPECT_TRUE(scan == "SCAN t USING INDEX traces_start" || scan == "SCAN f VIRTUAL TABLE INDEX 0:=M1" || scan == "SCAN f VIRTUAL TABLE INDEX 0:M1><")
          << "no scan but the newest-first walk and FTS5's seeks\n" << steps;
    }
  }
}

}  // namespace
}  // namespace spanline::indexer::search

namespace spanline::indexer::search {
namespace {

// A quiet partition merges the index's segments (Shard::merge_search_when_quiet): one segment left, the same
// answers, the index consistent, and nothing more to do once merged.
TEST_F(SearchStrategies, MergingTheSegmentsOfAQuietShardKeepsEveryAnswer) {
  auto segments = [&] {
    auto db = Database::open(path_, true);
    auto count = (*db)->prepare("SELECT count(DISTINCT segid) FROM span_search_idx");
    EXPECT_TRUE(count.is_ok() && count->step().is_ok());
    return count->column_int(0);
  };
  const auto common = both(text("summarise")), rare = both(text("zanzibar")), cjk = both(text("京タワ"));
  ASSERT_GT(segments(), 1) << "each of the six batches added one";
  int steps = 0;
  while (shard_->merge_search_when_quiet()) ASSERT_LT(++steps, 100) << "the merge ends";
  EXPECT_EQ(segments(), 1);
  EXPECT_FALSE(shard_->merge_search_when_quiet()) << "nothing left to merge";
  EXPECT_TRUE(shard_->db().exec("INSERT INTO span_search(span_search) VALUES('integrity-check')").is_ok());
  EXPECT_EQ(both(text("summarise")), common);
  EXPECT_EQ(both(text("zanzibar")), rare);
  EXPECT_EQ(both(text("京タワ")), cjk);
}

}  // namespace
}  // namespace spanline::indexer::search
