#pragma once
// What a shard's attribute postings hold, for tests: the traces a client's
// attribute search finds, and the postings under a key in each table.

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "base/sqlite/sqlite_db.h"
#include "stages/indexer/attributes/attribute_index.h"
#include "stages/indexer/query/shard_queries.h"

namespace spanline::indexer::test {

// The trace ids (as the reply writes them) that a search for `filter` finds in the shard at `path`;
// {"error: ..."} when the search fails.
inline std::set<std::string> traces_with(const std::string& path, const protocol::query::AttributeFilter& filter) {
  auto reader = query::ShardReader::open(path, 0);
  if (!reader) return {"error: " + reader.status().to_string()};
  protocol::query::SearchQuery search;
  search.attributes.push_back(filter);
  query::QueryBudget budget(SteadyClock::now() + std::chrono::seconds(10), 64 << 20);
  auto answer = (*reader)->run(protocol::query::Query(search), budget);
  if (!answer) return {"error: " + answer.status().to_string()};
  auto reply = protocol::query::decode<protocol::query::SearchReply>(*answer);
  if (!reply) return {"error: " + reply.status().to_string()};
  std::set<std::string> ids;
  for (const auto& trace : reply->traces) ids.insert(trace.trace_id);
  return ids;
}

inline protocol::query::AttributeFilter equal(const std::string& key, const std::string& text) {
  return {key, protocol::query::AttributeFilter::Op::equal, text, 0};
}

inline protocol::query::AttributeFilter compare(const std::string& key, protocol::query::AttributeFilter::Op op, double number) {
  return {key, op, "", number};
}

// Postings in attribute_values under `key` (of a span or an event), only those of `text` when given.
inline int64_t value_postings(Database& db, const std::string& key, const std::optional<std::string>& text = std::nullopt) {
  auto statement = db.prepare(
      "SELECT count(*) FROM attribute_values v JOIN attribute_keys k ON k.key_id = v.key_id "
      "WHERE k.key = ? AND (? IS NULL OR v.value_hash = ?)");
  if (!statement) return -1;
  statement->bind_text(1, key);
  if (text) {
    auto hash = attributes::ValueHash::of_shard(db);
    if (!hash) return -1;
    statement->bind(2, 1).bind(3, (*hash)(*text));
  }
  auto row = statement->step();
  return row.is_ok() && *row ? statement->column_int(0) : -1;
}

// Postings in attribute_numbers under `key` whose `number` meets `condition` (SQL).
inline int64_t number_postings(Database& db, const std::string& key, const std::string& condition = "1") {
  auto statement = db.prepare(
      "SELECT count(*) FROM attribute_numbers n JOIN attribute_keys k ON k.key_id = n.key_id WHERE k.key = ? AND (" +
      condition + ")");
  if (!statement) return -1;
  statement->bind_text(1, key);
  auto row = statement->step();
  return row.is_ok() && *row ? statement->column_int(0) : -1;
}

// The attribute rows of schema 2 (a rowid table with an index on span_rowid) and of schema 3 to 8 (clustered
// by span), as an older indexer left them, filled from the table `rows`.
inline constexpr std::string_view kVersion2Rows = R"sql(
  CREATE TABLE span_attributes(span_rowid INTEGER NOT NULL, key TEXT NOT NULL, type INTEGER NOT NULL, text TEXT,
                               number REAL, on_event INTEGER NOT NULL);
  CREATE INDEX span_attributes_text ON span_attributes(key, text);
  CREATE INDEX span_attributes_span ON span_attributes(span_rowid);
  INSERT INTO span_attributes SELECT * FROM rows;
  UPDATE meta SET value = '2' WHERE key = 'schema_version';)sql";
inline constexpr std::string_view kVersion3Rows = R"sql(
  CREATE TABLE span_attributes(span_rowid INTEGER NOT NULL, ordinal INTEGER NOT NULL, key TEXT NOT NULL, type INTEGER NOT NULL,
                               text TEXT, number REAL, on_event INTEGER NOT NULL, PRIMARY KEY(span_rowid, ordinal)) WITHOUT ROWID;
  CREATE INDEX span_attributes_text ON span_attributes(key, text);
  CREATE INDEX span_attributes_number ON span_attributes(key, number) WHERE number IS NOT NULL;
  INSERT INTO span_attributes SELECT span_rowid, rowid, key, type, text, number, on_event FROM rows;
  UPDATE meta SET value = '8' WHERE key = 'schema_version';)sql";

// Takes the shard `db` back to before the postings (no postings tables, no seed) with the attribute rows
// `values` (SQL rows: (span rowid, key, type, text, number or NULL, on_event), ...) in `layout`.
inline Status put_back_attribute_rows(Database& db, std::string_view layout, std::string_view values) {
  if (Status s = db.exec(R"sql(
        DROP TABLE attribute_keys; DROP TABLE attribute_values; DROP TABLE attribute_numbers;
        DELETE FROM meta WHERE key = 'attribute_hash_seed';
        CREATE TEMP TABLE rows(span_rowid, key, type, text, number, on_event);)sql");
      !s.is_ok()) {
    return s;
  }
  if (Status s = db.exec("INSERT INTO rows VALUES " + std::string(values)); !s.is_ok()) return s;
  return db.exec(layout);
}

}  // namespace spanline::indexer::test
