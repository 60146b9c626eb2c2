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

namespace wire = protocol::query;

namespace {

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

// The time window of a request: start/end, or lookback from now.
struct Window {
  std::optional<int64_t> from_ns, to_ns;
};
Result<Window> read_window(const QueryParams& params) {
  auto start = params.time("start");
  auto end = params.time("end");
  auto lookback = params.duration("lookback");
  if (!start) return start.status();
  if (!end) return end.status();
  if (!lookback) return lookback.status();
  if (*start && *lookback) return Status(Code::invalid_argument, "give either 'start' or 'lookback', not both");
  Window window;
  if (*start) window.from_ns = **start;
  // Nothing is older than the epoch; stopping there keeps window arithmetic (to - from) within int64.
  if (*lookback) window.from_ns = std::max<int64_t>(0, unix_nanos_now() - (*lookback)->count());
  if (*end) window.to_ns = **end;
  if (window.from_ns && window.to_ns && *window.from_ns > *window.to_ns) return Status(Code::invalid_argument, "'start' is after 'end'");
  return window;
}

// Each partition's reply read as `Reply`; a partition whose answer does not
// read is missing, like one that did not answer.
template <typename Reply>
std::vector<std::pair<uint32_t, Reply>> replies(FanoutResult& result) {
  std::vector<std::pair<uint32_t, Reply>> out;
  for (PartitionAnswer& answer : result.answers) {
    auto reply = wire::decode<Reply>(answer.data);
    if (reply) {
      out.emplace_back(answer.partition, std::move(reply.value()));
    } else {
      result.missing.push_back(answer.partition);
      result.reasons.push_back("partition " + std::to_string(answer.partition) + ": " + reply.status().message());
    }
  }
  std::sort(result.missing.begin(), result.missing.end());
  return out;
}

// attr=key:value (equal), attr=key>number, key<number, key>=n, key<=n; several
// filters in one parameter are separated by ';' (a ';' inside a value is sent
// as %3B). Pistache 0.0.5 keeps only the first of repeated query keys, so the
// separator is how several attribute filters arrive together.
Result<std::vector<wire::AttributeFilter>> parse_attribute_filters(const std::string& raw) {
  using Op = wire::AttributeFilter::Op;
  std::vector<wire::AttributeFilter> filters;
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
    wire::AttributeFilter filter{.key = key};
    if (op == ":") {
      filter.text = value;
    } else {
      double number = 0;
      auto [ptr, error] = std::from_chars(value.data(), value.data() + value.size(), number);
      if (value.empty() || error != std::errc() || ptr != value.data() + value.size() || !std::isfinite(number)) {
        return Status(Code::invalid_argument, "parameter 'attr': '" + key + op + "' needs a number");
      }
      filter.op = op == ">" ? Op::greater : op == "<" ? Op::less : op == ">=" ? Op::greater_or_equal : Op::less_or_equal;
      filter.number = number;
    }
    filters.push_back(std::move(filter));
    if (filters.size() > wire::kMaxAttributeFilters) {
      return Status(Code::invalid_argument, "parameter 'attr': at most " + std::to_string(wire::kMaxAttributeFilters) + " attribute filters");
    }
  }
  return filters;
}

