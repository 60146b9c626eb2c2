#pragma once
// A thin RAII layer over the SQLite C API: a connection, prepared statements
// with bind/step/column, and errors as Status. Nothing more: the SQL stays
// visible where it is used.

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace spanline {

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt, &sqlite3_finalize) {}

  Statement& bind(int index, int64_t value) {
    sqlite3_bind_int64(stmt_.get(), index, value);
    return *this;
  }
  Statement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  Statement& bind(int index, double value) {
    sqlite3_bind_double(stmt_.get(), index, value);
    return *this;
  }
  Statement& bind_text(int index, std::string_view value) {
    sqlite3_bind_text(stmt_.get(), index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind_blob(int index, std::string_view value) {
    sqlite3_bind_blob(stmt_.get(), index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind_null(int index) {
    sqlite3_bind_null(stmt_.get(), index);
    return *this;
  }
  // A fact that was not sent binds NULL, not 0 or empty text, so "not sent" reads as such.
  Statement& bind_optional(int index, const std::optional<int64_t>& value) { return value ? bind(index, *value) : bind_null(index); }
  Statement& bind_optional(int index, const std::optional<double>& value) { return value ? bind(index, *value) : bind_null(index); }
  Statement& bind_optional(int index, const std::optional<std::string>& value) {
    return value ? bind_text(index, *value) : bind_null(index);
  }
  Statement& bind_text_or_null(int index, std::string_view text) { return text.empty() ? bind_null(index) : bind_text(index, text); }
  Statement& bind_blob_or_null(int index, std::string_view bytes) { return bytes.empty() ? bind_null(index) : bind_blob(index, bytes); }

  // SQLITE_ROW: a row is ready; SQLITE_DONE: finished; else an error Status.
  Result<bool> step();
  // Runs to completion and resets, for statements that return no rows.
  Status run();
  void reset() {
    sqlite3_reset(stmt_.get());
    sqlite3_clear_bindings(stmt_.get());
  }

  int64_t column_int(int index) const { return sqlite3_column_int64(stmt_.get(), index); }
  double column_double(int index) const { return sqlite3_column_double(stmt_.get(), index); }
  bool column_is_null(int index) const { return sqlite3_column_type(stmt_.get(), index) == SQLITE_NULL; }
  std::string column_text(int index) const;

 private:
  sqlite3* db_ = nullptr;
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt_{nullptr, &sqlite3_finalize};
};

class Database {
 public:
  static Result<std::unique_ptr<Database>> open(const std::string& path, bool read_only = false);
  ~Database();

  Status exec(std::string_view sql);
  Result<Statement> prepare(std::string_view sql);
  int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  int changes() const { return sqlite3_changes(db_); }
  // Rows changed by every statement since the connection opened (FTS5 commands count the pages they wrote).
  int64_t total_changes() const { return sqlite3_total_changes64(db_); }
  sqlite3* handle() { return db_; }

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

}  // namespace spanline
