#pragma once
// What the shard's read queries share: a WHERE clause built from optional
// filters with its values bound (never spliced), a user's text as one FTS5
// phrase, and rows collected within a query's budget.
//
// Threads: values and free functions; any thread.

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
};

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
