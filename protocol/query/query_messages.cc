#include "protocol/query/query_messages.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <stdexcept>

namespace spanline::protocol::query {
namespace {

// Parameter checks throw inside the decoders; decode_query() is the one
// boundary where that becomes invalid_argument, with nlohmann's own words for
// a wrong type ("bad query parameter: ...").
struct BadParameter : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

bool is_hex_id(std::string_view text, size_t digits) {
  return text.size() == digits && text.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos;
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
  return text;
}

std::string hex_id(const json& object, const char* key, size_t bytes) {
  std::string text = object.at(key).get<std::string>();
  if (!is_hex_id(text, bytes * 2)) throw BadParameter(std::string(key) + " must be " + std::to_string(bytes * 2) + " hex digits");
  return lower(std::move(text));
}

template <typename T>
std::optional<T> optional_of(const json& params, const char* key) {
  if (!params.contains(key)) return std::nullopt;
  return params.at(key).get<T>();
}

int64_t limit_of(const json& params) {
  return std::clamp<int64_t>(params.value("limit", kDefaultLimit), 1, kMaxLimit);
}

template <typename T>
void put(json& params, const char* key, const std::optional<T>& value) {
  if (value) params[key] = *value;
}

Status invalid_cursor() { return Status(Code::invalid_argument, "parameter 'cursor': not a cursor this api gave out"); }

// "<start_ns>.<hex>" with `digits` hex digits.
Result<std::pair<int64_t, std::string>> split_cursor(std::string_view text, size_t digits) {
  auto dot = text.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot > 20) return invalid_cursor();
  int64_t start = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + dot, start);
  if (error != std::errc() || end != text.data() + dot) return invalid_cursor();
  std::string_view id = text.substr(dot + 1);
  if (!is_hex_id(id, digits)) return invalid_cursor();
  return std::pair{start, lower(std::string(id))};
}

AttributeFilter attribute_from(const json& item) {
  AttributeFilter filter;
  filter.key = item.at("key").get<std::string>();
  const std::string op = item.value("op", "=");
  if (op == "=") {
    filter.text = item.at("value").get<std::string>();
    return filter;
  }
  if (op == ">") filter.op = AttributeFilter::Op::greater;
  else if (op == "<") filter.op = AttributeFilter::Op::less;
  else if (op == ">=") filter.op = AttributeFilter::Op::greater_or_equal;
  else if (op == "<=") filter.op = AttributeFilter::Op::less_or_equal;
  else throw BadParameter("attribute operator must be =, <, >, <= or >=");
  filter.number = item.at("value").get<double>();
  return filter;
}

Query search_from(const json& params) {
  SearchQuery query;
  query.from_ns = optional_of<int64_t>(params, "from_ns");
  query.to_ns = optional_of<int64_t>(params, "to_ns");
  query.min_duration_ns = optional_of<int64_t>(params, "min_duration_ns");
  query.max_duration_ns = optional_of<int64_t>(params, "max_duration_ns");
  query.errors_only = params.value("errors", false);
  query.service = optional_of<std::string>(params, "service");
  query.operation = optional_of<std::string>(params, "operation");
  query.text = optional_of<std::string>(params, "q");
  for (const json& item : params.value("attrs", json::array())) query.attributes.push_back(attribute_from(item));
  query.session_id = optional_of<std::string>(params, "session_id");
  query.user_id = optional_of<std::string>(params, "user_id");
  query.limit = limit_of(params);
  if (params.contains("cursor")) {
    const json& cursor = params.at("cursor");
    query.cursor = TraceCursor{cursor.at("start_ns").get<int64_t>(), hex_id(cursor, "trace_id", 16)};
  }
  if (params.contains("indexed_after")) {
    std::map<uint32_t, int64_t> after;
    for (const auto& [partition, ns] : params.at("indexed_after").items()) {
      uint32_t p = 0;
      auto [end, error] = std::from_chars(partition.data(), partition.data() + partition.size(), p);
      if (error != std::errc() || end != partition.data() + partition.size()) {
        throw BadParameter("indexed_after is keyed by partition numbers");
      }
      after[p] = ns.get<int64_t>();
    }
    query.indexed_after = std::move(after);
  }
  return query;
}

Query logs_from(const json& params) {
  LogsQuery query;
  query.from_ns = optional_of<int64_t>(params, "from_ns");
  query.to_ns = optional_of<int64_t>(params, "to_ns");
  query.service = optional_of<std::string>(params, "service");
  query.event_name = optional_of<std::string>(params, "event_name");
  query.text = optional_of<std::string>(params, "q");
  if (params.contains("min_severity")) {
    query.min_severity = std::clamp(params.at("min_severity").get<int>(), 0, kMaxSeverityNumber);
  }
  if (params.contains("trace_id")) query.trace_id = hex_id(params, "trace_id", 16);
  for (const json& item : params.value("attrs", json::array())) query.attributes.push_back(attribute_from(item));
  query.limit = limit_of(params);
  if (params.contains("cursor")) {
    const json& cursor = params.at("cursor");
    const std::string id = cursor.at("log_id").get<std::string>();
    if (!log_key_of(id)) throw BadParameter("log_id must be 32 hex digits");
    query.cursor = LogCursor{cursor.at("time_ns").get<int64_t>(), lower(id)};
  }
  return query;
}

