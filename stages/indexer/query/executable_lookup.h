#pragma once
// Finding a Junjo execution by its runtime id, what a stable link names
// (protocol/query ExecutableQuery), through the attribute postings
// (attributes/attribute_index.h): the postings holding the runtime id's hash
// under the runtime id keys are found first, bucket by bucket, then their
// spans by rowid, and only those are checked for the service and the span
// type. No table is scanned, however many spans the shard holds
// (tests/unit/indexer/executable_lookup_test.cc reads the plan).
//
// Where Junjo puts the runtime id: junjo.executable_runtime_id (telemetry
// contract v2; agents carry it too, beside junjo.agent.runtime_id) or junjo.id
// (contract v1). An attribute of an event never counts.
//
// Threads: free functions; the statement belongs to its reader thread.

#include <string>

#include "base/sqlite/sqlite_db.h"
#include "protocol/query/query_messages.h"
#include "stages/indexer/attributes/attribute_index.h"

namespace spanline::indexer::query {

// SELECT trace_id, span_id, junjo_span_type, name, start_ns of the matching
// spans, oldest first, at most kMaxExecutableMatches; its parameters are bound
// by bind_executable_lookup() with the shard's value hash
// (attributes::ValueHash::of_shard).
const std::string& executable_lookup_sql();
void bind_executable_lookup(Statement& statement, const protocol::query::ExecutableQuery& query,
                            const attributes::ValueHash& hash);

}  // namespace spanline::indexer::query
