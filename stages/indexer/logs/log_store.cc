#include "stages/indexer/logs/log_store.h"

namespace spanline::indexer::logs {

// log_records_time ends in the key so a page newest first reads the index in
// order with no sort; the others serve a trace's logs, a service's, and a
// minimum severity. FTS5 with trigram, like span_search: any substring of 3 or
// more characters, in any language (docs/index-schema.md).
const std::string_view kLogSchema = R"sql(
CREATE TABLE IF NOT EXISTS log_records(
  wal_sequence INTEGER NOT NULL, record_index INTEGER NOT NULL,
  trace_id BLOB, span_id BLOB, time_ns INTEGER NOT NULL, observed_ns INTEGER NOT NULL,
  severity_number INTEGER NOT NULL, severity_text TEXT, body TEXT, attributes TEXT, resource TEXT, scope TEXT,
  event_name TEXT, flags INTEGER NOT NULL, dropped_attributes_count INTEGER NOT NULL,
  service TEXT NOT NULL, received_ns INTEGER NOT NULL,
  UNIQUE(wal_sequence, record_index));
CREATE INDEX IF NOT EXISTS log_records_trace ON log_records(trace_id, span_id) WHERE trace_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS log_records_time ON log_records(time_ns, wal_sequence, record_index);
CREATE INDEX IF NOT EXISTS log_records_service_time ON log_records(service, time_ns);
CREATE INDEX IF NOT EXISTS log_records_severity_time ON log_records(severity_number, time_ns);
CREATE VIRTUAL TABLE IF NOT EXISTS log_text USING fts5(content, tokenize='trigram');
)sql";

Status LogWriter::prepare(Database& db) {
  auto record = db.prepare(
      "INSERT OR IGNORE INTO log_records(wal_sequence, record_index, trace_id, span_id, time_ns, observed_ns, severity_number, "
      "severity_text, body, attributes, resource, scope, event_name, flags, dropped_attributes_count, service, received_ns) "
      "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!record) return record.status();
  auto text = db.prepare("INSERT INTO log_text(rowid, content) VALUES(?, ?)");
  if (!text) return text.status();
  insert_record_ = std::move(record.value());
  insert_text_ = std::move(text.value());
  return Status::ok();
}

Status LogWriter::write(Database& db, uint64_t sequence, int64_t received_ns, const std::vector<LogRecord>& records,
                        LogApplyStats& stats) {
  for (const LogRecord& r : records) {
    Statement& s = insert_record_;
    s.bind(1, static_cast<int64_t>(sequence)).bind(2, static_cast<int64_t>(r.index));
    s.bind_blob_or_null(3, r.trace_id);
    s.bind_blob_or_null(4, r.span_id);
    s.bind(5, r.time_ns).bind(6, r.observed_ns).bind(7, r.severity_number);
    s.bind_text_or_null(8, r.severity_text);
    s.bind_text_or_null(9, r.body_json);
    s.bind_text(10, r.attributes_json).bind_text(11, r.resource_json).bind_text(12, r.scope_json);
    s.bind_text_or_null(13, r.event_name);
    s.bind(14, static_cast<int64_t>(r.flags)).bind(15, static_cast<int64_t>(r.dropped_attributes_count));
    s.bind_text(16, r.service).bind(17, received_ns);
    if (Status st = s.run(); !st.is_ok()) return st;
    if (db.changes() == 0) {
      ++stats.duplicate;  // a replay: the first copy stays
      continue;
    }
    ++stats.written;
    if (Status st = insert_text_.bind(1, db.last_insert_rowid()).bind_text(2, r.text).run(); !st.is_ok()) return st;
  }
  return Status::ok();
}

Status LogWriter::delete_service(Database& db, const std::string& service, int64_t before_ns) {
  for (std::string_view sql : {"DELETE FROM log_text WHERE rowid IN (SELECT rowid FROM log_records WHERE service = ?1 AND time_ns < ?2)",
                               "DELETE FROM log_records WHERE service = ?1 AND time_ns < ?2"}) {
    auto statement = db.prepare(sql);
    if (!statement) return statement.status();
    if (Status s = statement->bind_text(1, service).bind(2, before_ns).run(); !s.is_ok()) return s;
  }
  return Status::ok();
}

Result<uint64_t> LogWriter::delete_received_before(Database& db, int64_t received_before_ns, size_t chunk, size_t max_chunks) {
  uint64_t deleted = 0;
  for (size_t round = 0; round < max_chunks; ++round) {
    auto oldest = db.prepare("SELECT rowid, received_ns FROM log_records ORDER BY rowid LIMIT ?");
    if (!oldest) return oldest.status();
    oldest->bind(1, static_cast<int64_t>(chunk));
    int64_t through = 0;
    size_t found = 0;
    for (;;) {
      auto row = oldest->step();
      if (!row) return row.status();
      if (!*row || oldest->column_int(1) >= received_before_ns) break;
      through = oldest->column_int(0);
      ++found;
    }
    oldest.value() = Statement();  // finished before the write
    if (found == 0) break;
    if (Status s = db.exec("BEGIN IMMEDIATE"); !s.is_ok()) return s;
    for (std::string_view sql : {"DELETE FROM log_text WHERE rowid <= ?", "DELETE FROM log_records WHERE rowid <= ?"}) {
      auto statement = db.prepare(sql);
      Status s = statement ? statement->bind(1, through).run() : statement.status();
      if (!s.is_ok()) {
        (void)db.exec("ROLLBACK");
        return s;
      }
    }
    if (Status s = db.exec("COMMIT"); !s.is_ok()) return s;
    deleted += found;
    if (found < chunk) break;
  }
  return deleted;
}

}  // namespace spanline::indexer::logs
