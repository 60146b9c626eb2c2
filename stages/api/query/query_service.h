#pragma once
// The api's index queries without HTTP: typed queries (protocol/query) in,
// typed answers or the answer's JSON out. It picks the partitions a query
// needs (the one holding a trace, or all of them by the WAL's count), sends
// the query to their owners (IndexerFanout) and merges the replies: sums per
// service and operation, a newest-first merge of pages with the next page's
// cursor, LLM usage totals and quantiles, a workflow run's state replay.
// The HTTP routes (stages/api/routes/) and the live tail both stand on it.
//
// Completeness: every answer names the partitions that did not answer
// (`missing`); when none answered, the status is unavailable "no indexer
// answered (...)" and `missing` lists all that were asked.
//
// Threads: any; each call blocks until the indexers answer or --query-timeout.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "stages/api/config/api_config.h"
#include "stages/api/directory/stage_directory.h"
#include "stages/api/pricing/price_book.h"
#include "stages/api/query/indexer_fanout.h"
#include "protocol/query/query_messages.h"

namespace spanline::api {

// A query's answer, or why there is none (invalid_argument, not_found,
// unavailable), with the partitions that did not answer either way.
template <typename T>
struct Answer {
  Status status = Status::ok();
  T value{};
  std::vector<uint32_t> missing;  // sorted
  bool ok() const { return status.is_ok(); }
};

struct ServiceTotals {
  std::string service;
  int64_t span_count = 0, trace_count = 0, last_seen_ns = 0;
};
struct OperationTotals {
  std::string name;
  int64_t span_count = 0, last_seen_ns = 0;
};
struct SearchPage {
  std::vector<protocol::query::TraceSummary> traces;  // newest first
  std::optional<protocol::query::TraceCursor> next;   // where the next page starts; none when this is the last
};
struct RunsPage {
  std::vector<protocol::query::RunSummary> runs;   // newest first
  std::optional<protocol::query::RunCursor> next;
};
// A page of log records, newest first by (time, id), and where the next starts.
struct LogsPage {
  std::vector<nlohmann::json> logs;
  std::optional<protocol::query::LogCursor> next;
};
// A trace's (or span's) log records from every partition, oldest first.
struct TraceLogs {
  std::vector<nlohmann::json> logs;
  bool truncated = false;  // more than protocol::query::kMaxTraceLogs: the first ones are here
};
// A page of sessions (session_service.cc): each session's figures as the
// API answers them (Session in openapi.json), newest first by last seen.
struct SessionsPage {
  std::vector<nlohmann::json> sessions;
  std::optional<protocol::query::SessionCursor> next;
};
// One partition's part of a live-tail poll.
struct PartitionTraces {
  uint32_t partition = 0;
  std::vector<protocol::query::TraceSummary> traces;  // oldest indexed first
};

class QueryService {
 public:
  QueryService(const ApiConfig& config, const StageDirectory& directory, IndexerFanout& fanout)
      : config_(config), directory_(directory), fanout_(fanout) {}

  // Every partition, by the WAL's count; unavailable while the count is not known.
  Result<std::vector<uint32_t>> all_partitions() const;

  Answer<std::vector<ServiceTotals>> services();
  Answer<std::vector<OperationTotals>> operations(const protocol::query::OperationsQuery& query);
  Answer<SearchPage> search(const protocol::query::SearchQuery& query);
  // The live tail's poll: `query.indexed_after` set, each partition's traces apart.
  Answer<std::vector<PartitionTraces>> search_each(const protocol::query::SearchQuery& query);
  // {"trace_id", "span_count", "spans"}: not_found when the trace has no span.
  Answer<std::string> trace(const protocol::query::TraceQuery& query);
  // The span's JSON: not_found when there is no such span.
  Answer<std::string> span(const protocol::query::SpanQuery& query);
  Answer<RunsPage> workflows(const protocol::query::WorkflowsQuery& query);
  // {"run", "spans", "state_changes"} with the state after each change replayed.
  Answer<std::string> workflow(const protocol::query::WorkflowQuery& query);
  // {"run", "operations", "parent_run", "state_changes", "spans"}: an agent run
  // with its operations in order and the state after each change replayed;
  // not_found when the span is not an agent run.
  Answer<std::string> agent(const protocol::query::AgentQuery& query);
  // {"from_ns", "to_ns", "bucket_ns", "by_model", "by_service"}; `query.from_ns` and `to_ns` are the window.
  // With `prices`, calls that sent no cost are costed from the price table (llm_cost.h, usage_row_cost).
  Answer<nlohmann::json> llm_usage(const protocol::query::LlmUsageQuery& query, int64_t to_ns, const PriceBook* prices = nullptr);
  // The executable spans carrying a Junjo runtime id in a service, from every
  // partition (the id does not say which holds it), oldest first.
  Answer<std::vector<protocol::query::ExecutableMatch>> executables(const protocol::query::ExecutableQuery& query);
  // A log search over every partition, merged newest first with the next page's cursor.
  Answer<LogsPage> logs(const protocol::query::LogsQuery& query);
  // A trace's (or one span's) log records from every partition (logs are not routed by trace id).
  Answer<TraceLogs> trace_logs(const protocol::query::TraceLogsQuery& query);
  // Sessions (session_service.cc): a page merged across partitions (a
  // session's traces may sit in several), and one session's turns in time
  // order with totals; calls without a sent cost priced with `prices`.
  Answer<SessionsPage> sessions(const protocol::query::SessionsQuery& query, const PriceBook* prices);
  Answer<nlohmann::json> session(const protocol::query::SessionQuery& query, const PriceBook* prices);

 private:
  // The WAL's partition count (StageDirectory::partition_count).
  Result<uint32_t> partition_count() const;
  // The query sent to `partitions`, each answer read as `Reply`.
  template <typename Reply>
  Answer<std::vector<std::pair<uint32_t, Reply>>> ask(const protocol::query::Query& query, const std::vector<uint32_t>& partitions);
  template <typename Reply>
  Answer<std::vector<std::pair<uint32_t, Reply>>> ask_all(const protocol::query::Query& query);
  // The one partition holding `trace_id` (hex), answered as `Reply`.
  template <typename Reply>
  Answer<Reply> ask_one(const protocol::query::Query& query, const std::string& trace_id);

  const ApiConfig& config_;
  const StageDirectory& directory_;
  IndexerFanout& fanout_;
};

}  // namespace spanline::api
