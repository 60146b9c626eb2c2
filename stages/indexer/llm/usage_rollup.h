#pragma once
// The LLM usage rolled up as it is written (docs/index-schema.md,
// llm_usage_rollup), so that the usage query reads a few rows per minute,
// quarter hour or hour, service and model instead of every call in its window: its cost grows
// with the window and the number of services and models, not with the calls.
//
// How it stays exact: SQLite triggers on llm_calls add a row's figures to its
// minute, quarter hour and hour when the row is inserted and take them away when it is
// deleted, in the same transaction. llm_calls is written with INSERT OR
// IGNORE, so a replayed span adds nothing twice; retention, the deletion of a
// service and `spanline reindex` go through the same triggers. A Junjo model
// request counts only while no LLM span is directly below it (as the usage
// read from llm_calls decides): when its first such child arrives, its
// figures leave the rollup, and come back when the last child is deleted.
// llm_calls rows are never updated in place (only inserted and deleted).
//
// The latency of each minute/hour and group is a histogram in the buckets of
// bus/latency_histogram.h (8 per doubling), which is what the usage answer
// carries anyway, so the percentiles read from the rollup are the ones the
// calls themselves give (within the buckets' ~9%).

#include <cstdint>
#include <string_view>

#include "base/sqlite/sqlite_db.h"
#include "base/status.h"

namespace spanline::indexer::llm {

// The rollup's grains, coarsest first: a usage query whose bucket is a whole
// number of a grain reads that grain for the whole grains of its window.
// A quarter of an hour serves the 30-minute buckets of a day's view with 96
// rows per service and model instead of 1440.
inline constexpr int64_t kUsageRollupGrainsNs[] = {3'600'000'000'000, 900'000'000'000, 60'000'000'000};

// The triggers that keep the rollup (named so a benchmark can measure the
// indexing without them).
inline constexpr std::string_view kUsageRollupTriggers[] = {"llm_usage_on_insert", "llm_usage_on_delete"};

// Creates the rollup table, its grains and latency bucket bounds, and the
// triggers on llm_calls; idempotent. Call after llm_calls exists.
Status create_usage_rollup(Database& db);

// Fills the rollup from llm_calls once per shard (a shard written before the
// rollup existed; a meta key says it was done) and raises the shard's
// schema_version to `schema_version`. One transaction.
Status fill_usage_rollup(Database& db, int schema_version);

// Whether the rollup holds every call of llm_calls (a shard not yet opened
// by a writer of this version has no rollup: the usage reads llm_calls).
Result<bool> usage_rollup_ready(Database& db);

// Empties the rollup and adds up llm_calls again (used by the fill; in the
// caller's transaction).
Status rebuild_usage_rollup(Database& db);

}  // namespace spanline::indexer::llm