Query trace_logs_from(const json& params) {
  TraceLogsQuery query{hex_id(params, "trace_id", 16), std::nullopt};
  if (params.contains("span_id")) query.span_id = hex_id(params, "span_id", 8);
  return query;
}

json attrs_json(const std::vector<AttributeFilter>& attributes) {
  json attrs = json::array();
  for (const AttributeFilter& f : attributes) {
    json item = {{"key", f.key}, {"op", name_of(f.op)}};
    if (f.op == AttributeFilter::Op::equal) item["value"] = f.text;
    else item["value"] = f.number;
    attrs.push_back(std::move(item));
  }
  return attrs;
}

Query workflows_from(const json& params) {
  WorkflowsQuery query;
  const std::string type = params.value("span_type", std::string("workflow"));
  auto run_type = run_type_named(type);
  if (!run_type) throw BadParameter("span_type must be " + std::string(kRunTypeNames));
  query.type = *run_type;
  query.service = optional_of<std::string>(params, "service");
  query.name = optional_of<std::string>(params, "name");
  query.name_contains = optional_of<std::string>(params, "name_contains");
  query.from_ns = optional_of<int64_t>(params, "from_ns");
  query.to_ns = optional_of<int64_t>(params, "to_ns");
  if (params.contains("status")) {
    query.status = workflow_status_named(params.at("status").get<std::string>());
    if (!query.status) throw BadParameter("status must be " + std::string(kWorkflowStatusNames));
  }
  query.limit = limit_of(params);
  if (params.contains("cursor")) {
    const json& cursor = params.at("cursor");
    query.cursor = RunCursor{cursor.at("start_ns").get<int64_t>(), hex_id(cursor, "trace_id", 16), hex_id(cursor, "span_id", 8)};
  }
  return query;
}

Query llm_usage_from(const json& params) {
  LlmUsageQuery query;
  query.from_ns = optional_of<int64_t>(params, "from_ns");
  query.to_ns = optional_of<int64_t>(params, "to_ns");
  query.service = optional_of<std::string>(params, "service");
  std::string model = params.value("model", std::string());
  if (!model.empty()) query.model = std::move(model);
  query.bucket_ns = std::max<int64_t>(params.value("bucket_ns", kDefaultBucketNs), kMinBucketNs);
  return query;
}

json params_of(const Query& query) {
  json params = json::object();
  std::visit(
      [&](const auto& q) {
        using T = std::decay_t<decltype(q)>;
        if constexpr (std::is_same_v<T, OperationsQuery>) {
          params["service"] = q.service;
        } else if constexpr (std::is_same_v<T, SearchQuery>) {
          put(params, "from_ns", q.from_ns);
          put(params, "to_ns", q.to_ns);
          put(params, "min_duration_ns", q.min_duration_ns);
          put(params, "max_duration_ns", q.max_duration_ns);
          if (q.errors_only) params["errors"] = true;
          put(params, "service", q.service);
          put(params, "operation", q.operation);
          put(params, "q", q.text);
          if (!q.attributes.empty()) params["attrs"] = attrs_json(q.attributes);
          put(params, "session_id", q.session_id);
          put(params, "user_id", q.user_id);
          params["limit"] = q.limit;
          if (q.cursor) params["cursor"] = {{"start_ns", q.cursor->start_ns}, {"trace_id", q.cursor->trace_id}};
          if (q.indexed_after) {
            json after = json::object();
            for (const auto& [partition, ns] : *q.indexed_after) after[std::to_string(partition)] = ns;
            params["indexed_after"] = std::move(after);
          }
        } else if constexpr (std::is_same_v<T, TraceQuery>) {
          params["trace_id"] = q.trace_id;
        } else if constexpr (std::is_same_v<T, SpanQuery> || std::is_same_v<T, WorkflowQuery> || std::is_same_v<T, AgentQuery>) {
          params["trace_id"] = q.trace_id;
          params["span_id"] = q.span_id;
        } else if constexpr (std::is_same_v<T, WorkflowsQuery>) {
          params["span_type"] = name_of(q.type);
          put(params, "service", q.service);
          put(params, "name", q.name);
          put(params, "name_contains", q.name_contains);
          put(params, "from_ns", q.from_ns);
          put(params, "to_ns", q.to_ns);
          if (q.status) params["status"] = name_of(*q.status);
          params["limit"] = q.limit;
          if (q.cursor) {
            params["cursor"] = {{"start_ns", q.cursor->start_ns}, {"trace_id", q.cursor->trace_id}, {"span_id", q.cursor->span_id}};
          }
        } else if constexpr (std::is_same_v<T, ExecutableQuery>) {
          params["service"] = q.service;
          params["runtime_id"] = q.runtime_id;
        } else if constexpr (std::is_same_v<T, LogsQuery>) {
          put(params, "from_ns", q.from_ns);
          put(params, "to_ns", q.to_ns);
          put(params, "service", q.service);
          put(params, "event_name", q.event_name);
          put(params, "min_severity", q.min_severity);
          put(params, "q", q.text);
          put(params, "trace_id", q.trace_id);
          if (!q.attributes.empty()) params["attrs"] = attrs_json(q.attributes);
          params["limit"] = q.limit;
          if (q.cursor) params["cursor"] = {{"time_ns", q.cursor->time_ns}, {"log_id", q.cursor->log_id}};
        } else if constexpr (std::is_same_v<T, TraceLogsQuery>) {
          params["trace_id"] = q.trace_id;
          put(params, "span_id", q.span_id);
        } else if constexpr (std::is_same_v<T, SessionsQuery> || std::is_same_v<T, SessionQuery>) {
          params = protocol::query::params_of(q);  // session_messages.cc
        } else if constexpr (std::is_same_v<T, LlmUsageQuery>) {
          put(params, "from_ns", q.from_ns);
          put(params, "to_ns", q.to_ns);
          put(params, "service", q.service);
          put(params, "model", q.model);
          params["bucket_ns"] = q.bucket_ns;
        }
      },
      query);
  return params;
}

