#pragma once
// A shard's full-text index of spans: the span name, its string, array and
// map attribute values and its status message, any 3+ character substring in
// any language (FTS5 trigram; docs/index-schema.md, "Full text in any
// language").
//
// How it works: write() adds a new span's text in the caller's transaction;
// delete_spans() removes the text of spans about to be deleted, before the span
// rows go; add_trace_filter() is the search's condition on the traces table.
//
// Threads: one writer object per shard (its ingest thread); add_trace_filter()
// is a free function used by any reader thread.

#include <cstdint>
#include <string>
#include <vector>

#include "base/sqlite/sqlite_db.h"
#include "base/status.h"
#include "stages/indexer/query/sql_support.h"
#include "stages/indexer/span_record.h"

namespace spanline::indexer::search {

// The text indexed for a span: its name, then each string, array and map
// attribute value (its events' too), then its status message, one per line.
std::string text_of(const SpanRecord& span);

class SearchIndex {
 public:
  // Creates the index's tables in `db` and migrates older layouts, once.
  static Status create(Database& db);

  // Prepares the writer's statements on `db` (the shard's writer connection).
  Status prepare(Database& db);

  Status write(int64_t span_rowid, const SpanRecord& span);

  // Removes the text of the spans `SELECT rowid FROM spans WHERE trace_id = ?1
  // AND <span_condition>` selects, for each of `trace_ids`.
  static Status delete_spans(Database& db, const std::string& span_condition, const std::vector<std::string>& trace_ids);

 private:
  Statement insert_;
};

// Adds to `filter` the condition on traces `t` that one of their spans' text
// holds `text` (at least 3 characters; the api checks).
void add_trace_filter(query::Filter& filter, const std::string& text);

}  // namespace spanline::indexer::search
