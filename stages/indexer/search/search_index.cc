#include "stages/indexer/search/search_index.h"

#include "base/log.h"

namespace spanline::indexer::search {

std::string text_of(const SpanRecord& span) {
  std::string text = span.name;
  for (const AttributeRow& row : span.attributes) {
    if (row.type != ValueType::string && row.type != ValueType::array && row.type != ValueType::kvlist) continue;
    text += '\n';
    text += row.text;
  }
  if (!span.status_message.empty()) {
    text += '\n';
    text += span.status_message;
  }
  return text;
}

Status SearchIndex::create(Database& db) {
  // columnsize=0: no per-row token counts (only bm25 ranking reads them; searches do not rank).
  return db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS span_search USING fts5(content, content='', columnsize=0, tokenize='trigram')");
}

Status SearchIndex::prepare(Database& db) {
  db_ = &db;
  bodies_ = std::make_unique<span_body::BodyReader>(db);
  auto insert = db.prepare("INSERT INTO span_search(rowid, content) VALUES(?, ?)");
  if (!insert) return insert.status();
  insert_ = std::move(insert.value());
  auto remove = db.prepare("INSERT INTO span_search(span_search, rowid, content) VALUES('delete', ?, ?)");
  if (!remove) return remove.status();
  remove_ = std::move(remove.value());
  return Status::ok();
}

Status SearchIndex::write(int64_t span_rowid, std::string_view text) { return insert_.bind(1, span_rowid).bind_text(2, text).run(); }

Status SearchIndex::delete_spans(const std::string& span_condition, const std::vector<std::string>& trace_ids) {
  auto spans = db_->prepare("SELECT rowid, body FROM spans WHERE trace_id = ?1 AND " + span_condition);
  if (!spans) return spans.status();
  for (const std::string& trace_id : trace_ids) {
    spans->bind_blob(1, trace_id);
    for (;;) {
      auto row = spans->step();
      if (!row) {
        spans->reset();
        return row.status();
      }
      if (!*row) break;
      // Every row has a body once the shard is open (Shard::open migrates older rows before anything else).
      if (spans->column_is_null(1)) continue;
      auto texts = bodies_->decode(spans->column_text(1));
      if (!texts) {
        // Its text cannot be named, so it stays in the index (a search may list the span's trace until the trace
        // goes); stopping here would stop retention for good.
        log::warn("span text left in the full-text index: its body does not decode",
                  {{"rowid", std::to_string(spans->column_int(0))}, {"error", texts.status().message()}});
        continue;
      }
      if (Status s = remove_.bind(1, spans->column_int(0)).bind_text(2, (*texts)[span_body::Text::search]).run(); !s.is_ok()) {
        spans->reset();
        return s;
      }
    }
    spans->reset();
  }
  return Status::ok();
}

void add_trace_filter(query::Filter& filter, const std::string& text) {
  filter.add("t.trace_id IN (SELECT s.trace_id FROM spans s WHERE s.rowid IN (SELECT rowid FROM span_search WHERE span_search MATCH ?))",
             query::fts_phrase(text));
}

}  // namespace spanline::indexer::search