std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

Status malformed(std::string_view kind) {
  return Status(Code::internal, "indexer sent a malformed " + std::string(kind) + " answer");
}

// Parses one partition's data and reads it with `read`; a malformed answer is an internal error.
template <typename Reply, typename Read>
Result<Reply> read_reply(std::string_view data, std::string_view kind, Read read) {
  json value = json::parse(data, nullptr, false);
  if (value.is_discarded() || !value.is_object()) return malformed(kind);
  try {
    Reply reply;
    read(value, reply);
    return reply;
  } catch (const json::exception&) {
    return malformed(kind);
  }
}

// ---- reading what encode() wrote, without parsing what passes through ----
//
// The answers' large parts (a trace's spans) are JSON text the api passes on
// as they are. These read the exact layout encode() writes, finding where a
// value ends by its brackets and strings alone; text in any other layout
// (another writer's key order, whitespace) is parsed wholesale instead.

constexpr size_t kNone = std::string_view::npos;

// Where the JSON value starting at `pos` ends (one past it), or kNone.
size_t value_end(std::string_view text, size_t pos) {
  if (pos >= text.size()) return kNone;
  const char first = text[pos];
  if (first == '"' || first == '{' || first == '[') {
    int depth = 0;
    bool in_string = false;
    for (size_t i = pos; i < text.size(); ++i) {
      const char c = text[i];
      if (in_string) {
        if (c == '\\') ++i;
        else if (c == '"') {
          in_string = false;
          if (depth == 0) return i + 1;
        }
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
    }
    return kNone;
  }
  size_t i = pos;
  while (i < text.size() && text[i] != ',' && text[i] != '}' && text[i] != ']') ++i;
  return i > pos ? i : kNone;
}

// `pos` past `literal` when the text has it there, else kNone.
size_t expect(std::string_view text, size_t pos, std::string_view literal) {
  if (pos == kNone || text.substr(pos, literal.size()) != literal) return kNone;
  return pos + literal.size();
}

// An unsigned integer at `pos`, with `pos` moved past it.
template <typename T>
bool read_number(std::string_view text, size_t& pos, T& value) {
  if (pos == kNone) return false;
  auto [end, error] = std::from_chars(text.data() + pos, text.data() + text.size(), value);
  if (error != std::errc()) return false;
  pos = static_cast<size_t>(end - text.data());
  return true;
}

// The value after `"key":` at `pos` (which moves past it), or nothing.
std::optional<std::string_view> field(std::string_view text, size_t& pos, std::string_view key_with_quotes_and_colon) {
  pos = expect(text, pos, key_with_quotes_and_colon);
  const size_t end = value_end(text, pos);
  if (end == kNone) return std::nullopt;
  std::string_view value = text.substr(pos, end - pos);
  pos = end;
  return value;
}

}  // namespace

std::optional<WorkflowStatus> workflow_status_named(std::string_view name) {
  if (name == "ok") return WorkflowStatus::ok;
  if (name == "error") return WorkflowStatus::error;
  if (name == "cancelled") return WorkflowStatus::cancelled;
  return std::nullopt;
}

std::string_view name_of(WorkflowStatus status) {
  switch (status) {
    case WorkflowStatus::ok: return "ok";
    case WorkflowStatus::error: return "error";
    case WorkflowStatus::cancelled: return "cancelled";
  }
  return "ok";
}

// The run types and their names: the one list.
constexpr std::pair<RunType, std::string_view> kRunTypeNameList[] = {
    {RunType::workflow, "workflow"}, {RunType::subflow, "subflow"}, {RunType::agent, "agent"}};

std::optional<RunType> run_type_named(std::string_view name) {
  for (const auto& [type, type_name] : kRunTypeNameList) {
    if (type_name == name) return type;
  }
  return std::nullopt;
}

