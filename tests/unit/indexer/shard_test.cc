#include "stages/indexer/shard.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "stages/indexer/query/shard_queries.h"
#include "stages/indexer/search/search_index.h"
#include "stages/indexer/span_body/body_store.h"
#include "stages/indexer/span_decoder.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/indexer/attribute_postings.h"

namespace spanline::indexer {
namespace {

SpanRecord span(int trace, int id, int parent, int64_t start, int64_t end, int status = 0) {
  SpanRecord r;
  r.trace_id = std::string(15, '\0') + static_cast<char>(trace);
  r.span_id = std::string(7, '\0') + static_cast<char>(id);
  if (parent > 0) r.parent_span_id = std::string(7, '\0') + static_cast<char>(parent);
  r.service = "svc" + std::to_string(id % 2);
  r.name = "op" + std::to_string(id);
  r.start_ns = start;
  r.end_ns = end;
  r.status_code = status;
  r.attributes_json = r.events_json = r.links_json = r.resource_json = r.scope_json = "{}";
  return r;
}

int64_t query(Shard& shard, const std::string& sql) {
  auto statement = shard.db().prepare(sql);
  EXPECT_TRUE(statement.is_ok()) << sql;
  auto row = statement->step();
  return row.is_ok() && *row ? statement->column_int(0) : -1;
}

// How many spans the full-text index names for `text` (search::match_query, in the shard's detail).
int64_t spans_named(Shard& shard, const std::string& text) {
  auto detail = search::detail_of(shard.db());
  if (!detail) return -1;
  auto statement = shard.db().prepare("SELECT count(*) FROM span_search WHERE span_search MATCH ?");
  if (!statement) return -1;
  statement->bind_text(1, search::match_query(text, *detail));
  auto row = statement->step();
  return row.is_ok() && *row ? statement->column_int(0) : -1;
}

TEST(Shard, TraceSummaryIsRightWhenChildrenArriveBeforeTheRootAcrossBatches) {
  testing::TempDir dir;
  auto shard = Shard::open(dir / "part-0.sqlite", 0);
  ASSERT_TRUE(shard.is_ok()) << shard.status().to_string();
  ASSERT_TRUE((*shard)->apply({{1, 100, {span(1, 3, 2, 300, 400, 2)}}}, 1).is_ok());
  ASSERT_TRUE((*shard)->apply({{2, 100, {span(1, 2, 1, 200, 500)}}}, 2).is_ok());
  EXPECT_EQ(query(**shard, "SELECT root_name = 'op2' FROM traces"), 1) << "until the root comes, the earliest span stands in";
  ASSERT_TRUE((*shard)->apply({{3, 100, {span(1, 1, 0, 100, 600)}}}, 3).is_ok());
  EXPECT_EQ(query(**shard, "SELECT count(*) FROM traces"), 1);
  EXPECT_EQ(query(**shard, "SELECT span_count FROM traces"), 3);
  EXPECT_EQ(query(**shard, "SELECT error_count FROM traces"), 1);
  EXPECT_EQ(query(**shard, "SELECT start_ns FROM traces"), 100);
  EXPECT_EQ(query(**shard, "SELECT end_ns FROM traces"), 600);
  EXPECT_EQ(query(**shard, "SELECT root_name = 'op1' FROM traces"), 1);
  EXPECT_EQ(query(**shard, "SELECT services = 'svc0,svc1' FROM traces"), 1);
}

TEST(Shard, AReplayedSpanLeavesOneRowAndTheCursorPersists) {
  testing::TempDir dir;
  {
    auto shard = Shard::open(dir / "part-2.sqlite", 2);
    auto first = (*shard)->apply({{5, 1, {span(7, 1, 0, 1, 2), span(7, 2, 1, 1, 2)}}}, 5);
    ASSERT_TRUE(first.is_ok());
    EXPECT_EQ(first->spans_written, 2u);
    auto replay = (*shard)->apply({{6, 1, {span(7, 1, 0, 1, 2)}}}, 6);
    ASSERT_TRUE(replay.is_ok());
    EXPECT_EQ(replay->spans_duplicate, 1u);
    EXPECT_EQ(query(**shard, "SELECT span_count FROM traces"), 2);
  }
  auto reopened = Shard::open(dir / "part-2.sqlite", 2);
  ASSERT_TRUE(reopened.is_ok());
  EXPECT_EQ((*reopened)->cursor(), 6u);
  EXPECT_EQ(query(**reopened, "SELECT count(*) FROM spans"), 2);
  EXPECT_FALSE(Shard::open(dir / "part-2.sqlite", 3).is_ok()) << "a shard file belongs to one partition";
}

TEST(Shard, FullTextFindsCjkAccentedAndCodeSubstrings) {
  testing::TempDir dir;
  auto shard = Shard::open(dir / "part-0.sqlite", 0);
  SpanRecord r = span(1, 1, 0, 1, 2);
  for (std::string text : {"请帮我总结这份季度报告", "東京の天気を教えてください", "Crème brûlée recipe", "def parse_config(path):"}) {
    r.attributes.push_back({"input.value", ValueType::string, text, 0, false});
  }
  ASSERT_TRUE((*shard)->apply({{1, 1, {r}}}, 1).is_ok());
  for (std::string phrase : {"季度报告", "天気を", "brûlée", "parse_config"}) {
    EXPECT_EQ(spans_named(**shard, phrase), 1) << phrase;
  }
}

TEST(Shard, NumericAttributeFiltersCompareNumbersAndHugeValuesGetNoRow) {
  testing::TempDir dir;
  auto shard = Shard::open(dir / "part-0.sqlite", 0);
  SpanRecord small = span(1, 1, 0, 1, 2), large = span(1, 2, 1, 1, 2);
  small.attributes.push_back({"gen_ai.usage.input_tokens", ValueType::integer, "900", 900, false});
  large.attributes.push_back({"gen_ai.usage.input_tokens", ValueType::integer, "1500", 1500, false});
  large.attributes.push_back({"prompt", ValueType::string, std::string(10'000, 'p'), 0, false});
  ASSERT_TRUE((*shard)->apply({{1, 1, {small, large}}}, 1).is_ok());
  EXPECT_EQ(test::number_postings((*shard)->db(), "gen_ai.usage.input_tokens", "number > 1000"), 1);
  EXPECT_EQ(test::value_postings((*shard)->db(), "prompt"), 0);
  EXPECT_EQ(spans_named(**shard, "pppppp"), 1);
}

std::string text(Shard& shard, const std::string& sql) {
  auto statement = shard.db().prepare(sql);
  EXPECT_TRUE(statement.is_ok()) << sql;
  auto row = statement->step();
  return row.is_ok() && *row ? statement->column_text(0) : "(no row)";
}

// A stored text of the shard's first span, read as the query side reads it (span_body/).
std::string stored(Shard& shard, span_body::Text which) {
  auto row = shard.db().prepare("SELECT " + std::string(span_body::kColumns) + " FROM spans ORDER BY rowid LIMIT 1");
  EXPECT_TRUE(row.is_ok() && *row->step());
  span_body::BodyReader reader(shard.db());
  auto texts = reader.read(*row, 0);
  EXPECT_TRUE(texts.is_ok()) << texts.status().to_string();
  return texts.is_ok() ? (*texts)[which] : "(unreadable)";
}

TEST(Shard, StoresNonFiniteDoublesEveryDroppedCountAndBothSchemaUrlsAsDecoded) {
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
  auto* resource_spans = request.add_resource_spans();
  resource_spans->set_schema_url("https://opentelemetry.io/schemas/1.26.0");
  auto* scope_spans = resource_spans->add_scope_spans();
  scope_spans->set_schema_url("https://opentelemetry.io/schemas/1.24.0");
  scope_spans->mutable_scope()->set_name("lib");
  auto* otlp_span = scope_spans->add_spans();
  otlp_span->set_trace_id(std::string(16, '\x01'));
  otlp_span->set_span_id(std::string(8, '\x02'));
  otlp_span->set_dropped_attributes_count(3);
  otlp_span->set_dropped_events_count(4);
  otlp_span->set_dropped_links_count(5);
  for (auto [key, value] : {std::pair{"nan", std::numeric_limits<double>::quiet_NaN()},
                            std::pair{"inf", std::numeric_limits<double>::infinity()}}) {
    auto* attribute = otlp_span->add_attributes();
    attribute->set_key(key);
    attribute->mutable_value()->set_double_value(value);
  }
  auto records = decode_spans(request.SerializeAsString());
  ASSERT_TRUE(records.is_ok());

  testing::TempDir dir;
  auto shard = Shard::open(dir / "part-0.sqlite", 0);
  ASSERT_TRUE((*shard)->apply({{1, 1, std::move(*records)}}, 1).is_ok());
  EXPECT_EQ(stored(**shard, span_body::Text::attributes), R"({"inf":"Infinity","nan":"NaN"})");
  const auto scope = nlohmann::json::parse(stored(**shard, span_body::Text::scope));
  EXPECT_EQ(scope.value("schema_url", "") + " " + scope.value("resource_schema_url", ""),
            "https://opentelemetry.io/schemas/1.24.0 https://opentelemetry.io/schemas/1.26.0");
  EXPECT_EQ(text(**shard, "SELECT dropped_attributes_count || dropped_events_count || dropped_links_count FROM spans"), "345");
  // NaN is found by its text but is no number, so no numeric comparison matches it; an infinity is a number.
  EXPECT_EQ(test::value_postings((*shard)->db(), "nan", "NaN"), 1);
  EXPECT_EQ(test::number_postings((*shard)->db(), "nan"), 0);
  EXPECT_EQ(test::value_postings((*shard)->db(), "inf", "Infinity"), 1);
  EXPECT_EQ(test::number_postings((*shard)->db(), "inf", "number > 1e308"), 1);
}

TEST(Shard, RetentionAndServiceDeletionRemoveRowsAndFixSummaries) {
  testing::TempDir dir;
  auto shard = Shard::open(dir / "part-0.sqlite", 0);
  ASSERT_TRUE((*shard)->apply({{1, 100, {span(1, 1, 0, 1, 2)}}, {2, 900, {span(2, 2, 0, 1, 2), span(2, 3, 2, 1, 2)}}}, 2).is_ok());
  auto deleted = (*shard)->delete_received_before(500, 100);
  ASSERT_TRUE(deleted.is_ok());
  EXPECT_EQ(*deleted, 1u);
  EXPECT_EQ(query(**shard, "SELECT count(*) FROM spans"), 2);
  EXPECT_EQ(query(**shard, "SELECT count(*) FROM traces"), 1);
  auto removed = (*shard)->delete_service("svc1'; DROP TABLE spans; --", INT64_MAX);
  ASSERT_TRUE(removed.is_ok()) << "a hostile name is a value, not SQL";
  EXPECT_EQ(query(**shard, "SELECT count(*) FROM spans"), 2);
  removed = (*shard)->delete_service("svc1", INT64_MAX);  // span 3 is svc1
  ASSERT_TRUE(removed.is_ok());
  EXPECT_EQ(query(**shard, "SELECT count(*) FROM spans"), 1);
  EXPECT_EQ(query(**shard, "SELECT span_count FROM traces"), 1);
  EXPECT_EQ(query(**shard, "SELECT count(*) FROM operations WHERE service = 'svc1'"), 0);
}

TEST(Shard, AVersion2To8ShardsAttributeRowsBecomePostingsAndItsSearchesStillAnswer) {
  for (std::string_view layout : {test::kVersion2Rows, test::kVersion3Rows}) {
    testing::TempDir dir;
    const std::string path = dir / "part-0.sqlite";
    {
      auto shard = Shard::open(path, 0);
      ASSERT_TRUE((*shard)->apply({{1, 1, {span(1, 1, 0, 1, 2)}}, {2, 900, {span(2, 2, 0, 1, 2)}}}, 2).is_ok());
    }
    {
      auto db = Database::open(path);
      ASSERT_TRUE(db.is_ok());
      ASSERT_TRUE(test::put_back_attribute_rows(**db, layout, R"sql(
          ((SELECT rowid FROM spans WHERE name = 'op1'), 'gen_ai.request.model', 1, 'gpt-4o', NULL, 0),
          ((SELECT rowid FROM spans WHERE name = 'op1'), 'gen_ai.usage.input_tokens', 3, '900', 900, 0),
          ((SELECT rowid FROM spans WHERE name = 'op1'), 'junjo.store.action', 1, 'set', NULL, 1),
          ((SELECT rowid FROM spans WHERE name = 'op2'), 'gen_ai.request.model', 1, 'claude', NULL, 0))sql")
                      .is_ok());
    }
    auto shard = Shard::open(path, 0);
    ASSERT_TRUE(shard.is_ok()) << shard.status().message();
    EXPECT_GE(query(**shard, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'schema_version'"), 9);
    EXPECT_EQ(query(**shard, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'span_attributes%'"), 0) << "the old rows went";
    EXPECT_EQ(query(**shard, "SELECT count(*) FROM attribute_values"), 4);
    EXPECT_EQ(query(**shard, "SELECT count(*) FROM attribute_numbers"), 1);
    const std::string trace1 = "00000000000000000000000000000001", trace2 = "00000000000000000000000000000002";
    using Op = protocol::query::AttributeFilter::Op;
    EXPECT_EQ(test::traces_with(path, test::equal("gen_ai.request.model", "claude")), std::set<std::string>{trace2});
    EXPECT_EQ(test::traces_with(path, test::equal("gen_ai.usage.input_tokens", "900")), std::set<std::string>{trace1});
    EXPECT_EQ(test::traces_with(path, test::compare("gen_ai.usage.input_tokens", Op::greater, 500)), std::set<std::string>{trace1});
    EXPECT_EQ(test::traces_with(path, test::equal("junjo.store.action", "set")), std::set<std::string>{trace1}) << "an event's";
    // New spans still index after the migration, and retention still takes postings with their span.
    SpanRecord third = span(3, 3, 0, 1, 2);
    third.attributes.push_back({"gen_ai.request.model", ValueType::string, "claude", 0, false});
    ASSERT_TRUE((*shard)->apply({{3, 950, {third}}}, 3).is_ok());
    EXPECT_EQ(test::value_postings((*shard)->db(), "gen_ai.request.model", "claude"), 2);
    ASSERT_TRUE((*shard)->delete_received_before(500, 100).is_ok());
    EXPECT_EQ(query(**shard, "SELECT count(*) FROM attribute_values"), 2);
    EXPECT_EQ(query(**shard, "SELECT count(*) FROM attribute_numbers"), 0);
  }
}

// What a reader thread answers for `kind` (its own connection, as the query threads have).
nlohmann::json ask(const std::string& path, std::string_view kind, const nlohmann::json& params) {
  auto reader = query::ShardReader::open(path, 0);
  EXPECT_TRUE(reader.is_ok());
  auto answer = (*reader)->run(kind, params, SteadyClock::now() + std::chrono::seconds(5));
  EXPECT_TRUE(answer.is_ok()) << answer.status().to_string();
  return answer.is_ok() ? nlohmann::json::parse(*answer) : nlohmann::json::object();
}

size_t traces_found(const std::string& path, const std::string& text) {
  return ask(path, "search", {{"q", text}, {"limit", 100}}).value("traces", nlohmann::json::array()).size();
}

std::string trace_hex(int trace) {
  char hex[3];
  std::snprintf(hex, sizeof hex, "%02x", trace);
  return std::string(30, '0') + hex;
}

bool search_index_is_sound(Shard& shard) {
  return shard.db().exec("INSERT INTO span_search(span_search) VALUES('integrity-check')").is_ok();
}

TEST(Shard, FullTextOfDeletedSpansLeavesTheContentlessIndex) {
  testing::TempDir dir;
  const std::string path = dir / "part-0.sqlite";
  auto shard = Shard::open(path, 0);
  ASSERT_TRUE(shard.is_ok());
  SpanRecord old_span = span(1, 1, 0, 1, 2), kept = span(2, 2, 0, 1, 2), gone = span(3, 3, 0, 1, 2);
  old_span.attributes.push_back({"input.value", ValueType::string, "retention takes marmalade", 0, false});
  kept.attributes.push_back({"input.value", ValueType::string, "kept marmalade", 0, false});
  gone.attributes.push_back({"input.value", ValueType::string, "service deletion takes quince", 0, false});
  ASSERT_TRUE((*shard)->apply({{1, 100, {old_span}}, {2, 900, {kept, gone}}}, 2).is_ok());
  ASSERT_TRUE((*shard)->apply({{3, 900, {kept}}}, 3).is_ok());  // a replay: one row, its text indexed once
  EXPECT_EQ(query(**shard, "SELECT count(*) FROM spans"), 3);
  EXPECT_EQ(spans_named(**shard, "kept marmalade"), 1);
  EXPECT_EQ(traces_found(path, "marmalade"), 2u);
  EXPECT_EQ(traces_found(path, "quince"), 1u);
  EXPECT_EQ(query(**shard, "SELECT count(*) FROM sqlite_master WHERE name IN ('span_text', 'span_search_content')"), 0)
      << "no copy of the text";

  ASSERT_EQ(*(*shard)->delete_received_before(500, 100), 1u);
  EXPECT_EQ(spans_named(**shard, "retention"), 0);
  EXPECT_EQ(traces_found(path, "marmalade"), 1u);
  ASSERT_EQ(*(*shard)->delete_service("svc1", INT64_MAX), 1u);  // span 3
  EXPECT_EQ(spans_named(**shard, "quince"), 0);
  EXPECT_EQ(traces_found(path, "quince"), 0u);
  EXPECT_EQ(traces_found(path, "kept marmalade"), 1u);
  EXPECT_TRUE(search_index_is_sound(**shard));
}

std::string numbered(std::string prefix, size_t n) { return prefix.append(std::to_string(n)); }

TEST(Shard, SpansPastTheTrainingSampleUseTheShardsDictionaryAndReadBack) {
  testing::TempDir dir;
  const std::string path = dir / "part-0.sqlite";
  {
    auto shard = Shard::open(path, 0);
    std::vector<SpanRecord> spans;
    for (size_t i = 0; i < span_body::kTrainingSpans + 100; ++i) {
      SpanRecord r = span(static_cast<int>(1 + i / 100), static_cast<int>(1 + i % 100), 0, 1, 2);
      const std::string user = numbered("u", i * 7919);
      r.attributes_json = nlohmann::json{{"http.route", numbered("/checkout/", i)}, {"user.id", user}}.dump();
      r.attributes.push_back({"user.id", ValueType::string, user, 0, false});
      spans.push_back(std::move(r));
    }
    std::vector<SpanRecord> rest(spans.begin() + span_body::kTrainingSpans, spans.end());
    spans.resize(span_body::kTrainingSpans);
    ASSERT_TRUE((*shard)->apply({{1, 1, std::move(spans)}}, 1).is_ok());
    ASSERT_TRUE((*shard)->apply({{2, 1, std::move(rest)}}, 2).is_ok());
    EXPECT_EQ(query(**shard, "SELECT count(*) FROM span_body_dictionaries"), 1);
  }
  // The last trace's spans were written with the dictionary; a reader of its own loads it.
  auto trace = ask(path, "trace", {{"trace_id", trace_hex(41)}});
  ASSERT_EQ(trace["spans"].size(), 100u);
  EXPECT_EQ(trace["spans"][0]["attributes"]["http.route"], "/checkout/4000");
  EXPECT_EQ(traces_found(path, numbered("u", 4099 * 7919)), 1u);
  auto shard = Shard::open(path, 0);
  ASSERT_TRUE((*shard)->delete_received_before(2, 1000).is_ok());
  EXPECT_EQ(query(**shard, "SELECT count(*) FROM spans"), 0);
  EXPECT_TRUE(search_index_is_sound(**shard));
}

TEST(Shard, ASchema8ShardMovesItsTextsIntoBodiesOnOpen) {
  testing::TempDir dir;
  const std::string path = dir / "part-0.sqlite";
  {
    auto shard = Shard::open(path, 0);
    ASSERT_TRUE((*shard)->apply({{1, 1, {span(1, 1, 0, 1, 2), span(1, 2, 1, 1, 2)}}, {2, 900, {span(2, 3, 0, 1, 2)}}}, 2).is_ok());
  }
  {
    // Put the spans back into the layout of schema 8: JSON columns, and the full text in span_text with its copy.
    auto db = Database::open(path);
    ASSERT_TRUE(db.is_ok());
    ASSERT_TRUE((*db)->exec(R"sql(
      UPDATE spans SET attributes = '{"old.key":"old value ' || rowid || '"}', events = '[]', links = '[]',
                       resource = '{"service.name":"' || service || '"}', scope = '{"name":"lib"}', body = NULL;
      DROP TABLE span_search;
      DELETE FROM span_body_dictionaries;
      CREATE VIRTUAL TABLE span_text USING fts5(content, tokenize='trigram');
      INSERT INTO span_text(rowid, content) SELECT rowid, name || char(10) || 'old value ' || rowid FROM spans;
      UPDATE meta SET value = '8' WHERE key = 'schema_version';)sql").is_ok());
  }
  for (int open = 0; open < 2; ++open) {  // the second open finds nothing left to do
    auto shard = Shard::open(path, 0);
    ASSERT_TRUE(shard.is_ok()) << shard.status().to_string();
    EXPECT_EQ(query(**shard, "SELECT count(*) FROM sqlite_master WHERE name = 'span_text'"), 0);
    EXPECT_EQ(query(**shard, "SELECT count(*) FROM spans WHERE body IS NOT NULL AND attributes IS NULL AND resource IS NULL"), 3);
    EXPECT_GE(query(**shard, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'schema_version'"), 10);
    EXPECT_EQ(query(**shard, "PRAGMA freelist_count"), 0) << "a small shard is compacted once migrated";
    EXPECT_TRUE(search_index_is_sound(**shard));
  }
  auto trace = ask(path, "trace", {{"trace_id", trace_hex(1)}});
  ASSERT_EQ(trace["spans"].size(), 2u);
  EXPECT_EQ(trace["spans"][0]["attributes"]["old.key"], "old value 1");
  EXPECT_EQ(trace["spans"][1]["resource"]["service.name"], "svc0");
  EXPECT_EQ(trace["spans"][0]["scope"]["name"], "lib");
  EXPECT_EQ(traces_found(path, "old value 3"), 1u);
  EXPECT_EQ(traces_found(path, "old value"), 2u);
  // Its spans are deleted with their text, read back from the bodies the migration built.
  auto shard = Shard::open(path, 0);
  ASSERT_EQ(*(*shard)->delete_received_before(500, 100), 1u);
  EXPECT_EQ(traces_found(path, "old value"), 1u);
  EXPECT_TRUE(search_index_is_sound(**shard));
}

}  // namespace
}  // namespace spanline::indexer