// Newest first across partitions: a k-way merge of lists each already sorted
// newest first by (start_ns, id) descending; `id` reads an item's id.
template <typename Item, typename Id>
std::vector<Item> merge_newest_first(std::vector<std::vector<Item>*> lists, Id id, size_t limit) {
  using Head = std::tuple<int64_t, std::string, size_t, size_t>;  // start, id, list, index
  std::priority_queue<Head> heap;
  for (size_t l = 0; l < lists.size(); ++l) {
    if (!lists[l]->empty()) heap.emplace((*lists[l])[0].start_ns, id((*lists[l])[0]), l, 0);
  }
  std::vector<Item> merged;
  while (!heap.empty() && merged.size() < limit) {
    auto [start, item_id, l, i] = heap.top();
    heap.pop();
    merged.push_back(std::move((*lists[l])[i]));
    if (i + 1 < lists[l]->size()) heap.emplace((*lists[l])[i + 1].start_ns, id((*lists[l])[i + 1]), l, i + 1);
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
  auto result = fanout_.query(wire::ServicesQuery{}, all_partitions());
  if (auto reply = failed(result)) return *reply;
  std::map<std::string, wire::ServiceRow> merged;
  for (auto& [partition, reply] : replies<wire::ServicesReply>(*result)) {
    for (const wire::ServiceRow& service : reply.services) {
      wire::ServiceRow& entry = merged.try_emplace(service.service, wire::ServiceRow{.service = service.service}).first->second;
      entry.span_count += service.span_count;
      entry.trace_count += service.trace_count;
      entry.last_seen_ns = std::max(entry.last_seen_ns, service.last_seen_ns);
    }
  }
  json services = json::array();
  for (const auto& [name, entry] : merged) {
    services.push_back({{"service", name}, {"span_count", entry.span_count}, {"trace_count", entry.trace_count},
                        {"last_seen_ns", entry.last_seen_ns}});
  }
  json body = {{"services", std::move(services)}};
  return json_reply(mark_completeness(body, *result));
}

ApiReply IndexRoutes::operations(const ApiRequest& request, const std::string& service) {
  QueryParams params(request.query);
  if (Status s = params.only({}); !s.is_ok()) return error_reply(s);
  if (service.empty() || service.size() > 512) return error_reply(400, "invalid_argument", "service name must be 1 to 512 bytes");
  auto result = fanout_.query(wire::OperationsQuery{service}, all_partitions());
  if (auto reply = failed(result)) return *reply;
  std::map<std::string, wire::OperationRow> merged;
  for (auto& [partition, reply] : replies<wire::OperationsReply>(*result)) {
    for (const wire::OperationRow& op : reply.operations) {
      wire::OperationRow& entry = merged.try_emplace(op.name, wire::OperationRow{.name = op.name}).first->second;
      entry.span_count += op.span_count;
      entry.last_seen_ns = std::max(entry.last_seen_ns, op.last_seen_ns);
    }
  }
  json operations = json::array();
  for (const auto& [name, entry] : merged) {
    operations.push_back({{"name", name}, {"span_count", entry.span_count}, {"last_seen_ns", entry.last_seen_ns}});
  }
  json body = {{"service", service}, {"operations", std::move(operations)}};
  return json_reply(mark_completeness(body, *result));
}

Result<wire::SearchQuery> IndexRoutes::search_filters(const ApiRequest& request, bool with_paging) const {
  QueryParams params(request.query);
  std::vector<std::string_view> known = {"service", "operation", "start", "end", "lookback", "min_duration",
                                         "max_duration", "errors", "attr", "q"};
  if (with_paging) {
    known.push_back("limit");
    known.push_back("cursor");
  }
  if (Status s = params.only(known); !s.is_ok()) return s;
  auto window = read_window(params);
  if (!window) return window.status();
  wire::SearchQuery query;
  query.from_ns = window->from_ns;
  query.to_ns = window->to_ns;
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
  query.service = *service;
  query.operation = *operation;
  query.text = *q;
  if (*min_duration) query.min_duration_ns = (*min_duration)->count();
  if (*max_duration) query.max_duration_ns = (*max_duration)->count();
  query.errors_only = *errors && **errors;
  if (auto raw = request.raw_query.find("attr"); raw != request.raw_query.end()) {
    auto filters = parse_attribute_filters(raw->second);
    if (!filters) return filters.status();
    query.attributes = std::move(filters.value());
  }
  if (with_paging) {
    auto limit = params.integer("limit", 1, wire::kMaxLimit);
    if (!limit) return limit.status();
    query.limit = limit->value_or(wire::kDefaultLimit);
    if (auto cursor = params.text("cursor")) {
      auto parsed = wire::trace_cursor_from_text(*cursor);
      if (!parsed) return parsed.status();
      query.cursor = std::move(parsed.value());
    }
  }
  return query;
}

ApiReply IndexRoutes::search(const ApiRequest& request) {
  auto query = search_filters(request, true);
  if (!query) return error_reply(query.status());
  const auto limit = static_cast<size_t>(query->limit);
  auto result = fanout_.query(*query, all_partitions());
  if (auto reply = failed(result)) return *reply;
  auto answers = replies<wire::SearchReply>(*result);
  std::vector<std::vector<wire::TraceSummary>*> lists;
  size_t total = 0;
  bool any_full = false;
  for (auto& [partition, reply] : answers) {
    total += reply.traces.size();
    any_full = any_full || reply.traces.size() >= limit;
    lists.push_back(&reply.traces);
  }
  auto traces = merge_newest_first(lists, [](const wire::TraceSummary& s) { return s.trace_id; }, limit);
  json body = {{"traces", json::array()}, {"next_cursor", nullptr}};
  // Every trace ordered before the last one returned was returned, in every
  // partition, so the last one's position is where the next page starts.
  if (traces.size() == limit && (total > limit || any_full)) {
    body["next_cursor"] = wire::to_text(wire::TraceCursor{traces.back().start_ns, traces.back().trace_id});
  }
  for (const wire::TraceSummary& summary : traces) body["traces"].push_back(wire::to_json(summary));
  return json_reply(mark_completeness(body, *result));
}

ApiReply IndexRoutes::trace(const ApiRequest& request, const std::string& trace_id) {
  auto at = locate(request, trace_id, nullptr);
  if (!at) return error_reply(at.status());
  const std::string& id = at->trace;
  auto result = fanout_.query(wire::TraceQuery{id}, {at->partition});
  if (auto reply = failed(result)) return *reply;
  auto spans = wire::decode<wire::SpansReply>(result->answers.front().data);
  if (!spans) return error_reply(503, "unavailable", "no indexer answered (" + spans.status().message() + ")");
  if (spans->span_count == 0) return error_reply(404, "not_found", "trace " + id + " not found");
  json body = {{"trace_id", id}, {"span_count", spans->span_count}, {"spans", json::parse(spans->spans)}};
  return json_reply(body);
}

ApiReply IndexRoutes::span(const ApiRequest& request, const std::string& trace_id, const std::string& span_id) {
  auto at = locate(request, trace_id, &span_id);
  if (!at) return error_reply(at.status());
  const std::string &trace = at->trace, &span = at->span;
  auto result = fanout_.query(wire::SpanQuery{trace, span}, {at->partition});
  if (auto reply = failed(result)) return *reply;
  auto spans = wire::decode<wire::SpansReply>(result->answers.front().data);
  if (!spans) return error_reply(503, "unavailable", "no indexer answered (" + spans.status().message() + ")");
  if (spans->span_count == 0) return error_reply(404, "not_found", "span " + span + " of trace " + trace + " not found");
  return json_reply(json::parse(spans->spans)[0]);
}

ApiReply IndexRoutes::workflows(const ApiRequest& request) {
  QueryParams params(request.query);
  if (Status s = params.only({"service", "name", "start", "end", "lookback", "status", "type", "limit", "cursor"}); !s.is_ok()) {
    return error_reply(s);
  }
  auto window = read_window(params);
  if (!window) return error_reply(window.status());
  wire::WorkflowsQuery query;
  query.from_ns = window->from_ns;
  query.to_ns = window->to_ns;
  auto service = params.text("service", 1, 512);
  auto name = params.text("name", 1, 1024);
  auto limit = params.integer("limit", 1, wire::kMaxLimit);
  for (const Status& s : {service.status(), name.status(), limit.status()}) {
    if (!s.is_ok()) return error_reply(s);
  }
  query.service = *service;
  query.name = *name;
  if (auto status = params.text("status")) {
    query.status = wire::workflow_status_named(*status);
    if (!query.status) return error_reply(400, "invalid_argument", "parameter 'status': " + std::string(wire::kWorkflowStatusNames));
  }
  if (auto type = params.text("type")) {
    auto run_type = wire::run_type_named(*type);
    if (!run_type) return error_reply(400, "invalid_argument", "parameter 'type': " + std::string(wire::kRunTypeNames));
    query.type = *run_type;
  }
  query.limit = limit->value_or(wire::kDefaultLimit);
  const auto page = static_cast<size_t>(query.limit);
  if (auto cursor = params.text("cursor")) {
    auto parsed = wire::run_cursor_from_text(*cursor);
    if (!parsed) return error_reply(parsed.status());
    query.cursor = std::move(parsed.value());
  }
  auto result = fanout_.query(query, all_partitions());
  if (auto reply = failed(result)) return *reply;
  auto answers = replies<wire::WorkflowsReply>(*result);
  std::vector<std::vector<wire::RunSummary>*> lists;
  bool any_full = false;
  for (auto& [partition, reply] : answers) {
    any_full = any_full || reply.runs.size() >= page;
    lists.push_back(&reply.runs);
  }
  auto runs = merge_newest_first(lists, [](const wire::RunSummary& r) { return r.trace_id + r.span_id; }, page);
  json body = {{"runs", json::array()}, {"next_cursor", nullptr}};
  if (runs.size() == page && any_full) {
    body["next_cursor"] = wire::to_text(wire::RunCursor{runs.back().start_ns, runs.back().trace_id, runs.back().span_id});
  }
  for (const wire::RunSummary& run : runs) {
    json item = wire::to_json(run);
    item["run_id"] = run.trace_id + run.span_id;
    body["runs"].push_back(std::move(item));
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
  auto result = fanout_.query(wire::WorkflowQuery{trace, span}, {at->partition});
  if (auto reply = failed(result)) return *reply;
  auto data = wire::decode<wire::WorkflowReply>(result->answers.front().data);
  if (!data) return error_reply(503, "unavailable", "no indexer answered (" + data.status().message() + ")");
  if (data->run.is_null()) return error_reply(404, "not_found", "no workflow run with span " + span + " in trace " + trace);
  json body = {{"run", std::move(data->run)}, {"spans", json::parse(data->spans)}};
  body["state_changes"] = replay_state_changes(body["run"].value("state_start", json()), data->state_changes);
  return json_reply(body);
}

ApiReply IndexRoutes::llm_usage(const ApiRequest& request) {
  QueryParams params(request.query);
  if (Status s = params.only({"start", "end", "lookback", "bucket", "service", "model"}); !s.is_ok()) return error_reply(s);
  auto window = read_window(params);
  if (!window) return error_reply(window.status());
  wire::LlmUsageQuery query;
  const int64_t from = window->from_ns.value_or(unix_nanos_now() - int64_t{24} * 3600 * 1'000'000'000);
  const int64_t to = window->to_ns.value_or(unix_nanos_now());
  query.from_ns = from;
  query.to_ns = window->to_ns;
  auto bucket = params.duration("bucket");
  auto service = params.text("service", 1, 512);
  auto model = params.text("model", 1, 512);
  for (const Status& s : {bucket.status(), service.status(), model.status()}) {
    if (!s.is_ok()) return error_reply(s);
  }
  // Without a bucket size: about 60 buckets over the window, at least a minute each.
  int64_t bucket_ns = *bucket ? (*bucket)->count() : std::max<int64_t>((to - from) / 60, 60'000'000'000);
  if (bucket_ns < wire::kMinBucketNs) return error_reply(400, "invalid_argument", "parameter 'bucket': at least 1s");
  if ((to - from) / bucket_ns > 10'000) {
    return error_reply(400, "invalid_argument", "parameter 'bucket': the window would need more than 10000 buckets");
  }
  query.bucket_ns = bucket_ns;
  query.service = *service;
  query.model = *model;
  auto result = fanout_.query(query, all_partitions());
  if (auto reply = failed(result)) return *reply;

  struct Totals {
    int64_t calls = 0, errors = 0, input_tokens = 0, output_tokens = 0;
    std::map<int, int64_t> latency;
    void add(const wire::UsageRow& row) {
      calls += row.calls;
      errors += row.errors;
      input_tokens += row.input_tokens;
      output_tokens += row.output_tokens;
      for (const auto& [bucket, count] : row.latency_histogram) latency[bucket] += count;
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
  for (const auto& [partition, reply] : replies<wire::LlmUsageReply>(*result)) {
    for (const wire::UsageRow& row : reply.usage) {
      auto& model_group = by_model[row.model];
      auto& service_group = by_service[row.service];
      for (auto* group : {&model_group, &service_group}) {
        group->first.add(row);
        group->second[row.bucket_start_ns].add(row);
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
  json body = {{"from_ns", from}, {"to_ns", to}, {"bucket_ns", bucket_ns},
               {"by_model", render(by_model, "model")}, {"by_service", render(by_service, "service")}};
  return json_reply(mark_completeness(body, *result));
}

}  // namespace spanline::api
