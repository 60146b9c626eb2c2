#pragma once
// Finding a Junjo execution by its runtime id, what a stable link names
// (protocol/query ExecutableQuery), through the attribute index
// span_attributes(key, text): the attribute rows holding the runtime id are
// found first, then their spans by rowid, and only those are checked for the
// service and the span type. No table is scanned, however many spans the
// shard holds (tests/unit/indexer/executable_lookup_test.cc reads the plan).
//
// Where Junjo puts the runtime id: junjo.executable_runtime_id (telemetry
// contract v2; agents carry it too, beside junjo.agent.runtime_id) or junjo.id
// (contract v1). An attribute of an event never counts.
//
// Threads: free functions; the statement belongs to its reader thread.

#include <string>

#include "base/sqlite/sqlite_db.h"
#include "protocol/query/query_messages.h"

namespace spanline::indexer::query {

// SELECT trace_id, span_id, junjo_span_type, name, start_ns of the matching
// spans, oldest first, at most kMaxExecutableMatches; its parameters are bound
// by bind_executable_lookup().
const std::string& executable_lookup_sql();
void bind_executable_lookup(Statement& statement, const protocol::query::ExecutableQuery& query);

}  // namespace spanline::indexer::query
