#pragma once
// What the shard's indexes share when spans are deleted: one statement run
// once per trace, its `{c}` replaced by the condition that selects the spans,
// and the rows of the spans about to go, visited one by one (the condition is
// the shard's own SQL, never user text; values are bound).
//
// Threads: the shard's writer thread, inside its transaction.

#include <string>
#include <string_view>
#include <vector>

#include "base/sqlite/sqlite_db.h"
#include "base/status.h"

namespace spanline::indexer {

inline Status run_per_trace(Database& db, std::string_view sql_with_condition, const std::string& span_condition,
                            const std::vector<std::string>& trace_ids) {
  std::string text(sql_with_condition);
  if (auto at = text.find("{c}"); at != std::string::npos) text.replace(at, 3, span_condition);
  auto statement = db.prepare(text);
  if (!statement) return statement.status();
  for (const std::string& trace_id : trace_ids) {
    if (Status s = statement->bind_blob(1, trace_id).run(); !s.is_ok()) return s;
  }
  return Status::ok();
}

// Calls `visit(row)` for each row of `SELECT <columns> FROM spans WHERE trace_id = ?1 AND <span_condition>`,
// for each of `trace_ids`; the first error (the query's or `visit`'s) ends it.
template <typename Visit>
Status for_each_span_to_delete(Database& db, std::string_view columns, const std::string& span_condition,
                               const std::vector<std::string>& trace_ids, Visit&& visit) {
  auto rows = db.prepare("SELECT " + std::string(columns) + " FROM spans WHERE trace_id = ?1 AND " + span_condition);
  if (!rows) return rows.status();
  for (const std::string& trace_id : trace_ids) {
    rows->bind_blob(1, trace_id);
    for (;;) {
      auto row = rows->step();
      Status status = !row ? row.status() : !*row ? Status::ok() : visit(static_cast<const Statement&>(*rows));
      if (!status.is_ok()) {
        rows->reset();
        return status;
      }
      if (!*row) break;
    }
    rows->reset();
  }
  return Status::ok();
}

}  // namespace spanline::indexer