std::string_view name_of(RunType type) {
  for (const auto& [listed, type_name] : kRunTypeNameList) {
    if (listed == type) return type_name;
  }
  return "workflow";
}

std::optional<ExecutableType> executable_type_named(std::string_view name) {
  if (name == "workflow") return ExecutableType::workflow;
  if (name == "agent") return ExecutableType::agent;
  return std::nullopt;
}

std::string_view name_of(ExecutableType type) { return type == ExecutableType::agent ? "agent" : "workflow"; }

std::optional<ExecutableType> executable_type_of_span_type(std::string_view span_type) {
  if (span_type == "workflow" || span_type == "subflow") return ExecutableType::workflow;
  if (span_type == "agent") return ExecutableType::agent;
  return std::nullopt;
}

std::string_view name_of(AttributeFilter::Op op) {
  switch (op) {
    case AttributeFilter::Op::equal: return "=";
    case AttributeFilter::Op::greater: return ">";
    case AttributeFilter::Op::less: return "<";
    case AttributeFilter::Op::greater_or_equal: return ">=";
    case AttributeFilter::Op::less_or_equal: return "<=";
  }
  return "=";
}

std::string to_text(const TraceCursor& cursor) { return std::to_string(cursor.start_ns) + "." + cursor.trace_id; }
std::string to_text(const RunCursor& cursor) {
  return std::to_string(cursor.start_ns) + "." + cursor.trace_id + cursor.span_id;
}

Result<TraceCursor> trace_cursor_from_text(std::string_view text) {
  auto parts = split_cursor(text, 32);
  if (!parts) return parts.status();
  return TraceCursor{parts->first, std::move(parts->second)};
}

int severity_named(std::string_view text) {
  static constexpr std::pair<std::string_view, int> kNames[] = {
      {"trace", 1}, {"debug", 5}, {"info", 9}, {"warning", 13}, {"warn", 13}, {"error", 17}, {"fatal", 21}, {"critical", 21}};
  std::string lower_text(text.substr(0, 16));
  for (char& c : lower_text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& [name, number] : kNames) {
    if (lower_text.rfind(name, 0) != 0) continue;
    std::string_view rest = std::string_view(lower_text).substr(name.size());
    if (rest.empty()) return number;
    if (rest.size() == 1 && rest[0] >= '1' && rest[0] <= '4') return number + (rest[0] - '1');
  }
  return 0;
}

std::string to_text(const LogCursor& cursor) { return std::to_string(cursor.time_ns) + "." + cursor.log_id; }

Result<LogCursor> log_cursor_from_text(std::string_view text) {
  auto parts = split_cursor(text, 32);
  if (!parts) return parts.status();
  return LogCursor{parts->first, std::move(parts->second)};
}

std::string log_id(const LogKey& key) {
  char text[33];
  std::snprintf(text, sizeof text, "%08x%016llx%08x", key.partition, static_cast<unsigned long long>(key.sequence), key.index);
  return text;
}

std::optional<LogKey> log_key_of(std::string_view id) {
  if (!is_hex_id(id, 32)) return std::nullopt;
  LogKey key;
  auto read = [&](size_t at, size_t digits, auto& value) {
    std::from_chars(id.data() + at, id.data() + at + digits, value, 16);
  };
  read(0, 8, key.partition);
  read(8, 16, key.sequence);
  read(24, 8, key.index);
  return key;
}

Result<RunCursor> run_cursor_from_text(std::string_view text) {
  auto parts = split_cursor(text, 48);
  if (!parts) return parts.status();
  return RunCursor{parts->first, parts->second.substr(0, 32), parts->second.substr(32)};
}

std::string_view kind_of(const Query& query) {
  static constexpr std::string_view kKinds[] = {"services", "operations", "search", "trace", "span",
                                                "workflows", "workflow", "llm_usage", "counts", "executables", "agent",
                                                "logs", "trace_logs", "sessions", "session"};
  static_assert(std::size(kKinds) == std::variant_size_v<Query>);
  return kKinds[query.index()];
}

Result<Query> decode_query(std::string_view kind, const json& params) {
  try {
    if (kind == "services") return Query(ServicesQuery{});
    if (kind == "operations") return Query(OperationsQuery{params.at("service").get<std::string>()});
    if (kind == "search") return search_from(params);
    if (kind == "trace") return Query(TraceQuery{hex_id(params, "trace_id", 16)});
    if (kind == "span") return Query(SpanQuery{hex_id(params, "trace_id", 16), hex_id(params, "span_id", 8)});
    if (kind == "workflows") return workflows_from(params);
    if (kind == "workflow") return Query(WorkflowQuery{hex_id(params, "trace_id", 16), hex_id(params, "span_id", 8)});
    if (kind == "llm_usage") return llm_usage_from(params);
    if (kind == "counts") return Query(CountsQuery{});
    if (kind == "agent") return Query(AgentQuery{hex_id(params, "trace_id", 16), hex_id(params, "span_id", 8)});
    if (kind == "logs") return logs_from(params);
    if (kind == "trace_logs") return trace_logs_from(params);
    if (kind == "sessions") {
      auto sessions = sessions_query_from(params);  // session_messages.cc
      if (!sessions) return sessions.status();
      return Query(std::move(sessions.value()));
    }
    if (kind == "session") {
      auto session = session_query_from(params);
      if (!session) return session.status();
      return Query(std::move(session.value()));
    }
    if (kind == "executables") {
      return Query(ExecutableQuery{params.at("service").get<std::string>(), params.at("runtime_id").get<std::string>()});
    }
  } catch (const json::exception& e) {
    return Status(Code::invalid_argument, std::string("bad query parameter: ") + e.what());
  } catch (const BadParameter& e) {
    return Status(Code::invalid_argument, e.what());
  }
  return Status(Code::invalid_argument, "unknown query kind '" + std::string(kind) + "'");
}

