#include "stages/indexer/query/shard_queries.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <variant>
#include <vector>

#include "base/hex.h"
#include "base/json_depth.h"
#include "stages/indexer/attributes/attribute_index.h"
#include "stages/indexer/query/executable_lookup.h"
#include "stages/indexer/query/llm_usage_query.h"
#include "stages/indexer/query/sql_support.h"
#include "stages/indexer/search/search_index.h"
#include "stages/indexer/sessions/session_index.h"
#include "stages/indexer/span_body/body_store.h"
#include "stages/indexer/query/agent_usage.h"
#include "stages/indexer/llm/llm_record.h"

namespace spanline::indexer::query {

namespace wire = protocol::query;

namespace {

// Deeper than OTLP itself allows (protobuf stops at 100 nested messages).
constexpr int kMaxNesting = 128;

// Ids arrive as hex checked by the protocol's decoder.
std::vector<uint8_t> id_bytes(const std::string& hex) {
  std::string bytes = from_hex(hex).value_or(std::string());
  return {bytes.begin(), bytes.end()};
}

std::string blob_text(const std::vector<uint8_t>& bytes) { return std::string(bytes.begin(), bytes.end()); }

json parse_or_null(const std::string& text) {
  if (text.empty()) return nullptr;
  // Junjo state, graph and patch strings are as the client sent them; nested
  // deeper than any real state, they stay text (a deep tree would overflow
  // the stack when the reply is serialized, on every view of the run).
  if (json_nests_deeper_than(text, kMaxNesting)) return json(text);
  json value = json::parse(text, nullptr, false);
  return value.is_discarded() ? json(text) : value;
}

// Columns of a full span, in the order span_text() reads them.
const std::string& span_columns() {
  static const std::string columns =
      "trace_id, span_id, parent_span_id, service, name, kind, start_ns, end_ns, duration_ns, status_code, status_message, "
      "trace_state, flags, " + std::string(span_body::kColumns) + ", junjo_span_type, dropped_attributes_count, "
      "dropped_events_count, dropped_links_count";
  return columns;
}

// The span's `llm` object: its normalised LLM record (stages/indexer/llm/),
// the conversation derived again from the stored attributes and events;
// empty for a span that is not an LLM span.
std::string llm_text(const std::string& attributes, const std::string& events, const std::string& resource) {
  auto record = llm::normalise_stored(attributes, events, resource, llm::Detail::conversation);
  if (!record) return {};
  return llm::to_json(*record).dump(-1, ' ', false, json::error_handler_t::replace);
}

void append_string(std::string& out, const std::string& text) {
  out += json(text).dump(-1, ' ', false, json::error_handler_t::replace);
}

// A stored JSON text as it goes into an answer: as stored (the indexer wrote
// it, with nlohmann, so it is valid JSON and valid UTF-8), null when empty,
// and as a JSON string when nested deeper than kMaxNesting (as parse_or_null
// shows it), so no reader down the line recurses that deep.
void append_stored(std::string& out, const std::string& text) {
  if (text.empty()) out += "null";
  else if (json_nests_deeper_than(text, kMaxNesting)) append_string(out, text);
  else out += text;
}

// A stored span as JSON text, its stored JSON columns passed through as they
// are (not parsed and dumped again: that was most of a trace's cost). The
// texts are counted against the answer cap before the span is written.
struct SpanText {
  std::string span_id, parent_span_id;  // bytes, for finding a run's spans
  std::string text;
};
Result<SpanText> span_text(const Statement& row, span_body::BodyReader& bodies, QueryBudget& budget) {
  // A body holds the texts and the search text, which is the name, the status message and values the texts
  // hold: past twice the answer cap plus those two, its texts alone would pass the cap, so it is refused as such
  // before it is decompressed.
  const uint64_t answer_cap = budget.max_answer_bytes();
  const uint64_t typed = row.column_text(4).size() + row.column_text(10).size();
  const uint64_t cap = answer_cap > span_body::kMaxBodyBytes / 2 ? span_body::kMaxBodyBytes : 2 * answer_cap + typed;
  auto read = bodies.read(row, 13, cap);
  if (!read && read.status().code() == Code::resource_exhausted) return answer_too_large(answer_cap + 1, answer_cap);
  if (!read) {
    return Status(read.status().code(), "span " + to_hex(row.column_text(1)) + " of trace " + to_hex(row.column_text(0)) + ": " +
                                            read.status().message());
  }
  std::string* texts = read->values.data();  // Text's order: attributes, events, links, resource, scope
  uint64_t bytes = 256;  // ids in hex, times, names' quoting
  for (int i = 0; i < 5; ++i) bytes += texts[i].size();
  std::string name = row.column_text(4), status_message = row.column_text(10);
  bytes += name.size() + status_message.size();
  // Counted like the stored texts: its conversation repeats what they hold.
  const std::string llm = llm_text(texts[0], texts[1], texts[3]);
  bytes += llm.size();
  if (Status s = budget.spend(bytes); !s.is_ok()) return s;
  if (Status s = budget.check_time(); !s.is_ok()) return s;
  SpanText span{row.column_text(1), row.column_text(2), {}};
  std::string& out = span.text;
  out.reserve(bytes);
  auto field = [&](const char* key) {
    out += out.empty() ? "{\"" : ",\"";
    out += key;
    out += "\":";
  };
  auto number = [&](const char* key, int64_t value) {
    field(key);
    out += std::to_string(value);
  };
  field("trace_id");
  out += "\"" + to_hex(row.column_text(0)) + "\"";
  field("span_id");
  out += "\"" + to_hex(span.span_id) + "\"";
  field("parent_span_id");
  out += "\"" + to_hex(span.parent_span_id) + "\"";
  field("service");
  append_string(out, row.column_text(3));
  field("name");
  append_string(out, name);
  number("kind", row.column_int(5));
  number("start_ns", row.column_int(6));
  number("end_ns", row.column_int(7));
  number("duration_ns", row.column_int(8));
  field("status");
  out += "{\"code\":" + std::to_string(row.column_int(9)) + ",\"message\":";
  append_string(out, status_message);
  out += "}";
  field("trace_state");
  append_string(out, row.column_text(11));
  number("flags", row.column_int(12));
  const char* stored[5] = {"attributes", "events", "links", "resource", "scope"};
  for (int i = 0; i < 5; ++i) {
    field(stored[i]);
    append_stored(out, texts[i]);
    texts[i] = std::string();
  }
  number("dropped_attributes_count", row.column_int(20));
  number("dropped_events_count", row.column_int(21));
  number("dropped_links_count", row.column_int(22));
  std::string junjo = row.column_text(19);
  if (!junjo.empty()) {
    field("junjo_span_type");
    append_string(out, junjo);
  }
  if (!llm.empty()) {
    field("llm");
    out += llm;
  }
  out += "}";
  return span;
}

// Spans as a JSON array text.
std::string span_array(const std::vector<SpanText>& spans) {
  size_t size = 2;
  for (const SpanText& span : spans) size += span.text.size() + 1;
  std::string array;
  array.reserve(size);
  array += '[';
  for (size_t i = 0; i < spans.size(); ++i) {
    if (i > 0) array += ',';
    array += spans[i].text;
  }
  array += ']';
  return array;
}

// Columns of a trace summary, in the order summary_json() reads them.
constexpr std::string_view kSummaryColumns =
    "trace_id, root_span_id, root_name, root_service, services, start_ns, end_ns, duration_ns, span_count, error_count, "
    "indexed_ns";

wire::TraceSummary summary_of(const Statement& row) {
  wire::TraceSummary summary;
  summary.trace_id = to_hex(row.column_text(0));
  summary.root_span_id = to_hex(row.column_text(1));
  summary.root_name = row.column_text(2);
  summary.root_service = row.column_text(3);
  std::string list = row.column_text(4);
  for (size_t begin = 0; begin < list.size();) {
    size_t end = list.find(',', begin);
    if (end == std::string::npos) end = list.size();
    summary.services.push_back(list.substr(begin, end - begin));
    begin = end + 1;
  }
  summary.start_ns = row.column_int(5);
  summary.end_ns = row.column_int(6);
  summary.duration_ns = row.column_int(7);
  summary.span_count = row.column_int(8);
  summary.error_count = row.column_int(9);
  summary.indexed_ns = row.column_int(10);
  return summary;
}

int progress_check(void* context) {
  auto* deadline = static_cast<SteadyClock::time_point*>(context);
  return SteadyClock::now() > *deadline ? 1 : 0;
}

}  // namespace

ShardReader::ShardReader(std::unique_ptr<Database> db, uint32_t partition)
    : db_(std::move(db)), bodies_(std::make_unique<span_body::BodyReader>(*db_)), partition_(partition) {
  sqlite3_progress_handler(db_->handle(), 2000, &progress_check, &deadline_);
}

ShardReader::~ShardReader() { sqlite3_progress_handler(db_->handle(), 0, nullptr, nullptr); }

Result<std::unique_ptr<ShardReader>> ShardReader::open(const std::string& path, uint32_t partition) {
  auto db = Database::open(path, true);
  if (!db) return db.status();
  if (Status s = (*db)->exec("PRAGMA query_only=1"); !s.is_ok()) return s;
  if (Status s = search::register_reader_function(**db); !s.is_ok()) return s;
  return std::unique_ptr<ShardReader>(new ShardReader(std::move(db.value()), partition));
}

Status QueryBudget::check_time() const {
  if (SteadyClock::now() > deadline_) return Status(Code::deadline_exceeded, "query stopped at its deadline");
  return Status::ok();
}

Status QueryBudget::spend(uint64_t bytes) {
  spent_ += bytes;
  if (spent_ > max_answer_bytes_) return answer_too_large(spent_, max_answer_bytes_);
  return Status::ok();
}

Status answer_too_large(uint64_t bytes, uint64_t cap) {
  return Status(Code::resource_exhausted,
                "answer of at least " + std::to_string(bytes) + " bytes exceeds the cap of " + std::to_string(cap) + " bytes; narrow the query");
}

Result<std::string> ShardReader::run(std::string_view kind, const json& params, QueryBudget& budget) {
  auto query = wire::decode_query(kind, params);
  if (!query) return query.status();
  return run(*query, budget);
}

Result<std::string> ShardReader::run(const wire::Query& query, QueryBudget& budget) {
  deadline_ = budget.deadline();
  budget_ = &budget;
  if (Status s = budget.check_time(); !s.is_ok()) return s;
  Result<std::string> result = std::visit([this](const auto& q) { return answer(q); }, query);
  budget_ = nullptr;
  if (!result.is_ok() && result.status().code() != Code::resource_exhausted && SteadyClock::now() > deadline_) {
    return Status(Code::deadline_exceeded, "query interrupted at its deadline");
  }
  return result;
}

Result<std::string> ShardReader::answer(const wire::ServicesQuery&) {
  auto spans = db_->prepare(
      "SELECT service, sum(span_count), count(*), max(last_seen_ns) FROM operations GROUP BY service ORDER BY service");
  if (!spans) return spans.status();
  std::map<std::string, wire::ServiceRow> by_service;
  for (;;) {
    auto row = spans->step();
    if (!row) return row.status();
    if (!*row) break;
    by_service[spans->column_text(0)] = {spans->column_text(0), spans->column_int(1), spans->column_int(2), 0, spans->column_int(3)};
  }
  auto traces = db_->prepare("SELECT root_service, count(*) FROM traces GROUP BY root_service");
  if (!traces) return traces.status();
  for (;;) {
    auto row = traces->step();
    if (!row) return row.status();
    if (!*row) break;
    auto found = by_service.find(traces->column_text(0));
    if (found != by_service.end()) found->second.trace_count = traces->column_int(1);
  }
  wire::ServicesReply reply;
  for (auto& [name, entry] : by_service) reply.services.push_back(std::move(entry));
  return wire::encode(reply);
}

Result<std::string> ShardReader::answer(const wire::OperationsQuery& query) {
  auto statement = db_->prepare("SELECT name, span_count, last_seen_ns FROM operations WHERE service = ? ORDER BY name");
  if (!statement) return statement.status();
  statement->bind_text(1, query.service);
  auto rows = collect<wire::OperationRow>(*statement, *budget_, [](const Statement& row) {
    return wire::OperationRow{row.column_text(0), row.column_int(1), row.column_int(2)};
  });
  if (!rows) return rows.status();
  return wire::encode(wire::OperationsReply{std::move(rows.value())});
}

Result<std::string> ShardReader::answer(const wire::SearchQuery& query) {
  Filter filter;
  if (query.from_ns) filter.add("t.start_ns >= ?", *query.from_ns);
  if (query.to_ns) filter.add("t.start_ns <= ?", *query.to_ns);
  if (query.min_duration_ns) filter.add("t.duration_ns >= ?", *query.min_duration_ns);
  if (query.max_duration_ns) filter.add("t.duration_ns <= ?", *query.max_duration_ns);
  if (query.errors_only) filter.add("t.error_count > 0");
  if (query.service) filter.add("instr(',' || t.services || ',', ',' || ? || ',') > 0", *query.service);
  if (query.operation) {
    if (query.service) {
      filter.add("EXISTS (SELECT 1 FROM spans s WHERE s.trace_id = t.trace_id AND s.name = ? AND s.service = ?)", *query.operation,
                 *query.service);
    } else {
      filter.add("EXISTS (SELECT 1 FROM spans s WHERE s.trace_id = t.trace_id AND s.name = ?)", *query.operation);
    }
  }
  // Attribute and text filters are driven by their own indexes: a rare value's
  // trace ids are found once and the newest-first scan checks membership; a
  // common value's are probed trace by trace (sql_support.h).
  if (!query.attributes.empty()) {
    auto hash = attributes::ValueHash::of_shard(*db_);
    if (!hash) return hash.status();
    for (const wire::AttributeFilter& attribute : query.attributes) {
      if (Status s = attributes::add_trace_filter(filter, attribute, *hash, *db_, list_at_most_.value_or(kListTracesAtMostSpans));
          !s.is_ok()) {
        return s;
      }
    }
  }
  if (query.session_id) filter.add(sessions::kTracesOfSessionSql, *query.session_id);
  if (query.user_id) filter.add(sessions::kTracesOfUserSql, *query.user_id);
  if (query.text) {
    if (Status s = search::add_trace_filter(filter, *query.text, *db_, list_at_most_.value_or(kListTracesAtMostSpans)); !s.is_ok()) {
      return s;
    }
  }
  // The live tail asks for traces indexed after a watermark of each partition
  // (each shard's clock is its own indexer's).
  std::string order;
  if (query.indexed_after) {
    auto mark = query.indexed_after->find(partition_);
    filter.add("t.indexed_ns > ?", mark == query.indexed_after->end() ? int64_t{0} : mark->second);
    order = " ORDER BY t.indexed_ns ASC";
  } else {
    if (query.cursor) {
      const int64_t start = query.cursor->start_ns;
      filter.add("(t.start_ns < ? OR (t.start_ns = ? AND t.trace_id < ?))", start, start, id_bytes(query.cursor->trace_id));
    }
    // With a listed candidate set the unary + keeps SQLite from walking traces_start for the order: it reads
    // the candidates by primary key and sorts at most a few thousand rows instead.
    order = filter.candidates_listed() ? " ORDER BY +t.start_ns DESC, t.trace_id DESC" : " ORDER BY t.start_ns DESC, t.trace_id DESC";
  }
  filter.bind_later(query.limit);
  auto statement = db_->prepare("SELECT " + std::string(kSummaryColumns) + " FROM traces t" + filter.where() + order + " LIMIT ?");
  if (!statement) return statement.status();
  filter.bind(*statement);
  auto rows = collect<wire::TraceSummary>(*statement, *budget_, summary_of);
  if (!rows) return rows.status();
  return wire::encode(wire::SearchReply{std::move(rows.value())});
}

Result<std::string> ShardReader::answer(const wire::TraceQuery& query) {
  auto statement = db_->prepare("SELECT " + span_columns() + " FROM spans WHERE trace_id = ? ORDER BY start_ns, span_id");
  if (!statement) return statement.status();
  statement->bind_blob(1, blob_text(id_bytes(query.trace_id)));
  return spans_reply(*statement);
}

Result<std::string> ShardReader::answer(const wire::SpanQuery& query) {
  auto statement = db_->prepare("SELECT " + span_columns() + " FROM spans WHERE trace_id = ? AND span_id = ?");
  if (!statement) return statement.status();
  statement->bind_blob(1, blob_text(id_bytes(query.trace_id)));
  statement->bind_blob(2, blob_text(id_bytes(query.span_id)));
  return spans_reply(*statement);
}

Result<std::string> ShardReader::spans_reply(Statement& statement) {
  auto rows = collect<SpanText>(statement, *budget_, [this](const Statement& row) { return span_text(row, *bodies_, *budget_); });
  if (!rows) return rows.status();
  wire::SpansReply reply;
  reply.span_count = static_cast<int64_t>(rows->size());
  reply.spans = span_array(*rows);
  return wire::encode(reply);
}

namespace {

constexpr std::string_view kRunColumns =
    "trace_id, span_id, parent_span_id, name, service, span_type, start_ns, end_ns, duration_ns, status_code, "
    "cancelled, node_count, state_change_count, contract_version, store_id, parent_store_id, runtime_id, agent_key, outcome, "
    "termination_reason";
// Where the columns a query selects after kRunColumns start.
constexpr int kRunColumnCount = [] {
  int columns = 1;
  for (char c : kRunColumns) columns += c == ',' ? 1 : 0;
  return columns;
}();
static_assert(kRunColumnCount == 20);

wire::RunSummary run_of(const Statement& row) {
  wire::RunSummary run;
  run.trace_id = to_hex(row.column_text(0));
  run.span_id = to_hex(row.column_text(1));
  run.parent_span_id = to_hex(row.column_text(2));
  run.name = row.column_text(3);
  run.service = row.column_text(4);
  run.span_type = row.column_text(5);
  run.start_ns = row.column_int(6);
  run.end_ns = row.column_int(7);
  run.duration_ns = row.column_int(8);
  run.status_code = row.column_int(9);
  run.cancelled = row.column_int(10) != 0;
  run.node_count = row.column_int(11);
  run.state_change_count = row.column_int(12);
  run.contract_version = row.column_int(13);
  run.store_id = row.column_text(14);
  run.parent_store_id = row.column_text(15);
  run.runtime_id = row.column_text(16);
  run.agent_key = row.column_text(17);
  run.outcome = row.column_text(18);
  run.termination_reason = row.column_text(19);
  return run;
}

// The run of (trace_id, span_id) whose span_type meets `type_condition`,
// stepped onto its row: kRunColumns, then `more`; nullopt when there is none.
Result<std::optional<Statement>> find_run(Database& db, std::string_view more, std::string_view type_condition,
                                          const std::string& trace_id, const std::string& span_id) {
  auto run = db.prepare("SELECT " + std::string(kRunColumns) + ", " + std::string(more) +
                        " FROM workflow_runs WHERE trace_id = ? AND span_id = ? AND " + std::string(type_condition));
  if (!run) return run.status();
  run->bind_blob(1, trace_id).bind_blob(2, span_id);
  auto found = run->step();
  if (!found) return found.status();
  if (!*found) return std::optional<Statement>();
  return std::optional<Statement>(std::move(run.value()));
}

// A run's own spans: the run span and everything below it in the trace, as a
// JSON array text; and every span's parent (bytes), to walk up from the run.
struct RunSpans {
  std::string array;
  std::unordered_map<std::string, std::string> parent_of;
};
Result<RunSpans> run_spans(Database& db, span_body::BodyReader& bodies, QueryBudget& budget, const std::string& trace_id,
                           const std::string& span_id) {
  auto spans = db.prepare("SELECT " + span_columns() + " FROM spans WHERE trace_id = ? ORDER BY start_ns, span_id");
  if (!spans) return spans.status();
  spans->bind_blob(1, trace_id);
  auto all = collect<SpanText>(*spans, budget, [&](const Statement& row) { return span_text(row, bodies, budget); });
  if (!all) return all.status();
  RunSpans found;
  std::unordered_map<std::string, std::vector<size_t>> children;
  for (size_t i = 0; i < all->size(); ++i) {
    children[(*all)[i].parent_span_id].push_back(i);
    found.parent_of[(*all)[i].span_id] = (*all)[i].parent_span_id;
  }
  std::vector<std::string> frontier = {span_id};
  std::vector<size_t> picked;
  for (size_t i = 0; i < all->size(); ++i) {
    if ((*all)[i].span_id == span_id) picked.push_back(i);
  }
  while (!frontier.empty()) {
    std::string parent = frontier.back();
    frontier.pop_back();
    auto it = children.find(parent);
    if (it == children.end()) continue;
    for (size_t child : it->second) {
      picked.push_back(child);
      frontier.push_back((*all)[child].span_id);
    }
  }
  std::sort(picked.begin(), picked.end());
  picked.erase(std::unique(picked.begin(), picked.end()), picked.end());
  std::vector<SpanText> below;
  for (size_t i : picked) below.push_back(std::move((*all)[i]));
  found.array = span_array(below);
  return found;
}

// A store's state changes in the trace, in transition order.
Result<json> state_changes_of(Database& db, QueryBudget& budget, const std::string& trace_id, const std::string& store_id) {
  auto changes = db.prepare(
      "SELECT span_id, event_index, store_id, store_name, action, patch, transition_sequence, time_ns, revision_before, "
      "revision_after FROM state_changes WHERE trace_id = ? AND store_id = ? "
      "ORDER BY transition_sequence IS NULL, transition_sequence, time_ns, event_index");
  if (!changes) return changes.status();
  changes->bind_blob(1, trace_id).bind_text(2, store_id);
  auto rows = collect<json>(*changes, budget, [&budget](const Statement& row) -> Result<json> {
    std::string patch = row.column_text(5);
    if (Status s = budget.spend(128 + patch.size()); !s.is_ok()) return s;
    json change = {{"span_id", to_hex(row.column_text(0))}, {"event_index", row.column_int(1)},
                   {"store_id", row.column_text(2)},         {"store_name", row.column_text(3)},
                   {"action", row.column_text(4)},           {"patch", parse_or_null(patch)},
                   {"time_ns", row.column_int(7)}};
    if (!row.column_is_null(6)) change["transition_sequence"] = row.column_int(6);
    if (!row.column_is_null(8)) change["revision_before"] = row.column_int(8);
    if (!row.column_is_null(9)) change["revision_after"] = row.column_int(9);
    return change;
  });
  if (!rows) return rows.status();
  return json(std::move(rows.value()));
}

// A run's spans and its store's state changes.
struct RunContents {
  RunSpans spans;
  json state_changes;
};
Result<RunContents> run_contents(Database& db, span_body::BodyReader& bodies, QueryBudget& budget, const std::string& trace_id,
                                 const std::string& span_id, const std::string& store_id) {
  auto spans = run_spans(db, bodies, budget, trace_id, span_id);
  if (!spans) return spans.status();
  auto changes = state_changes_of(db, budget, trace_id, store_id);
  if (!changes) return changes.status();
  return RunContents{std::move(spans.value()), std::move(changes.value())};
}

// An agent run's operations in sequence order, with their span's name, times
// and status. An operation is the run's by runtime id, or, lacking one, by
// being a child of the run span.
Result<json> agent_operations_of(Database& db, QueryBudget& budget, const std::string& trace_id, const std::string& runtime_id,
                                 const std::string& run_span_id) {
  auto statement = db.prepare(
      "SELECT o.span_id, o.sequence, o.operation_type, s.name, s.start_ns, s.end_ns, s.status_code, s.status_message, o.cancelled, "
      "o.model_ordinal, o.model_provider, o.model_name, o.response_type, o.usage, o.state_revision, o.tool_name, o.tool_call_id, "
      "o.tool_call_ordinal, o.requested_arguments, o.arguments, o.result, o.result_unavailable_reason, o.state_revision_before, "
      "o.state_revision_after FROM agent_operations o JOIN spans s ON s.trace_id = o.trace_id AND s.span_id = o.span_id "
      "WHERE o.trace_id = ?1 AND (o.runtime_id = ?2 OR s.parent_span_id = ?3) "
      "ORDER BY o.sequence IS NULL, o.sequence, s.start_ns, o.span_id");
  if (!statement) return statement.status();
  statement->bind_blob(1, trace_id).bind_text(2, runtime_id).bind_blob(3, run_span_id);
  auto rows = collect<json>(*statement, budget, [&budget](const Statement& row) -> Result<json> {
    auto integer = [&](int column) { return row.column_is_null(column) ? json(nullptr) : json(row.column_int(column)); };
    auto text = [&](int column) { return row.column_is_null(column) ? json(nullptr) : json(row.column_text(column)); };
    std::string usage = row.column_text(13), requested = row.column_text(18), arguments = row.column_text(19),
                result = row.column_text(20);
    if (Status s = budget.spend(512 + usage.size() + requested.size() + arguments.size() + result.size()); !s.is_ok()) return s;
    return json{{"span_id", to_hex(row.column_text(0))},
                {"sequence", integer(1)},
                {"type", text(2)},
                {"name", row.column_text(3)},
                {"start_ns", row.column_int(4)},
                {"end_ns", row.column_int(5)},
                {"duration_ns", row.column_int(5) - row.column_int(4)},
                {"status_code", row.column_int(6)},
                {"status_message", row.column_text(7)},
                {"cancelled", row.column_int(8) != 0},
                {"model_ordinal", integer(9)},
                {"model_provider", text(10)},
                {"model_name", text(11)},
                {"response_type", text(12)},
                {"usage", agent::model_request_usage(usage)},
                {"state_revision", integer(14)},
                {"tool_name", text(15)},
                {"tool_call_id", text(16)},
                {"tool_call_ordinal", integer(17)},
                {"requested_arguments", parse_or_null(requested)},
                {"arguments", parse_or_null(arguments)},
                {"result", parse_or_null(result)},
                {"result_unavailable_reason", text(21)},
                {"state_revision_before", integer(22)},
                {"state_revision_after", integer(23)}};
  });
  if (!rows) return rows.status();
  return json(std::move(rows.value()));
}

}  // namespace

Result<std::string> ShardReader::answer(const wire::WorkflowsQuery& query) {
  Filter filter;
  filter.add("span_type = ?", std::string(wire::name_of(query.type)));
  if (query.service) filter.add("service = ?", *query.service);
  if (query.name) filter.add("name = ?", *query.name);
  // instr, not LIKE: the user's text needs no escaping; lower() folds ASCII only.
  if (query.name_contains) filter.add("instr(lower(name), lower(?)) > 0", *query.name_contains);
  if (query.from_ns) filter.add("start_ns >= ?", *query.from_ns);
  if (query.to_ns) filter.add("start_ns <= ?", *query.to_ns);
  if (query.status) {
    switch (*query.status) {
      case wire::WorkflowStatus::error: filter.add("status_code = 2"); break;
      case wire::WorkflowStatus::cancelled: filter.add("cancelled = 1"); break;
      case wire::WorkflowStatus::ok: filter.add("status_code != 2 AND cancelled = 0"); break;
    }
  }
  if (query.cursor) {
    // After the cursor's run in (start, trace id, span id) order, compared as a row value: the ids are
    // blobs, and `trace_id || span_id` would be text, which SQLite sorts before every blob, so each page
    // began again with the previous page's last run. The first condition lets the start index bound the scan.
    const int64_t start = query.cursor->start_ns;
    filter.add("start_ns <= ?", start);
    filter.add("(start_ns, trace_id, span_id) < (?, ?, ?)", start, id_bytes(query.cursor->trace_id), id_bytes(query.cursor->span_id));
  }
  filter.bind_later(query.limit);
  // A subflow's enclosing run: the run of the same trace (so the same shard)
  // that owns its parent store; looked up for the page's rows only, by primary key prefix.
  constexpr std::string_view kParentRun =
      "(SELECT parent.span_id FROM workflow_runs AS parent WHERE parent.trace_id = workflow_runs.trace_id "
      "AND length(workflow_runs.parent_store_id) > 0 AND parent.store_id = workflow_runs.parent_store_id "
      "AND parent.span_id != workflow_runs.span_id ORDER BY parent.start_ns LIMIT 1)";
  auto statement = db_->prepare("SELECT " + std::string(kRunColumns) + ", " + std::string(kParentRun) + " FROM workflow_runs" +
                                filter.where() + " ORDER BY start_ns DESC, trace_id DESC, span_id DESC LIMIT ?");
  if (!statement) return statement.status();
  filter.bind(*statement);
  constexpr int kParentRunColumn = kRunColumnCount;
  auto rows = collect<wire::RunSummary>(*statement, *budget_, [](const Statement& row) {
    wire::RunSummary run = run_of(row);
    const std::string parent = row.column_text(kParentRunColumn);
    if (!parent.empty()) run.parent_run_span_id = to_hex(parent);
    return run;
  });
  if (!rows) return rows.status();
  return wire::encode(wire::WorkflowsReply{std::move(rows.value())});
}

Result<std::string> ShardReader::answer(const wire::WorkflowQuery& query) {
  const std::string trace_id = blob_text(id_bytes(query.trace_id));
  const std::string span_id = blob_text(id_bytes(query.span_id));
  auto found = find_run(*db_, "state_start, state_end, graph, graph_format, hook_errors", "span_type != 'agent'", trace_id,
                        span_id);
  if (!found) return found.status();
  wire::WorkflowReply reply;
  if (!*found) return wire::encode(reply);
  const Statement& run = **found;
  reply.run = wire::to_json(run_of(run));
  reply.run["state_start"] = parse_or_null(run.column_text(kRunColumnCount));
  reply.run["state_end"] = parse_or_null(run.column_text(kRunColumnCount + 1));
  reply.run["graph"] = parse_or_null(run.column_text(kRunColumnCount + 2));
  reply.run["graph_format"] = run.column_text(kRunColumnCount + 3);
  // A failing Junjo hook (junjo.hook_error) does not fail the run, so it is easy to miss: the detail always says.
  json hooks = parse_or_null(run.column_text(kRunColumnCount + 4));
  reply.run["hook_errors"] = hooks.is_array() ? hooks : json::array();
  auto contents = run_contents(*db_, *bodies_, *budget_, trace_id, span_id, run.column_text(14));
  if (!contents) return contents.status();
  reply.spans = std::move(contents->spans.array);
  reply.state_changes = std::move(contents->state_changes);
  return wire::encode(reply);
}

Result<std::string> ShardReader::answer(const wire::LlmUsageQuery& query) {
  auto reply = llm_usage(*db_, query);  // llm_usage_query.h: the rollup, the calls at the window's edges
  if (!reply) return reply.status();
  return wire::encode(*reply);
}

Result<std::string> ShardReader::answer(const wire::CountsQuery&) {
  int64_t values[4] = {};
  const char* sql[4] = {"SELECT count(*) FROM spans", "SELECT count(*) FROM traces", "SELECT count(*) FROM workflow_runs",
                        "SELECT coalesce(max(sequence), 0) FROM cursor"};
  for (int i = 0; i < 4; ++i) {
    auto statement = db_->prepare(sql[i]);
    if (!statement) return statement.status();
    auto row = statement->step();
    if (!row) return row.status();
    values[i] = statement->column_int(0);
  }
  return wire::encode(wire::CountsReply{values[0], values[1], values[2], values[3]});
}

Result<std::string> ShardReader::answer(const wire::ExecutableQuery& query) {
  auto hash = attributes::ValueHash::of_shard(*db_);
  if (!hash) return hash.status();
  auto statement = db_->prepare(executable_lookup_sql());
  if (!statement) return statement.status();
  bind_executable_lookup(*statement, query, *hash);
  auto rows = collect<wire::ExecutableMatch>(*statement, *budget_, [](const Statement& row) {
    return wire::ExecutableMatch{to_hex(row.column_text(0)), to_hex(row.column_text(1)), row.column_text(2), row.column_text(3),
                                 row.column_int(4)};
  });
  if (!rows) return rows.status();
  return wire::encode(wire::ExecutablesReply{std::move(rows.value())});
}

Result<std::string> ShardReader::answer(const wire::AgentQuery& query) {
  const std::string trace_id = blob_text(id_bytes(query.trace_id));
  const std::string span_id = blob_text(id_bytes(query.span_id));
  auto found = find_run(*db_,
                        "state_start, state_end, usage, agent_counts, hook_errors, terminal_commit_failure",
                        "span_type = 'agent'", trace_id, span_id);
  if (!found) return found.status();
  wire::AgentReply reply;
  if (!*found) return wire::encode(reply);
  const Statement& run = **found;
  const wire::RunSummary summary = run_of(run);
  auto operations = agent_operations_of(*db_, *budget_, trace_id, summary.runtime_id, span_id);
  if (!operations) return operations.status();
  reply.run = wire::to_json(summary);
  // An agent's detail has these always (a list item only when set).
  reply.run["runtime_id"] = summary.runtime_id;
  reply.run["agent_key"] = summary.agent_key;
  reply.run["outcome"] = summary.outcome;
  reply.run["termination_reason"] = summary.termination_reason;
  reply.run["state_start"] = parse_or_null(run.column_text(kRunColumnCount));
  reply.run["state_end"] = parse_or_null(run.column_text(kRunColumnCount + 1));
  reply.run["usage"] = agent::run_usage(run.column_text(kRunColumnCount + 2), *operations);
  json counts = parse_or_null(run.column_text(kRunColumnCount + 3));
  reply.run["counts"] = counts.is_object() ? counts : json::object();
  json hooks = parse_or_null(run.column_text(kRunColumnCount + 4));
  reply.run["hook_errors"] = hooks.is_array() ? hooks : json::array();
  reply.run["terminal_commit_failure"] = parse_or_null(run.column_text(kRunColumnCount + 5));
  reply.operations = std::move(operations.value());
  auto contents = run_contents(*db_, *bodies_, *budget_, trace_id, span_id, run.column_text(14));
  if (!contents) return contents.status();
  reply.spans = std::move(contents->spans.array);
  reply.state_changes = std::move(contents->state_changes);

  // The nearest run above: walk up the span tree (its spans are in this
  // trace, so in this shard) to the first span that is a run.
  auto parent = db_->prepare("SELECT " + std::string(kRunColumns) + " FROM workflow_runs WHERE trace_id = ? AND span_id = ?");
  if (!parent) return parent.status();
  const auto& parent_of = contents->spans.parent_of;
  auto own = parent_of.find(span_id);
  std::string ancestor = own == parent_of.end() ? std::string() : own->second;
  for (size_t steps = 0; !ancestor.empty() && steps < parent_of.size(); ++steps) {
    parent->bind_blob(1, trace_id).bind_blob(2, ancestor);
    auto is_run = parent->step();
    if (!is_run) return is_run.status();
    if (*is_run) {
      reply.parent_run = wire::to_json(run_of(*parent));
      break;
    }
    parent->reset();
    auto up = parent_of.find(ancestor);
    ancestor = up == parent_of.end() ? std::string() : up->second;
  }
  return wire::encode(reply);
}

}  // namespace spanline::indexer::query
