#pragma once
// The read side of one shard: every query kind the api can ask an indexer,
// answered from a read-only SQLite connection. The request and answer formats
// are specified in bus/README.md ("Queries").
//
// Threads: a ShardReader belongs to one reader thread. SQLite WAL mode gives it
// a consistent snapshot per statement while the partition's writer goes on.
// Deadlines: a query past its deadline is interrupted inside SQLite (progress
// handler) and stops between rows while its answer is built, so one slow
// search cannot hold a reader thread for long. The answer cap is spent row by
// row as the answer is built: a query whose answer would pass it stops there
// with resource_exhausted, instead of building the whole answer first.
//
// Stored JSON: a span's attributes, events, links, resource and scope go into
// the answer as the indexer stored them (it wrote them, so they are valid
// JSON), never parsed and dumped again; Junjo states, graphs and patches,
// which are the client's own text, are parsed (and shown as text when they do
// not parse or nest too deep).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/status.h"
#include "base/sqlite/sqlite_db.h"
#include "protocol/query/query_messages.h"
#include "stages/indexer/span_body/body_store.h"

namespace spanline::indexer::query {

using json = nlohmann::json;

// What one query may still spend: time until its deadline, bytes of answer.
// One budget serves every partition a query asks about.
class QueryBudget {
 public:
  QueryBudget(SteadyClock::time_point deadline, uint64_t max_answer_bytes)
      : deadline_(deadline), max_answer_bytes_(max_answer_bytes) {}

  SteadyClock::time_point deadline() const { return deadline_; }
  // deadline_exceeded once the deadline has passed.
  Status check_time() const;
  // Counts `bytes` more of answer; resource_exhausted once that passes the cap.
  Status spend(uint64_t bytes);
  uint64_t max_answer_bytes() const { return max_answer_bytes_; }

 private:
  SteadyClock::time_point deadline_;
  uint64_t max_answer_bytes_;
  uint64_t spent_ = 0;
};

// The refusal of an answer over the asker's cap (also used once it is serialized).
Status answer_too_large(uint64_t bytes, uint64_t cap);

class ShardReader {
 public:
  static Result<std::unique_ptr<ShardReader>> open(const std::string& path, uint32_t partition);
  ~ShardReader();

  // Runs one query (decoded and checked by protocol/query) and answers with
  // its reply encoded, the `data` of this partition's result.
  Result<std::string> run(const protocol::query::Query& query, QueryBudget& budget);
  // The same from a kind and its JSON parameters (tools and tests).
  Result<std::string> run(std::string_view kind, const json& params, QueryBudget& budget);
  // The same with only a deadline (benchmarks and tools: no answer cap).
  Result<std::string> run(std::string_view kind, const json& params, SteadyClock::time_point deadline) {
    QueryBudget budget(deadline, UINT64_MAX);
    return run(kind, params, budget);
  }

  uint32_t partition() const { return partition_; }
  // Tests: forces a search filter's strategy (kListTracesAtMostSpans in
  // sql_support.h): 0 probes each trace, INT64_MAX lists the traces first.
  void set_list_at_most(int64_t spans) { list_at_most_ = spans; }

 private:
  ShardReader(std::unique_ptr<Database> db, uint32_t partition);

  Result<std::string> answer(const protocol::query::ServicesQuery& query);
  Result<std::string> answer(const protocol::query::OperationsQuery& query);
  Result<std::string> answer(const protocol::query::SearchQuery& query);
  Result<std::string> answer(const protocol::query::TraceQuery& query);
  Result<std::string> answer(const protocol::query::SpanQuery& query);
  Result<std::string> answer(const protocol::query::WorkflowsQuery& query);
  Result<std::string> answer(const protocol::query::WorkflowQuery& query);
  Result<std::string> answer(const protocol::query::LlmUsageQuery& query);
  Result<std::string> answer(const protocol::query::CountsQuery& query);
  Result<std::string> answer(const protocol::query::AgentQuery& query);
  Result<std::string> answer(const protocol::query::ExecutableQuery& query);
  // The log record kinds: in log_queries.cc.
  Result<std::string> answer(const protocol::query::LogsQuery& query);
  Result<std::string> answer(const protocol::query::TraceLogsQuery& query);
  // The session kinds: in session_queries.cc.
  Result<std::string> answer(const protocol::query::SessionsQuery& query);
  Result<std::string> answer(const protocol::query::SessionQuery& query);
  // The spans `statement` selects (kSpanColumns), as a SpansReply.
  Result<std::string> spans_reply(Statement& statement);

  std::unique_ptr<Database> db_;
  std::unique_ptr<span_body::BodyReader> bodies_;  // the span rows' texts, through db_
  uint32_t partition_;
  SteadyClock::time_point deadline_;  // the progress handler's, from the budget of the query running
  QueryBudget* budget_ = nullptr;     // set while run() runs
  std::optional<int64_t> list_at_most_;  // set_list_at_most()
};

}  // namespace spanline::indexer::query