std::string encode(const QueryRequest& request) {
  return dump(json{{"kind", kind_of(request.query)}, {"partitions", request.partitions}, {"params", params_of(request.query)}});
}

Result<QueryRequest> decode_request(std::string_view body) {
  json request = json::parse(body, nullptr, false);
  if (request.is_discarded() || !request.is_object() || !request.contains("kind") || !request["kind"].is_string() ||
      !request.contains("partitions") || !request["partitions"].is_array()) {
    return Status(Code::invalid_argument, "a query is a JSON object with kind, partitions and params");
  }
  QueryRequest decoded;
  for (const json& item : request["partitions"]) {
    if (!item.is_number_unsigned() || item.get<uint64_t>() > UINT32_MAX) {
      return Status(Code::invalid_argument, "partitions must be non-negative integers");
    }
    decoded.partitions.push_back(item.get<uint32_t>());
  }
  const json params = request.value("params", json::object());
  auto query = decode_query(request["kind"].get<std::string>(), params.is_object() ? params : json::object());
  if (!query) return query.status();
  decoded.query = std::move(query.value());
  return decoded;
}

// ---- replies ----------------------------------------------------------------

json to_json(const TraceSummary& s) {
  return {{"trace_id", s.trace_id},     {"root_span_id", s.root_span_id}, {"root_name", s.root_name},
          {"root_service", s.root_service}, {"services", s.services},     {"start_ns", s.start_ns},
          {"end_ns", s.end_ns},         {"duration_ns", s.duration_ns},   {"span_count", s.span_count},
          {"error_count", s.error_count}, {"indexed_ns", s.indexed_ns}};
}

json to_json(const RunSummary& r) {
  json run = {{"trace_id", r.trace_id},
          {"span_id", r.span_id},
          {"parent_span_id", r.parent_span_id},
          {"name", r.name},
          {"service", r.service},
          {"span_type", r.span_type},
          {"start_ns", r.start_ns},
          {"end_ns", r.end_ns},
          {"duration_ns", r.duration_ns},
          {"status_code", r.status_code},
          {"cancelled", r.cancelled},
          {"node_count", r.node_count},
          {"state_change_count", r.state_change_count},
          {"contract_version", r.contract_version},
          {"store_id", r.store_id},
          {"parent_store_id", r.parent_store_id}};
  // Only list items know it (the indexer looks it up for a page of runs).
  if (!r.parent_run_span_id.empty()) run["parent_run_span_id"] = r.parent_run_span_id;
  for (const auto& [key, value] : {std::pair<const char*, const std::string*>{"runtime_id", &r.runtime_id}, {"agent_key", &r.agent_key},
                                   {"outcome", &r.outcome}, {"termination_reason", &r.termination_reason}}) {
    if (!value->empty()) run[key] = *value;
  }
  return run;
}

std::string encode(const ServicesReply& reply) {
  json rows = json::array();
  for (const ServiceRow& r : reply.services) {
    rows.push_back({{"service", r.service}, {"span_count", r.span_count}, {"operation_count", r.operation_count},
                    {"last_seen_ns", r.last_seen_ns}, {"trace_count", r.trace_count}});
  }
  return dump(json{{"services", std::move(rows)}});
}

std::string encode(const OperationsReply& reply) {
  json rows = json::array();
  for (const OperationRow& r : reply.operations) {
    rows.push_back({{"name", r.name}, {"span_count", r.span_count}, {"last_seen_ns", r.last_seen_ns}});
  }
  return dump(json{{"operations", std::move(rows)}});
}

std::string encode(const SearchReply& reply) {
  json rows = json::array();
  for (const TraceSummary& s : reply.traces) rows.push_back(to_json(s));
  return dump(json{{"traces", std::move(rows)}});
}

std::string encode(const SpansReply& reply) {
  return "{\"span_count\":" + std::to_string(reply.span_count) + ",\"spans\":" + reply.spans + "}";
}

std::string encode(const WorkflowsReply& reply) {
  json rows = json::array();
  for (const RunSummary& r : reply.runs) rows.push_back(to_json(r));
  return dump(json{{"runs", std::move(rows)}});
}

