#pragma once
// The query hop (api -> indexer), declared once: one typed request per query
// kind, one typed reply per kind, the limits, the workflow status values and
// the cursor format. The api builds requests and reads replies with these
// types; the indexer decodes requests and encodes replies with them, so no
// parameter name, bound or value list is spelled on both sides. The wire
// format is specified in bus/README.md ("Queries").
//
// Decoding is strict where the bus is an entry point: a body that is not a
// query, an unknown kind or a parameter of the wrong type is invalid_argument
// with the message the indexer has always given; a `limit` out of range is
// clamped (the api refuses it earlier, with a 400 naming the parameter).
//
// Threads: free functions on values; any thread.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "protocol/query/session_messages.h"

namespace spanline::protocol::query {

using json = nlohmann::json;

// ---- limits --------------------------------------------------------------

// A page of traces or runs: at most this many (the api answers 400 past it).
inline constexpr int64_t kMaxLimit = 1000;
inline constexpr int64_t kDefaultLimit = 20;
// Attribute filters in one search.
inline constexpr size_t kMaxAttributeFilters = 16;
// LLM usage buckets: the indexer's default and floor.
inline constexpr int64_t kDefaultBucketNs = 3'600'000'000'000;
inline constexpr int64_t kMinBucketNs = 1'000'000'000;

// ---- value lists ----------------------------------------------------------

enum class WorkflowStatus { ok, error, cancelled };
std::optional<WorkflowStatus> workflow_status_named(std::string_view name);
std::string_view name_of(WorkflowStatus status);
// For messages: "ok, error or cancelled".
inline constexpr std::string_view kWorkflowStatusNames = "ok, error or cancelled";

// A run's junjo.span_type: workflow and subflow runs, and agent runs (Junjo SDK 0.66).
enum class RunType { workflow, subflow, agent };
std::optional<RunType> run_type_named(std::string_view name);
std::string_view name_of(RunType type);
inline constexpr std::string_view kRunTypeNames = "workflow, subflow or agent";

// What a Junjo stable link names (service + executable type + runtime id). A
// workflow link finds a workflow or a subflow run (Junjo's Subflow is a
// Workflow nested in another), an agent link an agent run.
enum class ExecutableType { workflow, agent };
std::optional<ExecutableType> executable_type_named(std::string_view name);
std::string_view name_of(ExecutableType type);
inline constexpr std::string_view kExecutableTypeNames = "workflow or agent";
// The junjo.span_type values of spans a link can name, and the type of each.
inline constexpr std::string_view kExecutableSpanTypes[] = {"workflow", "subflow", "agent"};
std::optional<ExecutableType> executable_type_of_span_type(std::string_view span_type);
// An executables answer holds at most this many spans per partition (a runtime
// id names one execution; more means ids were reused, and the oldest are kept).
inline constexpr int64_t kMaxExecutableMatches = 16;

// ---- cursors ----------------------------------------------------------------

// Where the next page starts: the (start, id) of the last item returned.
// Clients see "<start_ns>.<hex id>", opaque; the indexer gets the parts.
struct TraceCursor {
  int64_t start_ns = 0;
  std::string trace_id;  // 32 lower-case hex digits
};
struct RunCursor {
  int64_t start_ns = 0;
  std::string trace_id;  // 32 hex digits
  std::string span_id;   // 16 hex digits
};
std::string to_text(const TraceCursor& cursor);
std::string to_text(const RunCursor& cursor);
// invalid_argument "parameter 'cursor': not a cursor this api gave out".
Result<TraceCursor> trace_cursor_from_text(std::string_view text);
Result<RunCursor> run_cursor_from_text(std::string_view text);

// ---- requests ---------------------------------------------------------------

struct AttributeFilter {
  enum class Op { equal, greater, less, greater_or_equal, less_or_equal };
  std::string key;
  Op op = Op::equal;
  std::string text;   // for equal
  double number = 0;  // for the comparisons
};
std::string_view name_of(AttributeFilter::Op op);  // "=", ">", ...

struct ServicesQuery {};
struct OperationsQuery {
  std::string service;
};
struct SearchQuery {
  std::optional<int64_t> from_ns, to_ns, min_duration_ns, max_duration_ns;
  bool errors_only = false;
  std::optional<std::string> service, operation, text;
  std::vector<AttributeFilter> attributes;
  // Traces of a session (stages/indexer/sessions/), and of a user (user.id or
  // enduser.id on one of its spans, or the user of its session).
  std::optional<std::string> session_id, user_id;
  int64_t limit = kDefaultLimit;
  std::optional<TraceCursor> cursor;
  // The live tail: traces indexed after a watermark per partition (each
  // shard's clock is its own indexer's), oldest-indexed first.
  std::optional<std::map<uint32_t, int64_t>> indexed_after;
};
struct TraceQuery {
  std::string trace_id;  // hex
};
struct SpanQuery {
  std::string trace_id, span_id;  // hex
};
struct WorkflowsQuery {
  RunType type = RunType::workflow;
  std::optional<std::string> service, name;
  // Runs whose name contains this, ASCII letters in either case (a scan filter
  // like `name`: the runs are read newest first by start either way).
  std::optional<std::string> name_contains;
  std::optional<int64_t> from_ns, to_ns;
  std::optional<WorkflowStatus> status;
  int64_t limit = kDefaultLimit;
  std::optional<RunCursor> cursor;
};
struct WorkflowQuery {
  std::string trace_id, span_id;  // hex
};
// One agent run (its run span's ids, hex).
struct AgentQuery {
  std::string trace_id, span_id;
};
struct LlmUsageQuery {
  std::optional<int64_t> from_ns, to_ns;
  std::optional<std::string> service, model;
  int64_t bucket_ns = kDefaultBucketNs;
};
struct CountsQuery {};
// The executable spans (kExecutableSpanTypes) of `service` whose Junjo runtime
// id is `runtime_id`: found through the attribute index, never by a scan.
struct ExecutableQuery {
  std::string service, runtime_id;
};

// ---- log records (the query kinds "logs" and "trace_logs") ----------------

// OTLP severity numbers: 1 (TRACE) to 24 (FATAL4); a search takes a minimum.
inline constexpr int kMaxSeverityNumber = 24;
// The severity number a name says: trace, debug, info, warn (warning), error,
// fatal (critical), in any case, with an optional 1..4 ("WARN2": 14); 0 when
// none. The log search's `severity` parameter and a record's severity_text
// (when its number is unset) are read with it.
int severity_named(std::string_view text);
inline constexpr std::string_view kSeverityNames = "trace, debug, info, warn, error or fatal (or a number 1 to 24)";
// A trace's (or span's) log records: at most this many, oldest first.
inline constexpr int64_t kMaxTraceLogs = 1000;

// A log record's id: its partition, WAL sequence and place in the WAL entry,
// as 32 hex digits (8 + 16 + 8), so that ids sort as the records are ordered
// within a time.
struct LogKey {
  uint32_t partition = 0;
  uint64_t sequence = 0;
  uint32_t index = 0;
};
std::string log_id(const LogKey& key);
std::optional<LogKey> log_key_of(std::string_view id);

// Where the next page of a log search starts: the (time, id) of the last record returned.
struct LogCursor {
  int64_t time_ns = 0;
  std::string log_id;  // 32 hex digits
};
std::string to_text(const LogCursor& cursor);
Result<LogCursor> log_cursor_from_text(std::string_view text);

// A log search, newest first by (time, id): every filter given must match.
struct LogsQuery {
  std::optional<int64_t> from_ns, to_ns;
  std::optional<std::string> service, event_name;
  std::optional<int> min_severity;   // 1..kMaxSeverityNumber
  std::optional<std::string> text;   // full text (3 characters or more: trigram)
  std::optional<std::string> trace_id;  // hex
  std::vector<AttributeFilter> attributes;  // top-level attributes of the record
  int64_t limit = kDefaultLimit;
  std::optional<LogCursor> cursor;
};
// The log records of one trace, or of one span of it, oldest first.
struct TraceLogsQuery {
  std::string trace_id;                 // hex
  std::optional<std::string> span_id;   // hex
};

using Query = std::variant<ServicesQuery, OperationsQuery, SearchQuery, TraceQuery, SpanQuery, WorkflowsQuery,
                           WorkflowQuery, LlmUsageQuery, CountsQuery, ExecutableQuery, AgentQuery, LogsQuery, TraceLogsQuery,
                           SessionsQuery, SessionQuery>;

// "services", "search", ... as on the wire.
std::string_view kind_of(const Query& query);

// A query as sent to one indexer: the partitions it should answer for.
struct QueryRequest {
  std::vector<uint32_t> partitions;
  Query query;
};
std::string encode(const QueryRequest& request);
// invalid_argument for anything that is not a query of a known kind with
// parameters of the right types (the messages the indexer always gave).
Result<QueryRequest> decode_request(std::string_view body);
// The parameters of one kind alone (tools and tests that call a shard directly).
Result<Query> decode_query(std::string_view kind, const json& params);

// ---- replies ----------------------------------------------------------------

struct ServiceRow {
  std::string service;
  int64_t span_count = 0, operation_count = 0, trace_count = 0, last_seen_ns = 0;
};
struct ServicesReply {
  std::vector<ServiceRow> services;
};

struct OperationRow {
  std::string name;
  int64_t span_count = 0, last_seen_ns = 0;
};
struct OperationsReply {
  std::vector<OperationRow> operations;
};

struct TraceSummary {
  std::string trace_id, root_span_id, root_name, root_service;
  std::vector<std::string> services;
  int64_t start_ns = 0, end_ns = 0, duration_ns = 0, span_count = 0, error_count = 0, indexed_ns = 0;
};
struct SearchReply {
  std::vector<TraceSummary> traces;  // newest first (live tail: oldest indexed first)
};

// A trace's spans, or the one span asked for (0 or 1), as stored: `spans` is
// the JSON array text, passed through by the api without being parsed.
struct SpansReply {
  int64_t span_count = 0;
  std::string spans = "[]";
};

struct RunSummary {
  std::string trace_id, span_id, parent_span_id, name, service, span_type, store_id, parent_store_id;
  int64_t start_ns = 0, end_ns = 0, duration_ns = 0, status_code = 0, node_count = 0, state_change_count = 0,
          contract_version = 0;
  bool cancelled = false;
  // In lists only: the span id of the run, in the same trace, whose store is
  // this run's parent store (a subflow's enclosing run); empty when none is indexed.
  std::string parent_run_span_id;
  // The run's runtime id (junjo.executable_runtime_id, v1 junjo.id, an
  // agent's junjo.agent.runtime_id) and, for agents, their key, outcome and
  // termination reason; empty when not sent (or indexed before schema 5).
  std::string runtime_id, agent_key, outcome, termination_reason;
};
struct WorkflowsReply {
  std::vector<RunSummary> runs;  // newest first
};

// One run: its summary with start/end state and graph (null when there is no
// such run), the run span and every span below it (JSON array text, passed
// through), and its state changes in transition order.
struct WorkflowReply {
  json run;
  std::string spans = "[]";
  json state_changes = json::array();
};

struct UsageRow {
  std::string model, service;  // model: the calls' model group
  int64_t bucket_start_ns = 0, calls = 0, errors = 0, input_tokens = 0, output_tokens = 0;
  int64_t total_tokens = 0, cache_read_tokens = 0, cache_write_tokens = 0, reasoning_tokens = 0;
  double cost = 0;         // sum of the sent costs, USD
  int64_t cost_calls = 0;  // the calls that sent one (none: no cost, not 0)
  std::map<int, int64_t> latency_histogram;  // bus/latency_histogram.h buckets
};
struct LlmUsageReply {
  std::vector<UsageRow> usage;
};

struct CountsReply {
  int64_t spans = 0, traces = 0, workflow_runs = 0, cursor = 0;
};

struct ExecutableMatch {
  std::string trace_id, span_id, span_type, name;  // ids in hex; span_type: one of kExecutableSpanTypes
  int64_t start_ns = 0;
};
struct ExecutablesReply {
  std::vector<ExecutableMatch> executables;  // oldest first, at most kMaxExecutableMatches
};

// One agent run: the run (null when there is no such agent run) with its
// agent facts, its operations in sequence order (model requests and tool
// calls, each with its usage or arguments and result), the run span and every
// span below it (JSON array text, passed through), its state changes in
// transition order, and the nearest run above it in the trace (a workflow
// node's agent: the workflow run), null when none is indexed.
struct AgentReply {
  json run;
  json operations = json::array();
  std::string spans = "[]";
  json state_changes = json::array();
  json parent_run;
};

// Log records as JSON objects ({log_id, trace_id, span_id, time_ns, ...}:
// stages/api/openapi.json, LogRecord), as the indexer wrote them.
struct LogsReply {
  std::vector<json> logs;  // newest first by (time_ns, log_id)
};
struct TraceLogsReply {
  std::vector<json> logs;  // oldest first
  bool truncated = false;  // more than kMaxTraceLogs: the first ones are here
};

// Each reply as the JSON text of one partition's `data`, and back.
std::string encode(const ServicesReply& reply);
std::string encode(const OperationsReply& reply);
std::string encode(const SearchReply& reply);
std::string encode(const SpansReply& reply);
std::string encode(const WorkflowsReply& reply);
std::string encode(const WorkflowReply& reply);
std::string encode(const LlmUsageReply& reply);
std::string encode(const CountsReply& reply);
std::string encode(const AgentReply& reply);
std::string encode(const ExecutablesReply& reply);
std::string encode(const LogsReply& reply);
std::string encode(const TraceLogsReply& reply);
std::string encode(const SessionsReply& reply);  // session_messages.cc
std::string encode(const SessionReply& reply);
// internal "indexer sent a malformed <kind> answer" when the text is not one.
template <typename Reply>
Result<Reply> decode(std::string_view data);
template <> Result<ServicesReply> decode(std::string_view data);
template <> Result<OperationsReply> decode(std::string_view data);
template <> Result<SearchReply> decode(std::string_view data);
template <> Result<SpansReply> decode(std::string_view data);
template <> Result<WorkflowsReply> decode(std::string_view data);
template <> Result<WorkflowReply> decode(std::string_view data);
template <> Result<LlmUsageReply> decode(std::string_view data);
template <> Result<CountsReply> decode(std::string_view data);
template <> Result<AgentReply> decode(std::string_view data);
template <> Result<ExecutablesReply> decode(std::string_view data);
template <> Result<LogsReply> decode(std::string_view data);
template <> Result<TraceLogsReply> decode(std::string_view data);
template <> Result<SessionsReply> decode(std::string_view data);
template <> Result<SessionReply> decode(std::string_view data);

// The first span of a reply's array, as text (the span route's answer).
std::optional<std::string_view> first_span(const SpansReply& reply);

json to_json(const TraceSummary& summary);
json to_json(const RunSummary& run);

// ---- the answer envelope ----------------------------------------------------

// One partition's part of an answer: its data (an encoded reply) or why not.
struct PartitionResult {
  uint32_t partition = 0;
  std::string data;  // JSON text; empty when `error` is set
  Status error = Status::ok();
};
// {"results": [{"partition": p, "data": ...} | {"partition": p, "error": {code, message}}]}
std::string encode_results(const std::vector<PartitionResult>& results);
Result<std::vector<PartitionResult>> decode_results(std::string_view body);

}  // namespace spanline::protocol::query
