#pragma once
// The shard's llm_calls table (docs/index-schema.md): one row per LLM span
// with the scalar facts of its normalised record, written in the same
// transaction as the span, so that usage, sessions and cost read a narrow
// indexed table instead of every span's JSON. Keyed by (trace_id, span_id)
// like the span: a replay writes nothing twice.

#include <string_view>

#include "base/sqlite/sqlite_db.h"
#include "base/status.h"
#include "stages/indexer/span_record.h"

namespace spanline::indexer::llm {

// The insert the shard prepares once; write_call binds it.
extern const std::string_view kInsertCallSql;

// Writes the span's row when it is an LLM span (the record decided from the
// span's attributes, events and resource as stored); nothing otherwise.
Status write_call(Statement& insert, const SpanRecord& span);

// Fills llm_calls from the spans already stored, once per shard (a shard
// indexed before the table existed); a meta key says it was done.
Status backfill_calls(Database& db);

}  // namespace spanline::indexer::llm