std::string encode(const WorkflowReply& reply) {
  return "{\"run\":" + dump(reply.run) + ",\"spans\":" + reply.spans + ",\"state_changes\":" + dump(reply.state_changes) + "}";
}

std::string encode(const LlmUsageReply& reply) {
  json rows = json::array();
  for (const UsageRow& r : reply.usage) {
    json latency = json::object();
    for (const auto& [bucket, count] : r.latency_histogram) latency[std::to_string(bucket)] = count;
    rows.push_back({{"model", r.model}, {"service", r.service}, {"bucket_start_ns", r.bucket_start_ns}, {"calls", r.calls},
                    {"errors", r.errors}, {"input_tokens", r.input_tokens}, {"output_tokens", r.output_tokens},
                    {"total_tokens", r.total_tokens}, {"cache_read_tokens", r.cache_read_tokens},
                    {"cache_write_tokens", r.cache_write_tokens}, {"reasoning_tokens", r.reasoning_tokens},
                    {"cost", r.cost}, {"cost_calls", r.cost_calls}, {"latency_histogram", std::move(latency)}});
  }
  return dump(json{{"usage", std::move(rows)}});
}

std::string encode(const CountsReply& reply) {
  return dump(json{{"spans", reply.spans}, {"traces", reply.traces}, {"workflow_runs", reply.workflow_runs}, {"cursor", reply.cursor}});
}

std::string encode(const ExecutablesReply& reply) {
  json rows = json::array();
  for (const ExecutableMatch& m : reply.executables) {
    rows.push_back({{"trace_id", m.trace_id}, {"span_id", m.span_id}, {"span_type", m.span_type}, {"name", m.name},
                    {"start_ns", m.start_ns}});
  }
  return dump(json{{"executables", std::move(rows)}});
}

std::string encode(const AgentReply& reply) {
  return "{\"run\":" + dump(reply.run) + ",\"operations\":" + dump(reply.operations) + ",\"parent_run\":" + dump(reply.parent_run) +
         ",\"state_changes\":" + dump(reply.state_changes) + ",\"spans\":" + reply.spans + "}";
}

template <>
Result<AgentReply> decode(std::string_view data) {
  // {"run":...,"operations":[...],"parent_run":...,"state_changes":[...],"spans":[...]}: the spans stay text.
  size_t pos = 0;
  auto run = field(data, pos, "{\"run\":");
  auto operations = field(data, pos, ",\"operations\":");
  auto parent = field(data, pos, ",\"parent_run\":");
  auto changes = field(data, pos, ",\"state_changes\":");
  auto spans = field(data, pos, ",\"spans\":");
  if (run && operations && parent && changes && spans && expect(data, pos, "}") == data.size()) {
    AgentReply fast;
    fast.run = json::parse(*run, nullptr, false);
    fast.operations = json::parse(*operations, nullptr, false);
    fast.parent_run = json::parse(*parent, nullptr, false);
    fast.state_changes = json::parse(*changes, nullptr, false);
    fast.spans = std::string(*spans);
    if (!fast.run.is_discarded() && !fast.operations.is_discarded() && !fast.parent_run.is_discarded() &&
        !fast.state_changes.is_discarded()) {
      return fast;
    }
  }
  return read_reply<AgentReply>(data, "agent", [](const json& value, AgentReply& reply) {
    reply.run = value.value("run", json());
    reply.operations = value.value("operations", json::array());
    reply.parent_run = value.value("parent_run", json());
    reply.state_changes = value.value("state_changes", json::array());
    reply.spans = dump(value.value("spans", json::array()));
  });
}

template <>
Result<ServicesReply> decode(std::string_view data) {
  return read_reply<ServicesReply>(data, "services", [](const json& value, ServicesReply& reply) {
    for (const json& row : value.value("services", json::array())) {
      reply.services.push_back({row.value("service", ""), row.value("span_count", int64_t{0}), row.value("operation_count", int64_t{0}),
                                row.value("trace_count", int64_t{0}), row.value("last_seen_ns", int64_t{0})});
    }
  });
}

template <>
Result<OperationsReply> decode(std::string_view data) {
  return read_reply<OperationsReply>(data, "operations", [](const json& value, OperationsReply& reply) {
    for (const json& row : value.value("operations", json::array())) {
      reply.operations.push_back({row.value("name", ""), row.value("span_count", int64_t{0}), row.value("last_seen_ns", int64_t{0})});
    }
  });
}

template <>
Result<SearchReply> decode(std::string_view data) {
  return read_reply<SearchReply>(data, "search", [](const json& value, SearchReply& reply) {
    for (const json& row : value.value("traces", json::array())) {
      TraceSummary s;
      s.trace_id = row.at("trace_id").get<std::string>();
      s.root_span_id = row.value("root_span_id", "");
      s.root_name = row.value("root_name", "");
      s.root_service = row.value("root_service", "");
      s.services = row.value("services", std::vector<std::string>());
      s.start_ns = row.at("start_ns").get<int64_t>();
      s.end_ns = row.value("end_ns", int64_t{0});
      s.duration_ns = row.value("duration_ns", int64_t{0});
      s.span_count = row.value("span_count", int64_t{0});
      s.error_count = row.value("error_count", int64_t{0});
      s.indexed_ns = row.value("indexed_ns", int64_t{0});
      reply.traces.push_back(std::move(s));
    }
  });
}

