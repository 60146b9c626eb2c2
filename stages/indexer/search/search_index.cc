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

namespace {

constexpr std::string_view kMatchingSpansSql = "SELECT rowid FROM span_search WHERE span_search MATCH ?";

}  // namespace

std::string trace_condition_sql(Strategy strategy) {
  if (strategy == Strategy::list_traces) {
    return "t.trace_id IN (SELECT s.trace_id FROM spans s WHERE s.rowid IN (" + std::string(kMatchingSpansSql) + "))";
  }
  // The trace's spans by the (trace_id, span_id) index, then for each span the
  // phrase with the span's rowid as an equality constraint: FTS5 seeks that
  // rowid in each trigram's doclist instead of reading the doclists whole.
  // CROSS JOIN keeps spans the outer loop.
  return "EXISTS (SELECT 1 FROM spans s CROSS JOIN span_search f ON f.rowid = s.rowid "
         "WHERE s.trace_id = t.trace_id AND f.span_search MATCH ?)";
}

Result<Strategy> strategy_for(Database& db, const std::string& text, int64_t list_at_most) {
  auto common = query::selects_more_than(db, std::string(kMatchingSpansSql), {query::fts_phrase(text)}, list_at_most);
  if (!common) return common.status();
  return *common ? Strategy::probe_each_trace : Strategy::list_traces;
}

Status add_trace_filter(query::Filter& filter, const std::string& text, Database& db, int64_t list_at_most) {
  auto strategy = strategy_for(db, text, list_at_most);
  if (!strategy) return strategy.status();
  filter.add(trace_condition_sql(*strategy), query::fts_phrase(text));
  return Status::ok();
}

}  // namespace spanline::indexer::search
