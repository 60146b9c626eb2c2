#include "stages/indexer/span_body/body_migration.h"

#include <filesystem>
#include <vector>

#include "base/clock.h"
#include "base/log.h"

namespace spanline::indexer::span_body {
namespace {

// A row as the old layout holds it: the five texts, and its full text from span_text.
struct OldRow {
  int64_t rowid = 0;
  Texts texts;
};

constexpr std::string_view kOldRows =
    "SELECT rowid, attributes, events, links, resource, scope, (SELECT content FROM span_text WHERE rowid = spans.rowid) "
    "FROM spans WHERE rowid > ? AND body IS NULL ORDER BY rowid LIMIT ?";

// Up to `limit` rows after `after` still without a body, read before any is written.
Result<std::vector<OldRow>> old_rows(Database& db, int64_t after, int64_t limit) {
  auto select = db.prepare(kOldRows);
  if (!select) return select.status();
  select->bind(1, after).bind(2, limit);
  std::vector<OldRow> rows;
  for (;;) {
    auto row = select->step();
    if (!row) return row.status();
    if (!*row) return rows;
    OldRow& old = rows.emplace_back();
    old.rowid = select->column_int(0);
    for (size_t i = 0; i < kTextCount; ++i) old.texts.values[i] = select->column_text(static_cast<int>(i) + 1);
  }
}

std::array<std::string_view, kTextCount> views(const Texts& texts) {
  std::array<std::string_view, kTextCount> out;
  for (size_t i = 0; i < kTextCount; ++i) out[i] = texts.values[i];
  return out;
}

Status in_transaction(Database& db, const std::function<Status()>& work) {
  if (Status s = db.exec("BEGIN IMMEDIATE"); !s.is_ok()) return s;
  if (Status s = work(); !s.is_ok()) {
    (void)db.exec("ROLLBACK");
    return s;
  }
  return db.exec("COMMIT");
}

Result<int64_t> count(Database& db, std::string_view sql) {
  auto statement = db.prepare(sql);
  if (!statement) return statement.status();
  auto row = statement->step();
  if (!row) return row.status();
  return *row ? statement->column_int(0) : 0;
}

// The migrated rows' pages are left three-quarters empty, and new spans are appended after them (rowids grow),
// so that space would come back only as retention deletes those rows. VACUUM rewrites the file once: done here
// when it is quick (a 760 MB shard of 300k spans took 2.3 s, to 410 MB) and the disk has room for the copy.
Status compact(Database& db) {
  const char* file = sqlite3_db_filename(db.handle(), "main");
  std::error_code error;
  const uintmax_t size = file != nullptr && *file ? std::filesystem::file_size(file, error) : 0;
  if (error || size == 0) return Status::ok();  // in memory, or unknown: nothing to gain or no way to tell
  const std::filesystem::space_info space = std::filesystem::space(std::filesystem::path(file).parent_path(), error);
  if (size > kVacuumUpToBytes || error || space.available < 2 * size) {
    log::info("span bodies: the shard keeps the space the old rows freed until retention deletes them; to get it back "
              "now, stop the indexer and run VACUUM on the file, or spanline reindex",
              {{"file", std::string(file)}, {"bytes", static_cast<int64_t>(size)}});
    return Status::ok();
  }
  const SteadyClock::time_point started = SteadyClock::now();
  if (Status s = db.exec("VACUUM"); !s.is_ok()) {
    log::warn("span bodies: VACUUM failed; the shard works as it is", {{"error", s.message()}});
    return Status::ok();
  }
  log::info("span bodies: compacted the shard (VACUUM)",
            {{"bytes_before", static_cast<int64_t>(size)},
             {"bytes_after", static_cast<int64_t>(std::filesystem::file_size(file, error))},
             {"ms", std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started).count()}});
  return Status::ok();
}

}  // namespace

Status migrate_to_bodies(Database& db, BodyWriter& bodies, search::SearchIndex& search) {
  auto old_layout = count(db, "SELECT count(*) FROM sqlite_master WHERE name = 'span_text'");
  if (!old_layout) return old_layout.status();
  if (*old_layout == 0) return Status::ok();  // a shard created at schema 10, or migrated already
  auto total = count(db, "SELECT count(*) FROM spans WHERE body IS NULL");
  if (!total) return total.status();
  log::info("span bodies: migrating the shard's rows (schema 10)", {{"rows", *total}});
  if (!bodies.has_dictionary()) {
    auto first = old_rows(db, 0, static_cast<int64_t>(kTrainingSpans));
    if (!first) return first.status();
    std::vector<std::string> samples;
    for (const OldRow& row : *first) samples.push_back(payload_of(views(row.texts)));
    if (Status s = in_transaction(db, [&] { return bodies.train(samples); }); !s.is_ok()) return s;
  }
  auto update = db.prepare("UPDATE spans SET body = ?, attributes = NULL, events = NULL, links = NULL, resource = NULL, scope = NULL "
                           "WHERE rowid = ? AND body IS NULL");
  if (!update) return update.status();
  int64_t after = 0, done = 0;
  SteadyClock::time_point logged = SteadyClock::now();
  for (;;) {
    auto rows = old_rows(db, after, kChunkRows);
    if (!rows) return rows.status();
    if (rows->empty()) break;
    Status chunk = in_transaction(db, [&]() -> Status {
      for (const OldRow& row : *rows) {
        auto body = bodies.encode(views(row.texts));
        if (!body) return Status(body.status().code(), "span rowid " + std::to_string(row.rowid) + ": " + body.status().message());
        if (Status s = update->bind_blob(1, *body).bind(2, row.rowid).run(); !s.is_ok()) return s;
        if (Status s = search.write(row.rowid, row.texts[Text::search]); !s.is_ok()) return s;
      }
      return Status::ok();
    });
    if (!chunk.is_ok()) return chunk;
    after = rows->back().rowid;
    done += static_cast<int64_t>(rows->size());
    if (SteadyClock::now() - logged > std::chrono::seconds(5)) {
      log::info("span bodies: migrating", {{"rows_done", done}, {"rows", *total}});
      logged = SteadyClock::now();
    }
  }
  Status finished = in_transaction(db, [&] {
    return db.exec("DROP TABLE span_text; UPDATE meta SET value = '10' WHERE key = 'schema_version' AND CAST(value AS INTEGER) < 10");
  });
  if (!finished.is_ok()) return finished;
  log::info("span bodies: migrated", {{"rows", done}});
  return compact(db);
}

}  // namespace spanline::indexer::span_body
