#include "stages/indexer/search/search_index.h"

#include "stages/indexer/span_deletion.h"

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

Status SearchIndex::create(Database&) { return Status::ok(); }  // the table is in the shard's schema for now

Status SearchIndex::prepare(Database& db) {
  auto statement = db.prepare("INSERT INTO span_text(rowid, content) VALUES(?, ?)");
  if (!statement) return statement.status();
  insert_ = std::move(statement.value());
  return Status::ok();
}

Status SearchIndex::write(int64_t span_rowid, const SpanRecord& span) {
  return insert_.bind(1, span_rowid).bind_text(2, text_of(span)).run();
}

Status SearchIndex::delete_spans(Database& db, const std::string& span_condition, const std::vector<std::string>& trace_ids) {
  return run_per_trace(db, "DELETE FROM span_text WHERE rowid IN (SELECT rowid FROM spans WHERE trace_id = ?1 AND {c})",
                       span_condition, trace_ids);
}

void add_trace_filter(query::Filter& filter, const std::string& text) {
  filter.add("t.trace_id IN (SELECT s.trace_id FROM spans s WHERE s.rowid IN (SELECT rowid FROM span_text WHERE span_text MATCH ?))",
             query::fts_phrase(text));
}

}  // namespace spanline::indexer::search
