#pragma once
// The LLM usage of one shard (the "llm_usage" query): calls, errors, tokens,
// sent cost and a latency histogram per model group, service and bucket.
//
// How it reads: the window's whole hours (when the bucket is a whole number
// of hours), then its whole quarter hours and its whole minutes (when the
// bucket is a whole number of those) come from the rollup
// (stages/indexer/llm/usage_rollup.h), which has a few rows per grain, service
// and model; only the window's ragged edges, less than a minute at each end,
// and buckets of a few seconds, read the
// calls themselves (llm_calls). The answer is the same either way.
//
// Threads: one call per read-only connection.

#include "base/sqlite/sqlite_db.h"
#include "base/status.h"
#include "protocol/query/query_messages.h"

namespace spanline::indexer::query {

Result<protocol::query::LlmUsageReply> llm_usage(Database& db, const protocol::query::LlmUsageQuery& query);

// The same read from llm_calls alone (what the rollup must equal; tests).
Result<protocol::query::LlmUsageReply> llm_usage_from_calls(Database& db, const protocol::query::LlmUsageQuery& query);

}  // namespace spanline::indexer::query
