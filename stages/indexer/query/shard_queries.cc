#include "stages/indexer/query/shard_queries.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <variant>
#include <vector>

#include "bus/latency_histogram.h"
#include "base/hex.h"
#include "base/json_depth.h"

namespace spanline::indexer::query {
namespace {

constexpr int64_t kMaxLimit = 1000;
// Deeper than OTLP itself allows (protobuf stops at 100 nested messages).
constexpr int kMaxNesting = 128;

// A WHERE clause assembled from optional filters, with its parameters kept
// apart from the SQL text: user input is only ever bound, never spliced.
class Filter {
 public:
  using Value = std::variant<int64_t, double, std::string, std::vector<uint8_t>>;

  void add(std::string condition) { conditions_.push_back(std::move(condition)); }
  void add(std::string condition, Value value) {
    conditions_.push_back(std::move(condition));
    values_.push_back(std::move(value));
  }
  void add(std::string condition, Value first, Value second) {
    conditions_.push_back(std::move(condition));
    values_.push_back(std::move(first));
    values_.push_back(std::move(second));
  }
  void add(std::string condition, Value first, Value second, Value third) {
    conditions_.push_back(std::move(condition));
    values_.push_back(std::move(first));
    values_.push_back(std::move(second));
    values_.push_back(std::move(third));
  }
  void bind_later(Value value) { values_.push_back(std::move(value)); }

