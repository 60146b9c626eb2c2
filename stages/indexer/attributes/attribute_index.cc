#include "stages/indexer/attributes/attribute_index.h"

#include "stages/indexer/span_decoder.h"
#include "stages/indexer/span_deletion.h"

namespace spanline::indexer::attributes {

Status AttributeIndex::create(Database&) { return Status::ok(); }  // the tables are in the shard's schema for now

Status AttributeIndex::prepare(Database& db) {
  auto statement =
      db.prepare("INSERT INTO span_attributes(span_rowid, ordinal, key, type, text, number, on_event) VALUES(?,?,?,?,?,?,?)");
  if (!statement) return statement.status();
  insert_ = std::move(statement.value());
  return Status::ok();
}

Result<uint64_t> AttributeIndex::write(int64_t span_rowid, const SpanRecord& span) {
  const size_t max_value = max_indexed_value_bytes();
  uint64_t written = 0;
  int64_t ordinal = 0;
  for (const AttributeRow& row : span.attributes) {
    ++ordinal;
    if (row.text.size() > max_value) continue;
    insert_.bind(1, span_rowid).bind(2, ordinal).bind_text(3, row.key).bind(4, static_cast<int>(row.type)).bind_text(5, row.text);
    if (row.type == ValueType::integer || row.type == ValueType::floating || row.type == ValueType::boolean) insert_.bind(6, row.number);
    else insert_.bind_null(6);
    insert_.bind(7, row.on_event ? 1 : 0);
    if (Status s = insert_.run(); !s.is_ok()) return s;
    ++written;
  }
  return written;
}

Status AttributeIndex::delete_spans(Database& db, const std::string& span_condition, const std::vector<std::string>& trace_ids) {
  return run_per_trace(db, "DELETE FROM span_attributes WHERE span_rowid IN (SELECT rowid FROM spans WHERE trace_id = ?1 AND {c})",
                       span_condition, trace_ids);
}

void add_trace_filter(query::Filter& filter, const protocol::query::AttributeFilter& attribute) {
  using Op = protocol::query::AttributeFilter::Op;
  const std::string sql_prefix =
      "t.trace_id IN (SELECT s.trace_id FROM span_attributes a JOIN spans s ON s.rowid = a.span_rowid WHERE a.key = ? AND ";
  if (attribute.op == Op::equal) {
    filter.add(sql_prefix + "a.text = ?)", attribute.key, attribute.text);
  } else {
    filter.add(sql_prefix + "a.number IS NOT NULL AND a.number " + std::string(protocol::query::name_of(attribute.op)) + " ?)",
               attribute.key, attribute.number);
  }
}

}  // namespace spanline::indexer::attributes
