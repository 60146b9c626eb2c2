#pragma once
// Trace searches as a client pages through them, for tests: every page of a
// search on one shard (each after the last page's cursor) with the strategy
// of its attribute and full-text filters forced (ShardReader::set_list_at_most,
// query/sql_support.h), and the steps of a query's plan.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "base/sqlite/sqlite_db.h"
#include "protocol/query/query_messages.h"
#include "stages/indexer/query/shard_queries.h"

namespace spanline::indexer::test {

// The trace ids of every page of `search` (pages of `limit`) on the shard at
// `path`, in order; the live tail (indexed_after) has one page. {"error: ..."}
// when a search fails.
inline std::vector<std::string> search_pages(const std::string& path, protocol::query::SearchQuery search, int64_t list_at_most,
                                             int64_t limit) {
  auto reader = query::ShardReader::open(path, 0);
  if (!reader) return {"error: " + reader.status().to_string()};
  (*reader)->set_list_at_most(list_at_most);
  search.limit = limit;
  std::vector<std::string> ids;
  for (;;) {
    query::QueryBudget budget(SteadyClock::now() + std::chrono::seconds(10), 64 << 20);
    auto answer = (*reader)->run(protocol::query::Query(search), budget);
    if (!answer) return {"error: " + answer.status().to_string()};
    auto reply = protocol::query::decode<protocol::query::SearchReply>(*answer);
    if (!reply) return {"error: " + reply.status().to_string()};
    for (const auto& trace : reply->traces) ids.push_back(trace.trace_id);
    if (static_cast<int64_t>(reply->traces.size()) < limit || search.indexed_after) return ids;
    search.cursor = protocol::query::TraceCursor{reply->traces.back().start_ns, reply->traces.back().trace_id};
  }
}

// search_pages() with every filter listing its traces first, and with every
// filter probing each trace: a test expects the two equal.
struct BothStrategies {
  std::vector<std::string> listed, probed;
};
inline BothStrategies search_both_ways(const std::string& path, const protocol::query::SearchQuery& search, int64_t limit) {
  return {search_pages(path, search, INT64_MAX, limit), search_pages(path, search, 0, limit)};
}

// The steps of `plan` (an EXPLAIN QUERY PLAN statement, its parameters
// bound), one a line, and those that scan.
struct QueryPlan {
  std::string steps;
  std::vector<std::string> scans;
};
inline Result<QueryPlan> query_plan(Statement& plan) {
  QueryPlan read;
  for (;;) {
    auto row = plan.step();
    if (!row) return row.status();
    if (!*row) return read;
    const std::string step = plan.column_text(3);
    read.steps += step + "\n";
    if (step.starts_with("SCAN")) read.scans.push_back(step);
  }
}

}  // namespace spanline::indexer::test
