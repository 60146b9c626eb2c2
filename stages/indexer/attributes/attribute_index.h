#pragma once
// A shard's attribute index: what `attr=key:value` and `key>n` searches and
// the executable lookup (query/executable_lookup.h) find spans by.
//
// How it works: write() adds a new span's attribute values (its own and its
// events') in the caller's transaction, so they commit with the span and the
// cursor; delete_spans() removes those of spans about to be deleted, before
// the span rows go; add_trace_filter() is the search's condition on the
// traces table for one attribute filter. The layout is in docs/index-schema.md.
//
// Threads: one writer object per shard (its ingest thread); add_trace_filter()
// is a free function used by any reader thread.

#include <cstdint>
#include <string>
#include <vector>

#include "base/sqlite/sqlite_db.h"
#include "base/status.h"
#include "protocol/query/query_messages.h"
#include "stages/indexer/query/sql_support.h"
#include "stages/indexer/span_record.h"

namespace spanline::indexer::attributes {

class AttributeIndex {
 public:
  // Creates the index's tables in `db` and migrates older layouts, once.
  static Status create(Database& db);

  // Prepares the writer's statements on `db` (the shard's writer connection).
  Status prepare(Database& db);

  // Adds the span's attribute values under `span_rowid`; returns how many
  // were indexed (values longer than max_indexed_value_bytes() are not).
  Result<uint64_t> write(int64_t span_rowid, const SpanRecord& span);

  // Removes the values of the spans `SELECT rowid FROM spans WHERE trace_id =
  // ?1 AND <span_condition>` selects, for each of `trace_ids`.
  static Status delete_spans(Database& db, const std::string& span_condition, const std::vector<std::string>& trace_ids);

 private:
  Statement insert_;
};

// Adds to `filter` the condition on traces `t` that one of their spans (or its
// events) has `attribute`.
void add_trace_filter(query::Filter& filter, const protocol::query::AttributeFilter& attribute);

}  // namespace spanline::indexer::attributes
