#include "stages/api/routes/index_routes.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <queue>
#include <tuple>

#include "bus/latency_histogram.h"
#include "protocol/wal/partitions.h"
#include "base/clock.h"
#include "base/hex.h"

namespace spanline::api {
namespace {

constexpr int64_t kMaxLimit = 1000;

// Adds "partial" and "missing_partitions" to an answer built from several partitions.
json& mark_completeness(json& body, const FanoutResult& result) {
  body["partial"] = !result.missing.empty();
  body["missing_partitions"] = result.missing;
  return body;
}

ApiReply no_answer(const FanoutResult& result) {
  std::string message = "no indexer answered";
  if (!result.reasons.empty()) message += " (" + result.reasons.front() + ")";
  ApiReply reply = error_reply(503, "unavailable", message);
  json body = json::parse(reply.body);
  body["missing_partitions"] = result.missing;
  reply.body = body.dump();
  return reply;
}

// A fan-out that failed as a whole (bad query) or got no answer at all.
std::optional<ApiReply> failed(const Result<FanoutResult>& result) {
  if (!result) return error_reply(result.status());
  if (result->answers.empty() && !result->missing.empty()) return no_answer(*result);
  return std::nullopt;
}

std::string ascii_lower_hex(std::string hex) {
  for (char& c : hex) c = static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
  return hex;
}

// Cursors are "<start_ns>.<hex id>": opaque to clients, checked strictly here.
std::string make_cursor(int64_t start_ns, const std::string& hex_id) { return std::to_string(start_ns) + "." + hex_id; }

Result<std::pair<int64_t, std::string>> parse_cursor(const std::string& cursor, size_t hex_digits) {
  auto dot = cursor.find('.');
  Status invalid(Code::invalid_argument, "parameter 'cursor': not a cursor this api gave out");
  if (dot == std::string::npos || dot == 0 || dot > 20) return invalid;
  int64_t start = 0;
  auto [end, error] = std::from_chars(cursor.data(), cursor.data() + dot, start);
  if (error != std::errc() || end != cursor.data() + dot) return invalid;
  std::string id = cursor.substr(dot + 1);
  if (!check_hex_id(id, hex_digits, "cursor").is_ok()) return invalid;
  return std::pair{start, id};
}

// Reads the time window of a request: start/end, or lookback from now.
Status read_window(const QueryParams& params, json& query) {
  auto start = params.time("start");
  auto end = params.time("end");
  auto lookback = params.duration("lookback");
  if (!start) return start.status();
  if (!end) return end.status();
  if (!lookback) return lookback.status();
  if (*start && *lookback) return Status(Code::invalid_argument, "give either 'start' or 'lookback', not both");
  if (*start) query["from_ns"] = **start;
  // Nothing is older than the epoch; stopping there keeps window arithmetic (to - from) within int64.
  if (*lookback) query["from_ns"] = std::max<int64_t>(0, unix_nanos_now() - (*lookback)->count());
  if (*end) query["to_ns"] = **end;
  if (query.contains("from_ns") && query.contains("to_ns") && query["from_ns"].get<int64_t>() > query["to_ns"].get<int64_t>()) {
    return Status(Code::invalid_argument, "'start' is after 'end'");
  }
  return Status::ok();
}

// attr=key:value (equal), attr=key>number, key<number, key>=n, key<=n; several
// filters in one parameter are separated by ';' (a ';' inside a value is sent
// as %3B). Pistache 0.0.5 keeps only the first of repeated query keys, so the
// separator is how several attribute filters arrive together.
Result<json> parse_attribute_filters(const std::string& raw) {
  json filters = json::array();
  size_t begin = 0;
  while (begin <= raw.size()) {
    size_t end = raw.find(';', begin);
    if (end == std::string::npos) end = raw.size();
    std::string_view encoded(raw.data() + begin, end - begin);
    begin = end + 1;
    if (encoded.empty()) continue;
    auto part = percent_decode(encoded, true);
    if (!part) return Status(Code::invalid_argument, "parameter 'attr': " + part.status().message());
    size_t at = part->find_first_of(":<>");
    if (at == std::string::npos || at == 0) {
      return Status(Code::invalid_argument, "parameter 'attr': expected key:value, key>number or key<number");
    }
    std::string key = part->substr(0, at);
    std::string op = part->substr(at, 1);
    std::string value = part->substr(at + 1);
    if (op != ":" && !value.empty() && value[0] == '=') {
      op += "=";
      value.erase(0, 1);
    }
    if (key.size() > 256 || value.size() > 4096) return Status(Code::invalid_argument, "parameter 'attr': key or value too long");
    if (op == ":") {
      filters.push_back({{"key", key}, {"op", "="}, {"value", value}});
    } else {
      double number = 0;
      auto [ptr, error] = std::from_chars(value.data(), value.data() + value.size(), number);
      if (value.empty() || error != std::errc() || ptr != value.data() + value.size() || !std::isfinite(number)) {
        return Status(Code::invalid_argument, "parameter 'attr': '" + key + op + "' needs a number");
      }
      filters.push_back({{"key", key}, {"op", op}, {"value", number}});
    }
    if (filters.size() > 16) return Status(Code::invalid_argument, "parameter 'attr': at most 16 attribute filters");
  }
  return filters;
}

// Newest first across partitions: a k-way merge of lists each already sorted
// newest first by (start_ns, id) descending.
json merge_newest_first(std::vector<json*> lists, const char* id_key, size_t limit) {
  using Head = std::tuple<int64_t, std::string, size_t, size_t>;  // start, id, list, index
  std::priority_queue<Head> heap;
  for (size_t l = 0; l < lists.size(); ++l) {
    if (!lists[l]->empty()) heap.emplace((*lists[l])[0]["start_ns"].get<int64_t>(), (*lists[l])[0][id_key].get<std::string>(), l, 0);
  }
  json merged = json::array();
  while (!heap.empty() && merged.size() < limit) {
    auto [start, id, l, i] = heap.top();
    heap.pop();
    merged.push_back(std::move((*lists[l])[i]));
    if (i + 1 < lists[l]->size()) heap.emplace((*lists[l])[i + 1]["start_ns"].get<int64_t>(), (*lists[l])[i + 1][id_key].get<std::string>(), l, i + 1);
  }
  return merged;
}

}  // namespace

uint32_t IndexRoutes::partition_count() const { return directory_.announced_partitions().value_or(config_.partitions); }

std::vector<uint32_t> IndexRoutes::all_partitions() const {
  std::vector<uint32_t> partitions(partition_count());
  for (uint32_t p = 0; p < partitions.size(); ++p) partitions[p] = p;
  return partitions;
}

Result<IndexRoutes::Location> IndexRoutes::locate(const ApiRequest& request, const std::string& trace_id,
                                                  const std::string* span_id) const {
  if (Status s = QueryParams(request.query).only({}); !s.is_ok()) return s;
  if (Status s = check_hex_id(trace_id, 32, "trace id"); !s.is_ok()) return s;
  if (span_id != nullptr) {
    if (Status s = check_hex_id(*span_id, 16, "span id"); !s.is_ok()) return s;
  }
  Location location{ascii_lower_hex(trace_id), span_id != nullptr ? ascii_lower_hex(*span_id) : std::string(), 0};
  location.partition = wal::partition_of(*from_hex(location.trace), partition_count());
  return location;
}

ApiReply IndexRoutes::services(const ApiRequest& request) {
  QueryParams params(request.query);
  if (Status s = params.only({}); !s.is_ok()) return error_reply(s);
  auto result = fanout_.query("services", json::object(), all_partitions());
  if (auto reply = failed(result)) return *reply;
  std::map<std::string, json> merged;
  for (const PartitionAnswer& answer : result->answers) {
    for (const json& service : answer.data.value("services", json::array())) {
      std::string name = service.value("service", "");
      json& entry = merged[name];
      if (entry.is_null()) entry = {{"service", name}, {"span_count", 0}, {"trace_count", 0}, {"last_seen_ns", 0}};
      entry["span_count"] = entry["span_count"].get<int64_t>() + service.value("span_count", int64_t{0});
      entry["trace_count"] = entry["trace_count"].get<int64_t>() + service.value("trace_count", int64_t{0});
      entry["last_seen_ns"] = std::max(entry["last_seen_ns"].get<int64_t>(), service.value("last_seen_ns", int64_t{0}));
    }
  }
  json services = json::array();
  for (auto& [name, entry] : merged) services.push_back(std::move(entry));
  json body = {{"services", std::move(services)}};
  return json_reply(mark_completeness(body, *result));
}

ApiReply IndexRoutes::operations(const ApiRequest& request, const std::string& service) {
  QueryParams params(request.query);
  if (Status s = params.only({}); !s.is_ok()) return error_reply(s);
  if (service.empty() || service.size() > 512) return error_reply(400, "invalid_argument", "service name must be 1 to 512 bytes");
  auto result = fanout_.query("operations", {{"service", service}}, all_partitions());
  if (auto reply = failed(result)) return *reply;
  std::map<std::string, json> merged;
  for (const PartitionAnswer& answer : result->answers) {
    for (const json& op : answer.data.value("operations", json::array())) {
      std::string name = op.value("name", "");
      json& entry = merged[name];
      if (entry.is_null()) entry = {{"name", name}, {"span_count", 0}, {"last_seen_ns", 0}};
      entry["span_count"] = entry["span_count"].get<int64_t>() + op.value("span_count", int64_t{0});
      entry["last_seen_ns"] = std::max(entry["last_seen_ns"].get<int64_t>(), op.value("last_seen_ns", int64_t{0}));
    }
  }
  json operations = json::array();
  for (auto& [name, entry] : merged) operations.push_back(std::move(entry));
  json body = {{"service", service}, {"operations", std::move(operations)}};
  return json_reply(mark_completeness(body, *result));
}

Result<json> IndexRoutes::search_filters(const ApiRequest& request, bool with_paging) const {
  QueryParams params(request.query);
  std::vector<std::string_view> known = {"service", "operation", "start", "end", "lookback", "min_duration",
                                         "max_duration", "errors", "attr", "q"};
  if (with_paging) {
    known.push_back("limit");
    known.push_back("cursor");
  }
  if (Status s = params.only(known); !s.is_ok()) return s;
  json query = json::object();
  if (Status s = read_window(params, query); !s.is_ok()) return s;
  auto service = params.text("service", 1, 512);
  auto operation = params.text("operation", 1, 1024);
  auto q = params.text("q", 3, 512);
  auto min_duration = params.duration("min_duration");
  auto max_duration = params.duration("max_duration");
  auto errors = params.boolean("errors");
  if (!q) return Status(Code::invalid_argument, q.status().message() + " (full-text search matches substrings of 3 or more characters)");
  for (const Status& s : {service.status(), operation.status(), min_duration.status(), max_duration.status(), errors.status()}) {
    if (!s.is_ok()) return s;
  }
  if (*service) query["service"] = **service;
  if (*operation) query["operation"] = **operation;
  if (*q) query["q"] = **q;
  if (*min_duration) query["min_duration_ns"] = (*min_duration)->count();
  if (*max_duration) query["max_duration_ns"] = (*max_duration)->count();
  if (*errors && **errors) query["errors"] = true;
  if (auto raw = request.raw_query.find("attr"); raw != request.raw_query.end()) {
    auto filters = parse_attribute_filters(raw->second);
    if (!filters) return filters.status();
    if (!filters->empty()) query["attrs"] = std::move(filters.value());
  }
  if (with_paging) {
    auto limit = params.integer("limit", 1, kMaxLimit);
    if (!limit) return limit.status();
    query["limit"] = limit->value_or(20);
    if (auto cursor = params.text("cursor")) {
      auto parsed = parse_cursor(*cursor, 32);
      if (!parsed) return parsed.status();
      query["cursor"] = {{"start_ns", parsed->first}, {"trace_id", parsed->second}};
    }
  }
  return query;
}

ApiReply IndexRoutes::search(const ApiRequest& request) {
  auto query = search_filters(request, true);
  if (!query) return error_reply(query.status());
  const auto limit = static_cast<size_t>((*query)["limit"].get<int64_t>());
  auto result = fanout_.query("search", *query, all_partitions());
  if (auto reply = failed(result)) return *reply;
  std::vector<json*> lists;
  size_t total = 0;
  for (PartitionAnswer& answer : result->answers) {
    json& traces = answer.data["traces"];
    if (!traces.is_array()) traces = json::array();
    total += traces.size();
    lists.push_back(&traces);
  }
  json traces = merge_newest_first(lists, "trace_id", limit);
  json body = {{"traces", traces}, {"next_cursor", nullptr}};
  // Every trace ordered before the last one returned was returned, in every
  // partition, so the last one's position is where the next page starts.
  if (traces.size() == limit && total > limit) {
    body["next_cursor"] = make_cursor(traces.back()["start_ns"].get<int64_t>(), traces.back()["trace_id"].get<std::string>());
  } else if (traces.size() == limit) {
    bool any_full = false;
    for (json* list : lists) any_full = any_full || list->size() >= limit;
    if (any_full) body["next_cursor"] = make_cursor(traces.back()["start_ns"].get<int64_t>(), traces.back()["trace_id"].get<std::string>());
  }
  return json_reply(mark_completeness(body, *result));
}

ApiReply IndexRoutes::trace(const ApiRequest& request, const std::string& trace_id) {
  auto at = locate(request, trace_id, nullptr);
  if (!at) return error_reply(at.status());
  const std::string& id = at->trace;
  const uint32_t partition = at->partition;
  auto result = fanout_.query("trace", {{"trace_id", id}}, {partition});
  if (auto reply = failed(result)) return *reply;
  json& spans = result->answers.front().data["spans"];
  if (!spans.is_array() || spans.empty()) return error_reply(404, "not_found", "trace " + id + " not found");
  json body = {{"trace_id", id}, {"span_count", spans.size()}, {"spans", std::move(spans)}};
  return json_reply(body);
}

ApiReply IndexRoutes::span(const ApiRequest& request, const std::string& trace_id, const std::string& span_id) {
  auto at = locate(request, trace_id, &span_id);
  if (!at) return error_reply(at.status());
  const std::string &trace = at->trace, &span = at->span;
  const uint32_t partition = at->partition;
  auto result = fanout_.query("span", {{"trace_id", trace}, {"span_id", span}}, {partition});
  if (auto reply = failed(result)) return *reply;
  json& spans = result->answers.front().data["spans"];
  if (!spans.is_array() || spans.empty()) return error_reply(404, "not_found", "span " + span + " of trace " + trace + " not found");
  return json_reply(spans[0]);
}

ApiReply IndexRoutes::workflows(const ApiRequest& request) {
  QueryParams params(request.query);
  if (Status s = params.only({"service", "name", "start", "end", "lookback", "status", "type", "limit", "cursor"}); !s.is_ok()) {
    return error_reply(s);
  }
  json query = json::object();
  if (Status s = read_window(params, query); !s.is_ok()) return error_reply(s);
  auto service = params.text("service", 1, 512);
  auto name = params.text("name", 1, 1024);
  auto limit = params.integer("limit", 1, kMaxLimit);
  for (const Status& s : {service.status(), name.status(), limit.status()}) {
    if (!s.is_ok()) return error_reply(s);
  }
  if (*service) query["service"] = **service;
  if (*name) query["name"] = **name;
  if (auto status = params.text("status")) {
    if (*status != "ok" && *status != "error" && *status != "cancelled") {
      return error_reply(400, "invalid_argument", "parameter 'status': ok, error or cancelled");
    }
    query["status"] = *status;
  }
  if (auto type = params.text("type")) {
    if (*type != "workflow" && *type != "subflow") return error_reply(400, "invalid_argument", "parameter 'type': workflow or subflow");
    query["span_type"] = *type;
  }
  const int64_t page = limit->value_or(20);
  query["limit"] = page;
  if (auto cursor = params.text("cursor")) {
    auto parsed = parse_cursor(*cursor, 48);
    if (!parsed) return error_reply(parsed.status());
    query["cursor"] = {{"start_ns", parsed->first}, {"trace_id", parsed->second.substr(0, 32)}, {"span_id", parsed->second.substr(32)}};
  }
  auto result = fanout_.query("workflows", query, all_partitions());
  if (auto reply = failed(result)) return *reply;
  std::vector<json*> lists;
  for (PartitionAnswer& answer : result->answers) {
    json& runs = answer.data["runs"];
    if (!runs.is_array()) runs = json::array();
    for (json& run : runs) run["run_id"] = run.value("trace_id", "") + run.value("span_id", "");
    lists.push_back(&runs);
  }
  bool any_full = false;
  for (json* list : lists) any_full = any_full || static_cast<int64_t>(list->size()) >= page;
  json runs = merge_newest_first(lists, "run_id", static_cast<size_t>(page));
  json body = {{"runs", runs}, {"next_cursor", nullptr}};
  if (static_cast<int64_t>(runs.size()) == page && any_full) {
    body["next_cursor"] = make_cursor(runs.back()["start_ns"].get<int64_t>(), runs.back()["run_id"].get<std::string>());
  }
  return json_reply(mark_completeness(body, *result));
}

namespace {

// A replay holds every intermediate state; patches come from clients, and
// RFC 6902 "copy" can double a state with each op, so the states are measured
// and the replay stops past this size rather than exhaust the api's memory.
constexpr size_t kMaxReplayBytes = 64 << 20;

// Applies one patch in place; before each "copy" the copied value is
// measured, and the patch stops (state left as it was before that op) when
// the state would outgrow `budget_bytes`. Returns the step's error, or "".
std::string apply_patch(json& state, const json& patch, size_t state_bytes, size_t budget_bytes) {
  try {
    for (const json& op : patch) {
      if (op.is_object() && op.value("op", "") == "copy") {
        state_bytes += state.at(json::json_pointer(op.at("from").get<std::string>())).dump().size();
        if (state_bytes > budget_bytes) return "patch makes the state larger than the replay limit of 64 MiB";
      }
      state.patch_inplace(json::array({op}));
    }
    return {};
  } catch (const json::exception& e) {
    return std::string("patch does not apply: ") + e.what();
  }
}

}  // namespace

json replay_state_changes(const json& start_state, const json& changes) {
  json state = start_state.is_null() ? json::object() : start_state;
  json steps = json::array();
  size_t state_bytes = state.dump().size();
  size_t replayed_bytes = state_bytes;
  for (const json& change : changes) {
    json step = change;
    if (replayed_bytes > kMaxReplayBytes) {
      step["patch_error"] = "not replayed: the states before it already exceed the replay limit of 64 MiB";
      steps.push_back(std::move(step));
      continue;
    }
    const json& patch = change.contains("patch") ? change["patch"] : json();
    if (patch.is_array()) {
      // A patch that fails part way leaves the ops before the failure applied,
      // so it is applied to a copy and kept only when it applied whole.
      json next = state;
      std::string error = apply_patch(next, patch, state_bytes, kMaxReplayBytes - std::min(replayed_bytes, kMaxReplayBytes));
      if (error.empty()) state = std::move(next);
      else step["patch_error"] = error;
    } else if (!patch.is_null() && !(patch.is_object() && patch.empty())) {
      step["patch_error"] = "patch is not an RFC 6902 array";
    }
    state_bytes = state.dump().size();
    replayed_bytes += state_bytes;
    step["state_after"] = state;
    steps.push_back(std::move(step));
  }
  return steps;
}

ApiReply IndexRoutes::workflow(const ApiRequest& request, const std::string& trace_id, const std::string& span_id) {
  auto at = locate(request, trace_id, &span_id);
  if (!at) return error_reply(at.status());
  const std::string &trace = at->trace, &span = at->span;
  const uint32_t partition = at->partition;
  auto result = fanout_.query("workflow", {{"trace_id", trace}, {"span_id", span}}, {partition});
  if (auto reply = failed(result)) return *reply;
  json& data = result->answers.front().data;
  if (!data.contains("run") || data["run"].is_null()) {
    return error_reply(404, "not_found", "no workflow run with span " + span + " in trace " + trace);
  }
  json body = {{"run", std::move(data["run"])}, {"spans", std::move(data["spans"])}};
  body["state_changes"] = replay_state_changes(body["run"].value("state_start", json()), data.value("state_changes", json::array()));
  return json_reply(body);
}

ApiReply IndexRoutes::llm_usage(const ApiRequest& request) {
  QueryParams params(request.query);
  if (Status s = params.only({"start", "end", "lookback", "bucket", "service", "model"}); !s.is_ok()) return error_reply(s);
  json query = json::object();
  if (Status s = read_window(params, query); !s.is_ok()) return error_reply(s);
  if (!query.contains("from_ns")) query["from_ns"] = unix_nanos_now() - int64_t{24} * 3600 * 1'000'000'000;
  const int64_t to = query.value("to_ns", unix_nanos_now());
  auto bucket = params.duration("bucket");
  auto service = params.text("service", 1, 512);
  auto model = params.text("model", 1, 512);
  for (const Status& s : {bucket.status(), service.status(), model.status()}) {
    if (!s.is_ok()) return error_reply(s);
  }
  // Without a bucket size: about 60 buckets over the window, at least a minute each.
  int64_t bucket_ns = *bucket ? (*bucket)->count() : std::max<int64_t>((to - query["from_ns"].get<int64_t>()) / 60, 60'000'000'000);
  if (bucket_ns < 1'000'000'000) return error_reply(400, "invalid_argument", "parameter 'bucket': at least 1s");
  if ((to - query["from_ns"].get<int64_t>()) / bucket_ns > 10'000) {
    return error_reply(400, "invalid_argument", "parameter 'bucket': the window would need more than 10000 buckets");
  }
  query["bucket_ns"] = bucket_ns;
  if (*service) query["service"] = **service;
  if (*model) query["model"] = **model;
  auto result = fanout_.query("llm_usage", query, all_partitions());
  if (auto reply = failed(result)) return *reply;

  struct Totals {
    int64_t calls = 0, errors = 0, input_tokens = 0, output_tokens = 0;
    std::map<int, int64_t> latency;
    void add(const json& row) {
      calls += row.value("calls", int64_t{0});
      errors += row.value("errors", int64_t{0});
      input_tokens += row.value("input_tokens", int64_t{0});
      output_tokens += row.value("output_tokens", int64_t{0});
      const json histogram = row.value("latency_histogram", json::object());
      for (const auto& [bucket, count] : histogram.items()) {
        if (count.is_number_integer()) latency[std::atoi(bucket.c_str())] += count.get<int64_t>();
      }
    }
    json to_json() const {
      auto ms = [&](double q) { return static_cast<double>(bus::histogram_quantile_ns(latency, q)) / 1e6; };
      return {{"calls", calls},
              {"errors", errors},
              {"input_tokens", input_tokens},
              {"output_tokens", output_tokens},
              {"latency_ms", {{"p50", ms(0.5)}, {"p90", ms(0.9)}, {"p99", ms(0.99)}}}};
    }
  };
  // group name -> (totals, bucket start -> totals), once by model and once by service.
  std::map<std::string, std::pair<Totals, std::map<int64_t, Totals>>> by_model, by_service;
  for (const PartitionAnswer& answer : result->answers) {
    for (const json& row : answer.data.value("usage", json::array())) {
      int64_t start = row.value("bucket_start_ns", int64_t{0});
      auto& model_group = by_model[row.value("model", std::string())];
      auto& service_group = by_service[row.value("service", std::string())];
      for (auto* group : {&model_group, &service_group}) {
        group->first.add(row);
        group->second[start].add(row);
      }
    }
  }
  auto render = [](const auto& groups, const char* key) {
    json list = json::array();
    for (const auto& [name, group] : groups) {
      json entry = group.first.to_json();
      entry[key] = name;
      json series = json::array();
      for (const auto& [start, totals] : group.second) {
        json point = totals.to_json();
        point["bucket_start_ns"] = start;
        series.push_back(std::move(point));
      }
      entry["series"] = std::move(series);
      list.push_back(std::move(entry));
    }
    return list;
  };
  json body = {{"from_ns", query["from_ns"]}, {"to_ns", to}, {"bucket_ns", bucket_ns},
               {"by_model", render(by_model, "model")}, {"by_service", render(by_service, "service")}};
  return json_reply(mark_completeness(body, *result));
}

}  // namespace spanline::api