  std::string where() const {
    std::string sql;
    for (const std::string& condition : conditions_) sql += (sql.empty() ? " WHERE " : " AND ") + condition;
    return sql;
  }
  void bind(Statement& statement) const {
    int index = 1;
    for (const Value& value : values_) {
      if (const auto* i = std::get_if<int64_t>(&value)) statement.bind(index, *i);
      else if (const auto* d = std::get_if<double>(&value)) statement.bind(index, *d);
      else if (const auto* s = std::get_if<std::string>(&value)) statement.bind_text(index, *s);
      else {
        const auto& bytes = std::get<std::vector<uint8_t>>(value);
        statement.bind_blob(index, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
      }
      ++index;
    }
  }

 private:
  std::vector<std::string> conditions_;
  std::vector<Value> values_;
};

std::vector<uint8_t> id_bytes(const json& params, const char* key, size_t size) {
  auto bytes = from_hex(params.at(key).get<std::string>());
  if (!bytes || bytes->size() != size) throw std::invalid_argument(std::string(key) + " must be " + std::to_string(size * 2) + " hex digits");
  return {bytes->begin(), bytes->end()};
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

int64_t limit_of(const json& params, int64_t fallback) {
  int64_t limit = params.value("limit", fallback);
  return std::clamp<int64_t>(limit, 1, kMaxLimit);
}

// Columns of a full span, in the order span_json() reads them.
constexpr std::string_view kSpanColumns =
    "trace_id, span_id, parent_span_id, service, name, kind, start_ns, end_ns, duration_ns, status_code, status_message, "
    "trace_state, flags, attributes, events, links, resource, scope, junjo_span_type, dropped_attributes_count, "
    "dropped_events_count, dropped_links_count";

// A stored span as JSON. Its texts are counted against the answer cap and the
// deadline checked before they are parsed: parsing is the costly part of a
// large span (the stored JSON is re-read into a tree), and it is not SQLite's.
Result<json> span_json(const Statement& row, QueryBudget& budget) {
  std::string texts[5];
  uint64_t bytes = 256;  // ids in hex, times, names' quoting
  for (int i = 0; i < 5; ++i) {
    texts[i] = row.column_text(13 + i);
    bytes += texts[i].size();
  }
  std::string name = row.column_text(4), status_message = row.column_text(10);
  bytes += name.size() + status_message.size();
  if (Status s = budget.spend(bytes); !s.is_ok()) return s;
  json parsed[5];
  for (int i = 0; i < 5; ++i) {
    if (Status s = budget.check_time(); !s.is_ok()) return s;
    parsed[i] = parse_or_null(texts[i]);
    texts[i] = std::string();
  }
  json span = {
      {"trace_id", to_hex(row.column_text(0))},
      {"span_id", to_hex(row.column_text(1))},
      {"parent_span_id", to_hex(row.column_text(2))},
      {"service", row.column_text(3)},
      {"name", std::move(name)},
      {"kind", row.column_int(5)},
      {"start_ns", row.column_int(6)},
      {"end_ns", row.column_int(7)},
      {"duration_ns", row.column_int(8)},
      {"status", {{"code", row.column_int(9)}, {"message", std::move(status_message)}}},
      {"trace_state", row.column_text(11)},
      {"flags", row.column_int(12)},
      {"attributes", std::move(parsed[0])},
      {"events", std::move(parsed[1])},
      {"links", std::move(parsed[2])},
      {"resource", std::move(parsed[3])},
      {"scope", std::move(parsed[4])},
      {"dropped_attributes_count", row.column_int(19)},
      {"dropped_events_count", row.column_int(20)},
      {"dropped_links_count", row.column_int(21)},
  };
  std::string junjo = row.column_text(18);
  if (!junjo.empty()) span["junjo_span_type"] = junjo;
  return span;
}

// Columns of a trace summary, in the order summary_json() reads them.
constexpr std::string_view kSummaryColumns =
    "trace_id, root_span_id, root_name, root_service, services, start_ns, end_ns, duration_ns, span_count, error_count, "
    "indexed_ns";

json summary_json(const Statement& row) {
  json services = json::array();
  std::string list = row.column_text(4);
  for (size_t begin = 0; begin < list.size();) {
    size_t end = list.find(',', begin);
    if (end == std::string::npos) end = list.size();
    services.push_back(list.substr(begin, end - begin));
    begin = end + 1;
  }
  return {{"trace_id", to_hex(row.column_text(0))}, {"root_span_id", to_hex(row.column_text(1))},
          {"root_name", row.column_text(2)},        {"root_service", row.column_text(3)},
          {"services", services},                   {"start_ns", row.column_int(5)},
          {"end_ns", row.column_int(6)},            {"duration_ns", row.column_int(7)},
          {"span_count", row.column_int(8)},        {"error_count", row.column_int(9)},
          {"indexed_ns", row.column_int(10)}};
}

// FTS5 query syntax treats quotes, stars and words like NEAR as operators; a
// phrase in double quotes (inner quotes doubled) makes the user's text a
// literal substring for the trigram tokenizer.
std::string fts_phrase(const std::string& text) {
  std::string phrase = "\"";
  for (char c : text) {
    if (c == '"') phrase += '"';
    phrase += c;
  }
  return phrase + "\"";
}

// Collects rows into a JSON array with `make` (a json, or a Result<json> when
// making a row can refuse), stopping with the statement's error, at the
// deadline, or with the first row `make` refuses.
template <typename Make>
Result<json> collect(Statement& statement, const QueryBudget& budget, Make make) {
  json rows = json::array();
  for (;;) {
    auto row = statement.step();
    if (!row) return row.status();
    if (!*row) return rows;
    if (Status s = budget.check_time(); !s.is_ok()) return s;
    if constexpr (std::is_same_v<decltype(make(statement)), Result<json>>) {
      auto made = make(statement);
      if (!made) return made.status();
      rows.push_back(std::move(made.value()));
    } else {
      rows.push_back(make(statement));
    }
  }
}

int progress_check(void* context) {
  auto* deadline = static_cast<SteadyClock::time_point*>(context);
  return SteadyClock::now() > *deadline ? 1 : 0;
}

}  // namespace

ShardReader::ShardReader(std::unique_ptr<Database> db, uint32_t partition) : db_(std::move(db)), partition_(partition) {
  sqlite3_progress_handler(db_->handle(), 2000, &progress_check, &deadline_);
}

ShardReader::~ShardReader() { sqlite3_progress_handler(db_->handle(), 0, nullptr, nullptr); }

Result<std::unique_ptr<ShardReader>> ShardReader::open(const std::string& path, uint32_t partition) {
  auto db = Database::open(path, true);
  if (!db) return db.status();
  if (Status s = (*db)->exec("PRAGMA query_only=1"); !s.is_ok()) return s;
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

Result<json> ShardReader::run(std::string_view kind, const json& params, QueryBudget& budget) {
  deadline_ = budget.deadline();
  budget_ = &budget;
  if (Status s = budget.check_time(); !s.is_ok()) return s;
  Result<json> result = Status(Code::invalid_argument, "unknown query kind '" + std::string(kind) + "'");
  // nlohmann reports a parameter of the wrong type by throwing; this is the
  // boundary where that becomes an invalid_argument answer.
  try {
    if (kind == "services") result = services();
    else if (kind == "operations") result = operations(params);
    else if (kind == "search") result = search(params);
    else if (kind == "trace") result = trace(params);
    else if (kind == "span") result = span(params);
    else if (kind == "workflows") result = workflows(params);
    else if (kind == "workflow") result = workflow(params);
    else if (kind == "llm_usage") result = llm_usage(params);
    else if (kind == "counts") result = counts();
  } catch (const json::exception& e) {
    return Status(Code::invalid_argument, std::string("bad query parameter: ") + e.what());
  } catch (const std::invalid_argument& e) {
    return Status(Code::invalid_argument, e.what());
  }
  budget_ = nullptr;
  if (!result.is_ok() && result.status().code() != Code::resource_exhausted && SteadyClock::now() > deadline_) {
    return Status(Code::deadline_exceeded, "query interrupted at its deadline");
  }
  return result;
}

Result<json> ShardReader::services() {
  auto spans = db_->prepare(
      "SELECT service, sum(span_count), count(*), max(last_seen_ns) FROM operations GROUP BY service ORDER BY service");
  if (!spans) return spans.status();
  std::map<std::string, json> by_service;
  for (;;) {
    auto row = spans->step();
    if (!row) return row.status();
    if (!*row) break;
    by_service[spans->column_text(0)] = {{"service", spans->column_text(0)},
                                         {"span_count", spans->column_int(1)},
                                         {"operation_count", spans->column_int(2)},
                                         {"last_seen_ns", spans->column_int(3)},
                                         {"trace_count", 0}};
  }
  auto traces = db_->prepare("SELECT root_service, count(*) FROM traces GROUP BY root_service");
  if (!traces) return traces.status();
  for (;;) {
    auto row = traces->step();
    if (!row) return row.status();
    if (!*row) break;
    auto found = by_service.find(traces->column_text(0));
    if (found != by_service.end()) found->second["trace_count"] = traces->column_int(1);
  }
  json services = json::array();
  for (auto& [name, entry] : by_service) services.push_back(std::move(entry));
  return json{{"services", std::move(services)}};
}

Result<json> ShardReader::operations(const json& params) {
  auto statement = db_->prepare("SELECT name, span_count, last_seen_ns FROM operations WHERE service = ? ORDER BY name");
  if (!statement) return statement.status();
  statement->bind_text(1, params.at("service").get<std::string>());
  auto rows = collect(*statement, *budget_, [](const Statement& row) {
    return json{{"name", row.column_text(0)}, {"span_count", row.column_int(1)}, {"last_seen_ns", row.column_int(2)}};
  });
  if (!rows) return rows.status();
  return json{{"operations", std::move(rows.value())}};
}

Result<json> ShardReader::search(const json& params) {
  Filter filter;
  if (params.contains("from_ns")) filter.add("t.start_ns >= ?", params["from_ns"].get<int64_t>());
  if (params.contains("to_ns")) filter.add("t.start_ns <= ?", params["to_ns"].get<int64_t>());
  if (params.contains("min_duration_ns")) filter.add("t.duration_ns >= ?", params["min_duration_ns"].get<int64_t>());
  if (params.contains("max_duration_ns")) filter.add("t.duration_ns <= ?", params["max_duration_ns"].get<int64_t>());
  if (params.value("errors", false)) filter.add("t.error_count > 0");
  if (params.contains("service")) {
    filter.add("instr(',' || t.services || ',', ',' || ? || ',') > 0", params["service"].get<std::string>());
  }
  if (params.contains("operation")) {
    if (params.contains("service")) {
      filter.add("EXISTS (SELECT 1 FROM spans s WHERE s.trace_id = t.trace_id AND s.name = ? AND s.service = ?)",
                 params["operation"].get<std::string>(), params["service"].get<std::string>());
    } else {
      filter.add("EXISTS (SELECT 1 FROM spans s WHERE s.trace_id = t.trace_id AND s.name = ?)",
                 params["operation"].get<std::string>());
    }
  }
  // Attribute and text filters are driven by their own indexes: the matching
  // trace ids are found once, then the newest-first scan checks membership.
  for (const json& attr : params.value("attrs", json::array())) {
    std::string key = attr.at("key").get<std::string>();
    std::string op = attr.value("op", "=");
    const std::string sql_prefix =
        "t.trace_id IN (SELECT s.trace_id FROM span_attributes a JOIN spans s ON s.rowid = a.span_rowid WHERE a.key = ? AND ";
    if (op == "=") {
      filter.add(sql_prefix + "a.text = ?)", key, attr.at("value").get<std::string>());
    } else if (op == ">" || op == "<" || op == ">=" || op == "<=") {
      filter.add(sql_prefix + "a.number IS NOT NULL AND a.number " + op + " ?)", key, attr.at("value").get<double>());
    } else {
      throw std::invalid_argument("attribute operator must be =, <, >, <= or >=");
    }
  }
  if (params.contains("q")) {
    filter.add("t.trace_id IN (SELECT s.trace_id FROM spans s WHERE s.rowid IN (SELECT rowid FROM span_text WHERE span_text MATCH ?))",
               fts_phrase(params["q"].get<std::string>()));
  }
  // The live tail asks for traces indexed after a watermark of each partition
  // (each shard's clock is its own indexer's).
  const bool live = params.contains("indexed_after");
  std::string order;
  if (live) {
    filter.add("t.indexed_ns > ?", params["indexed_after"].value(std::to_string(partition_), int64_t{0}));
    order = " ORDER BY t.indexed_ns ASC";
  } else {
    if (params.contains("cursor")) {
      const json& cursor = params["cursor"];
      int64_t start = cursor.at("start_ns").get<int64_t>();
      filter.add("(t.start_ns < ? OR (t.start_ns = ? AND t.trace_id < ?))", start, start, id_bytes(cursor, "trace_id", 16));
    }
    order = " ORDER BY t.start_ns DESC, t.trace_id DESC";
  }
  const int64_t limit = limit_of(params, 20);
  filter.bind_later(limit);
  auto statement = db_->prepare("SELECT " + std::string(kSummaryColumns) + " FROM traces t" + filter.where() + order + " LIMIT ?");
  if (!statement) return statement.status();
  filter.bind(*statement);
  auto rows = collect(*statement, *budget_, summary_json);
  if (!rows) return rows.status();
  return json{{"traces", std::move(rows.value())}};
}

Result<json> ShardReader::trace(const json& params) {
  auto statement = db_->prepare("SELECT " + std::string(kSpanColumns) + " FROM spans WHERE trace_id = ? ORDER BY start_ns, span_id");
  if (!statement) return statement.status();
  statement->bind_blob(1, blob_text(id_bytes(params, "trace_id", 16)));
  auto rows = collect(*statement, *budget_, [this](const Statement& row) { return span_json(row, *budget_); });
  if (!rows) return rows.status();
  return json{{"spans", std::move(rows.value())}};
}

Result<json> ShardReader::span(const json& params) {
  auto statement = db_->prepare("SELECT " + std::string(kSpanColumns) + " FROM spans WHERE trace_id = ? AND span_id = ?");
  if (!statement) return statement.status();
  statement->bind_blob(1, blob_text(id_bytes(params, "trace_id", 16)));
  statement->bind_blob(2, blob_text(id_bytes(params, "span_id", 8)));
  auto rows = collect(*statement, *budget_, [this](const Statement& row) { return span_json(row, *budget_); });
  if (!rows) return rows.status();
  return json{{"spans", std::move(rows.value())}};
}

namespace {

constexpr std::string_view kRunColumns =
    "trace_id, span_id, parent_span_id, name, service, span_type, start_ns, end_ns, duration_ns, status_code, "
    "cancelled, node_count, state_change_count, contract_version, store_id, parent_store_id";

json run_json(const Statement& row) {
  return {{"trace_id", to_hex(row.column_text(0))},
          {"span_id", to_hex(row.column_text(1))},
          {"parent_span_id", to_hex(row.column_text(2))},
          {"name", row.column_text(3)},
          {"service", row.column_text(4)},
          {"span_type", row.column_text(5)},
          {"start_ns", row.column_int(6)},
          {"end_ns", row.column_int(7)},
          {"duration_ns", row.column_int(8)},
          {"status_code", row.column_int(9)},
          {"cancelled", row.column_int(10) != 0},
          {"node_count", row.column_int(11)},
          {"state_change_count", row.column_int(12)},
          {"contract_version", row.column_int(13)},
          {"store_id", row.column_text(14)},
          {"parent_store_id", row.column_text(15)}};
}

}  // namespace

Result<json> ShardReader::workflows(const json& params) {
  Filter filter;
  filter.add("span_type = ?", params.value("span_type", std::string("workflow")));
  if (params.contains("service")) filter.add("service = ?", params["service"].get<std::string>());
  if (params.contains("name")) filter.add("name = ?", params["name"].get<std::string>());
  if (params.contains("from_ns")) filter.add("start_ns >= ?", params["from_ns"].get<int64_t>());
  if (params.contains("to_ns")) filter.add("start_ns <= ?", params["to_ns"].get<int64_t>());
  if (params.contains("status")) {
    std::string status = params["status"].get<std::string>();
    if (status == "error") filter.add("status_code = 2");
    else if (status == "cancelled") filter.add("cancelled = 1");
    else if (status == "ok") filter.add("status_code != 2 AND cancelled = 0");
    else throw std::invalid_argument("status must be ok, error or cancelled");
  }
  if (params.contains("cursor")) {
    const json& cursor = params["cursor"];
    int64_t start = cursor.at("start_ns").get<int64_t>();
    auto trace = id_bytes(cursor, "trace_id", 16);
    auto span = id_bytes(cursor, "span_id", 8);
    std::vector<uint8_t> key = trace;
    key.insert(key.end(), span.begin(), span.end());
    filter.add("(start_ns < ? OR (start_ns = ? AND (trace_id || span_id) < ?))", start, start, key);
  }
  filter.bind_later(limit_of(params, 20));
  auto statement = db_->prepare("SELECT " + std::string(kRunColumns) + " FROM workflow_runs" + filter.where() +
                                " ORDER BY start_ns DESC, trace_id || span_id DESC LIMIT ?");
  if (!statement) return statement.status();
  filter.bind(*statement);
  auto rows = collect(*statement, *budget_, run_json);
  if (!rows) return rows.status();
  return json{{"runs", std::move(rows.value())}};
}

Result<json> ShardReader::workflow(const json& params) {
  const std::string trace_id = blob_text(id_bytes(params, "trace_id", 16));
  const std::string span_id = blob_text(id_bytes(params, "span_id", 8));
  auto run = db_->prepare("SELECT " + std::string(kRunColumns) +
                          ", state_start, state_end, graph, graph_format FROM workflow_runs WHERE trace_id = ? AND span_id = ?");
  if (!run) return run.status();
  run->bind_blob(1, trace_id).bind_blob(2, span_id);
  auto found = run->step();
  if (!found) return found.status();
  if (!*found) return json{{"run", nullptr}};
  json result = {{"run", run_json(*run)}};
  result["run"]["state_start"] = parse_or_null(run->column_text(16));
  result["run"]["state_end"] = parse_or_null(run->column_text(17));
  result["run"]["graph"] = parse_or_null(run->column_text(18));
  result["run"]["graph_format"] = run->column_text(19);
  const std::string store_id = run->column_text(14);

  // The run's own spans: the run span and everything below it in the trace.
  auto spans = db_->prepare("SELECT " + std::string(kSpanColumns) + " FROM spans WHERE trace_id = ? ORDER BY start_ns, span_id");
  if (!spans) return spans.status();
  spans->bind_blob(1, trace_id);
  auto all = collect(*spans, *budget_, [this](const Statement& row) { return span_json(row, *budget_); });
  if (!all) return all.status();
  std::unordered_map<std::string, std::vector<size_t>> children;
  for (size_t i = 0; i < all->size(); ++i) children[(*all)[i]["parent_span_id"].get<std::string>()].push_back(i);
  json below = json::array();
  std::vector<std::string> frontier = {to_hex(span_id)};
  std::vector<size_t> picked;
  for (size_t i = 0; i < all->size(); ++i) {
    if ((*all)[i]["span_id"] == frontier[0]) picked.push_back(i);
  }
  while (!frontier.empty()) {
    std::string parent = frontier.back();
    frontier.pop_back();
    auto it = children.find(parent);
    if (it == children.end()) continue;
    for (size_t child : it->second) {
      picked.push_back(child);
      frontier.push_back((*all)[child]["span_id"].get<std::string>());
    }
  }
  std::sort(picked.begin(), picked.end());
  picked.erase(std::unique(picked.begin(), picked.end()), picked.end());
  for (size_t i : picked) below.push_back(std::move((*all)[i]));
  result["spans"] = std::move(below);

  auto changes = db_->prepare(
      "SELECT span_id, event_index, store_id, store_name, action, patch, transition_sequence, time_ns, revision_before, "
      "revision_after FROM state_changes WHERE trace_id = ? AND store_id = ? "
      "ORDER BY transition_sequence IS NULL, transition_sequence, time_ns, event_index");
  if (!changes) return changes.status();
  changes->bind_blob(1, trace_id).bind_text(2, store_id);
  auto rows = collect(*changes, *budget_, [this](const Statement& row) -> Result<json> {
    std::string patch = row.column_text(5);
    if (Status s = budget_->spend(128 + patch.size()); !s.is_ok()) return s;
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
  result["state_changes"] = std::move(rows.value());
  return result;
}

Result<json> ShardReader::llm_usage(const json& params) {
  // OpenTelemetry GenAI keys first, then their older names, then OpenInference.
  Filter filter;
  filter.add(
      "s.rowid IN (SELECT span_rowid FROM span_attributes WHERE on_event = 0 AND key IN "
      "('gen_ai.request.model', 'gen_ai.response.model', 'gen_ai.system', 'gen_ai.provider.name', 'llm.model_name', "
      "'llm.provider', 'llm.system'))");
  if (params.contains("from_ns")) filter.add("s.start_ns >= ?", params["from_ns"].get<int64_t>());
  if (params.contains("to_ns")) filter.add("s.start_ns <= ?", params["to_ns"].get<int64_t>());
  if (params.contains("service")) filter.add("s.service = ?", params["service"].get<std::string>());
  auto statement = db_->prepare(
      "SELECT s.service, s.start_ns, s.duration_ns, s.status_code, "
      "coalesce(json_extract(s.attributes, '$.\"gen_ai.response.model\"'), json_extract(s.attributes, '$.\"gen_ai.request.model\"'), "
      "json_extract(s.attributes, '$.\"llm.model_name\"'), 'unknown'), "
      "coalesce(json_extract(s.attributes, '$.\"gen_ai.usage.input_tokens\"'), json_extract(s.attributes, '$.\"gen_ai.usage.prompt_tokens\"'), "
      "json_extract(s.attributes, '$.\"llm.token_count.prompt\"'), 0), "
      "coalesce(json_extract(s.attributes, '$.\"gen_ai.usage.output_tokens\"'), json_extract(s.attributes, '$.\"gen_ai.usage.completion_tokens\"'), "
      "json_extract(s.attributes, '$.\"llm.token_count.completion\"'), 0) "
      "FROM spans s" + filter.where());
  if (!statement) return statement.status();
  filter.bind(*statement);
  const int64_t bucket_ns = std::max<int64_t>(params.value("bucket_ns", int64_t{3'600'000'000'000}), 1'000'000'000);
  const std::string model_filter = params.value("model", std::string());
  struct Group {
    int64_t calls = 0, errors = 0, input_tokens = 0, output_tokens = 0;
    std::map<int, int64_t> latency;
  };
  std::map<std::tuple<std::string, std::string, int64_t>, Group> groups;
  for (;;) {
    auto row = statement->step();
    if (!row) return row.status();
    if (!*row) break;
    std::string model = statement->column_text(4);
    if (!model_filter.empty() && model != model_filter) continue;
    int64_t start = statement->column_int(1);
    int64_t bucket = start - (start % bucket_ns + bucket_ns) % bucket_ns;
    Group& group = groups[{model, statement->column_text(0), bucket}];
    group.calls += 1;
    group.errors += statement->column_int(3) == 2 ? 1 : 0;
    group.input_tokens += statement->column_int(5);
    group.output_tokens += statement->column_int(6);
    group.latency[bus::latency_bucket(statement->column_int(2))] += 1;
  }
  json rows = json::array();
  for (const auto& [key, group] : groups) {
    json latency = json::object();
    for (const auto& [bucket, count] : group.latency) latency[std::to_string(bucket)] = count;
    rows.push_back({{"model", std::get<0>(key)}, {"service", std::get<1>(key)}, {"bucket_start_ns", std::get<2>(key)},
                    {"calls", group.calls}, {"errors", group.errors}, {"input_tokens", group.input_tokens},
                    {"output_tokens", group.output_tokens}, {"latency_histogram", std::move(latency)}});
  }
  return json{{"usage", std::move(rows)}};
}

Result<json> ShardReader::counts() {
  json result = json::object();
  for (const auto& [name, sql] : {std::pair{"spans", "SELECT count(*) FROM spans"},
                                  std::pair{"traces", "SELECT count(*) FROM traces"},
                                  std::pair{"workflow_runs", "SELECT count(*) FROM workflow_runs"},
                                  std::pair{"cursor", "SELECT coalesce(max(sequence), 0) FROM cursor"}}) {
    auto statement = db_->prepare(sql);
    if (!statement) return statement.status();
    auto row = statement->step();
    if (!row) return row.status();
    result[name] = statement->column_int(0);
  }
  return result;
}

}  // namespace spanline::indexer::query