template <>
Result<SpansReply> decode(std::string_view data) {
  // {"span_count":N,"spans":[...]}: the spans stay text.
  size_t pos = expect(data, 0, "{\"span_count\":");
  SpansReply fast;
  if (read_number(data, pos, fast.span_count)) {
    auto spans = field(data, pos, ",\"spans\":");
    if (spans && expect(data, pos, "}") == data.size() && spans->front() == '[') {
      fast.spans = std::string(*spans);
      return fast;
    }
  }
  return read_reply<SpansReply>(data, "trace", [](const json& value, SpansReply& reply) {
    const json& spans = value.at("spans");
    if (!spans.is_array()) throw json::type_error::create(302, "spans is not an array", nullptr);
    reply.span_count = value.value("span_count", static_cast<int64_t>(spans.size()));
    reply.spans = dump(spans);
  });
}

std::optional<std::string_view> first_span(const SpansReply& reply) {
  std::string_view spans = reply.spans;
  size_t pos = spans.find_first_not_of(" \t\r\n", 1);
  const size_t end = value_end(spans, pos);
  if (spans.empty() || spans.front() != '[' || end == kNone) return std::nullopt;
  return spans.substr(pos, end - pos);
}

template <>
Result<WorkflowsReply> decode(std::string_view data) {
  return read_reply<WorkflowsReply>(data, "workflows", [](const json& value, WorkflowsReply& reply) {
    for (const json& row : value.value("runs", json::array())) {
      RunSummary r;
      r.trace_id = row.at("trace_id").get<std::string>();
      r.span_id = row.at("span_id").get<std::string>();
      r.parent_span_id = row.value("parent_span_id", "");
      r.name = row.value("name", "");
      r.service = row.value("service", "");
      r.span_type = row.value("span_type", "");
      r.start_ns = row.at("start_ns").get<int64_t>();
      r.end_ns = row.value("end_ns", int64_t{0});
      r.duration_ns = row.value("duration_ns", int64_t{0});
      r.status_code = row.value("status_code", int64_t{0});
      r.cancelled = row.value("cancelled", false);
      r.node_count = row.value("node_count", int64_t{0});
      r.state_change_count = row.value("state_change_count", int64_t{0});
      r.contract_version = row.value("contract_version", int64_t{0});
      r.store_id = row.value("store_id", "");
      r.parent_store_id = row.value("parent_store_id", "");
      r.parent_run_span_id = row.value("parent_run_span_id", "");
      r.runtime_id = row.value("runtime_id", "");
      r.agent_key = row.value("agent_key", "");
      r.outcome = row.value("outcome", "");
      r.termination_reason = row.value("termination_reason", "");
      reply.runs.push_back(std::move(r));
    }
  });
}

template <>
Result<WorkflowReply> decode(std::string_view data) {
  // {"run":...,"spans":[...],"state_changes":[...]}: the spans stay text.
  size_t pos = 0;
  auto run = field(data, pos, "{\"run\":");
  auto spans = field(data, pos, ",\"spans\":");
  auto changes = field(data, pos, ",\"state_changes\":");
  if (run && spans && changes && expect(data, pos, "}") == data.size()) {
    WorkflowReply fast;
    fast.run = json::parse(*run, nullptr, false);
    fast.spans = std::string(*spans);
    fast.state_changes = json::parse(*changes, nullptr, false);
    if (!fast.run.is_discarded() && !fast.state_changes.is_discarded()) return fast;
  }
  return read_reply<WorkflowReply>(data, "workflow", [](const json& value, WorkflowReply& reply) {
    reply.run = value.value("run", json());
    reply.spans = dump(value.value("spans", json::array()));
    reply.state_changes = value.value("state_changes", json::array());
  });
}

template <>
Result<LlmUsageReply> decode(std::string_view data) {
  return read_reply<LlmUsageReply>(data, "llm_usage", [](const json& value, LlmUsageReply& reply) {
    for (const json& row : value.value("usage", json::array())) {
      UsageRow r;
      r.model = row.value("model", "");
      r.service = row.value("service", "");
      r.bucket_start_ns = row.value("bucket_start_ns", int64_t{0});
      r.calls = row.value("calls", int64_t{0});
      r.errors = row.value("errors", int64_t{0});
      r.input_tokens = row.value("input_tokens", int64_t{0});
      r.output_tokens = row.value("output_tokens", int64_t{0});
      r.total_tokens = row.value("total_tokens", int64_t{0});
      r.cache_read_tokens = row.value("cache_read_tokens", int64_t{0});
      r.cache_write_tokens = row.value("cache_write_tokens", int64_t{0});
      r.reasoning_tokens = row.value("reasoning_tokens", int64_t{0});
      r.cost = row.value("cost", 0.0);
      r.cost_calls = row.value("cost_calls", int64_t{0});
      const json histogram = row.value("latency_histogram", json::object());
      for (const auto& [bucket, count] : histogram.items()) {
        if (count.is_number_integer()) r.latency_histogram[std::atoi(bucket.c_str())] += count.get<int64_t>();
      }
      reply.usage.push_back(std::move(r));
    }
  });
}

