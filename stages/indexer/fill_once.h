#pragma once
// A step that fills a table of an existing shard from what it already holds,
// run once per shard: in one transaction, marked done by a meta key, raising
// the schema version to the step's. A shard opened again skips it; a crash
// in the middle leaves neither the rows nor the mark.

#include <functional>
#include <string>
#include <string_view>

#include "base/sqlite/sqlite_db.h"
#include "base/status.h"

namespace spanline::indexer {

inline Status fill_once(Database& db, std::string_view done_key, int version, const std::function<Status(Database&)>& fill) {
  {
    auto done = db.prepare("SELECT 1 FROM meta WHERE key = ?");
    if (!done) return done.status();
    done->bind_text(1, done_key);
    auto found = done->step();
    if (!found) return found.status();
    if (*found) return Status::ok();
  }  // the probe is finished before the transaction writes
  if (Status s = db.exec("BEGIN IMMEDIATE"); !s.is_ok()) return s;
  auto fail = [&](Status status) {
    (void)db.exec("ROLLBACK");
    return status;
  };
  if (Status s = fill(db); !s.is_ok()) return fail(s);
  {
    auto mark = db.prepare("INSERT OR REPLACE INTO meta VALUES(?, '1')");
    if (!mark) return fail(mark.status());
    if (Status s = mark->bind_text(1, done_key).run(); !s.is_ok()) return fail(s);
  }
  const std::string v = std::to_string(version);
  if (Status s = db.exec("UPDATE meta SET value = '" + v + "' WHERE key = 'schema_version' AND CAST(value AS INTEGER) < " + v);
      !s.is_ok()) {
    return fail(s);
  }
  return db.exec("COMMIT");
}

}  // namespace spanline::indexer
