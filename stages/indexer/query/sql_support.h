#pragma once
// What the shard's read queries share: a WHERE clause built from optional
// filters with its values bound (never spliced), a user's text as one FTS5
// phrase, and rows collected within a query's budget.
//
// Threads: values and free functions; any thread.

#include <cstdint>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "base/sqlite/sqlite_db.h"
#include "stages/indexer/query/shard_queries.h"

namespace spanline::indexer::query {

// A WHERE clause assembled from optional filters, with its parameters kept
// apart from the SQL text: user input is only ever bound, never spliced.
class Filter {
 public:
  using Value = std::variant<int64_t, double, std::string, std::vector<uint8_t>>;

  void add(std::string condition) { conditions_.push_back(std::move(condition)); }
  void add(std::string condition, Value value) {
    conditions_.push_back(std::move(condition));
    values_.push_back(std::move(value));
  }
  void add(std::string condition, Value first, Value second) {
    conditions_.push_back(std::move(condition));
    values_.push_back(std::move(first));
    values_.push_back(std::move(second));
  }
  void add(std::string condition, Value first, Value second, Value third) {
    conditions_.push_back(std::move(condition));
    values_.push_back(std::move(first));
    values_.push_back(std::move(second));
    values_.push_back(std::move(third));
  }
  void bind_later(Value value) { values_.push_back(std::move(value)); }

  // A condition added a list of candidate traces (a rare value's or text's, at most
  // kListTracesAtMostSpans spans): the answer is then best read from that list by primary key and sorted,
  // not by walking every trace newest first until enough of them are in the list (at 10M spans, 20 of 500
  // candidates spread over a shard's 250,000 traces took ~100 ms).
  void mark_candidates_listed() { candidates_listed_ = true; }
  bool candidates_listed() const { return candidates_listed_; }

  std::string where() const {
    std::string sql;
    for (const std::string& condition : conditions_) sql += (sql.empty() ? " WHERE " : " AND ") + condition;
    return sql;
  }
  void bind(Statement& statement) const {
    int index = 1;
    for (const Value& value : values_) {
      if (const auto* i = std::get_if<int64_t>(&value)) statement.bind(index, *i);
      else if (const auto* d = std::get_if<double>(&value)) statement.bind(index, *d);
      else if (const auto* s = std::get_if<std::string>(&value)) statement.bind_text(index, *s);
      else {
        const auto& bytes = std::get<std::vector<uint8_t>>(value);
        statement.bind_blob(index, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
      }
      ++index;
    }
  }

 private:
  std::vector<std::string> conditions_;
  std::vector<Value> values_;
  bool candidates_listed_ = false;
};

// How a search filter backed by an index of its own (an attribute value, a
// full-text term) finds its traces, chosen per filter and shard from how many
// spans match, counted up to this bound (query time, so the same shard answers
// a rare and a common value each the cheap way):
// - at most this many: the matching spans' trace ids are listed first and the
//   newest-first scan of traces keeps those (cost ~ the matches);
// - more: no list; the scan checks each candidate trace by probing its spans'
//   postings, and a page of newest traces is found after few candidates (cost
//   ~ page size / share of traces matching).
// Measured on the 1M-span bench index (bench/results/2026-11-29-attribute-
// postings.md): listing costs ~2 us per matching span; probing ~3 us per
// candidate trace (10 spans). So 4,096 spans list in ~8 ms, and a value on
// just more, spread over the traces, is met every ~60 traces at 2.5M spans per
// shard (10M spans): a page of 20 probes ~1,200 traces, ~4 ms. Probing costs
// more when the matches are old or bunched in few traces (the scan passes
// every newer trace first), which is why rare values keep the bounded list.
inline constexpr int64_t kListTracesAtMostSpans = 4'096;

// Whether `rows_sql` (its parameters `values`) selects more than `bound` rows;
// reads at most bound + 1 of them.
inline Result<bool> selects_more_than(Database& db, const std::string& rows_sql, const std::vector<Filter::Value>& values,
                                      int64_t bound) {
  Filter parameters;
  for (const Filter::Value& value : values) parameters.bind_later(value);
  parameters.bind_later(bound < INT64_MAX ? bound + 1 : bound);
  auto statement = db.prepare("SELECT count(*) FROM (" + rows_sql + " LIMIT ?)");
  if (!statement) return statement.status();
  parameters.bind(*statement);
  auto row = statement->step();
  if (!row) return row.status();
  return *row && statement->column_int(0) > bound;
}

// FTS5 query syntax treats quotes, stars and words like NEAR as operators; a
// phrase in double quotes (inner quotes doubled) makes the user's text a
// literal substring for the trigram tokenizer.
inline std::string fts_phrase(const std::string& text) {
  std::string phrase = "\"";
  for (char c : text) {
    if (c == '"') phrase += '"';
    phrase += c;
  }
  return phrase + "\"";
}

// Collects rows made by `make` (a Row, or a Result<Row> when making a row
// can refuse), stopping with the statement's error, at the deadline, or with
// the first row `make` refuses.
template <typename Row, typename Make>
Result<std::vector<Row>> collect(Statement& statement, const QueryBudget& budget, Make make) {
  std::vector<Row> rows;
  for (;;) {
    auto row = statement.step();
    if (!row) return row.status();
    if (!*row) return rows;
    if (Status s = budget.check_time(); !s.is_ok()) return s;
    if constexpr (std::is_same_v<decltype(make(statement)), Result<Row>>) {
      auto made = make(statement);
      if (!made) return made.status();
      rows.push_back(std::move(made.value()));
    } else {
      rows.push_back(make(statement));
    }
  }
}

}  // namespace spanline::indexer::query