template <>
Result<CountsReply> decode(std::string_view data) {
  return read_reply<CountsReply>(data, "counts", [](const json& value, CountsReply& reply) {
    reply = {value.value("spans", int64_t{0}), value.value("traces", int64_t{0}), value.value("workflow_runs", int64_t{0}),
             value.value("cursor", int64_t{0})};
  });
}

template <>
Result<ExecutablesReply> decode(std::string_view data) {
  return read_reply<ExecutablesReply>(data, "executables", [](const json& value, ExecutablesReply& reply) {
    for (const json& row : value.value("executables", json::array())) {
      reply.executables.push_back({row.at("trace_id").get<std::string>(), row.at("span_id").get<std::string>(),
                                   row.value("span_type", ""), row.value("name", ""), row.value("start_ns", int64_t{0})});
    }
  });
}

std::string encode(const LogsReply& reply) { return dump(json{{"logs", reply.logs}}); }

std::string encode(const TraceLogsReply& reply) { return dump(json{{"logs", reply.logs}, {"truncated", reply.truncated}}); }

template <>
Result<LogsReply> decode(std::string_view data) {
  return read_reply<LogsReply>(data, "logs", [](const json& value, LogsReply& reply) {
    for (const json& row : value.at("logs")) {
      // The api merges by these two: a record without them is malformed.
      if (!row.at("time_ns").is_number_integer() || !log_key_of(row.at("log_id").get<std::string>())) {
        throw json::type_error::create(302, "log record without time_ns or log_id", nullptr);
      }
      reply.logs.push_back(row);
    }
  });
}

template <>
Result<TraceLogsReply> decode(std::string_view data) {
  return read_reply<TraceLogsReply>(data, "trace_logs", [](const json& value, TraceLogsReply& reply) {
    const json& logs = value.at("logs");
    if (!logs.is_array()) throw json::type_error::create(302, "logs is not an array", nullptr);
    reply.logs = logs.get<std::vector<json>>();
    reply.truncated = value.value("truncated", false);
  });
}

// ---- the answer envelope ----------------------------------------------------

std::string encode_results(const std::vector<PartitionResult>& results) {
  std::string body = "{\"results\":[";
  for (size_t i = 0; i < results.size(); ++i) {
    const PartitionResult& result = results[i];
    if (i > 0) body += ',';
    body += "{\"partition\":" + std::to_string(result.partition);
    if (!result.error.is_ok()) {
      body += ",\"error\":" + dump(json{{"code", static_cast<int>(result.error.code())}, {"message", result.error.message()}});
    } else {
      body += ",\"data\":" + result.data;
    }
    body += '}';
  }
  return body + "]}";
}

namespace {

// The envelope as encode_results() writes it; nothing when the layout differs.
std::optional<std::vector<PartitionResult>> read_results(std::string_view body) {
  std::vector<PartitionResult> results;
  size_t pos = expect(body, 0, "{\"results\":[");
  if (pos < body.size() && body[pos] == ']') return expect(body, pos, "]}") == body.size() ? std::optional(results) : std::nullopt;
  while (pos != kNone) {
    PartitionResult result;
    pos = expect(body, pos, "{\"partition\":");
    if (!read_number(body, pos, result.partition)) return std::nullopt;
    size_t at_data = pos;
    if (auto data = field(body, at_data, ",\"data\":")) {
      result.data = std::string(*data);
      pos = at_data;
    } else if (auto error = field(body, pos, ",\"error\":")) {
      json value = json::parse(*error, nullptr, false);
      result.error = Status(Code::internal, value.is_object() ? value.value("message", std::string("error")) : std::string("error"));
    } else {
      return std::nullopt;
    }
    pos = expect(body, pos, "}");
    results.push_back(std::move(result));
    if (pos < body.size() && body[pos] == ',') {
      ++pos;
    } else {
      return expect(body, pos, "]}") == body.size() ? std::optional(std::move(results)) : std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace

Result<std::vector<PartitionResult>> decode_results(std::string_view body) {
  if (auto results = read_results(body)) return std::move(*results);
  json value = json::parse(body, nullptr, false);
  if (value.is_discarded() || !value.contains("results") || !value["results"].is_array()) {
    return Status(Code::internal, "indexer sent an answer that is not JSON");
  }
  std::vector<PartitionResult> results;
  for (json& item : value["results"]) {
    PartitionResult result;
    result.partition = item.value("partition", 0u);
    if (item.contains("data")) {
      result.data = dump(item["data"]);
    } else {
      result.error = Status(Code::internal, item.value("/error/message"_json_pointer, std::string("error")));
    }
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace spanline::protocol::query
