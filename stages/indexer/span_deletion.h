#pragma once
// What the shard's indexes share when spans are deleted: one statement run
// once per trace, its `{c}` replaced by the condition that selects the spans
// (the condition is the shard's own SQL, never user text; values are bound).
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

}  // namespace spanline::indexer
