#include "stages/api/query/query_service.h"

#include <algorithm>
#include <map>
#include <queue>
#include <tuple>

#include "bus/latency_histogram.h"
#include "base/hex.h"
#include "protocol/wal/partitions.h"
#include "stages/api/pricing/llm_cost.h"
#include "stages/api/query/state_replay.h"

namespace spanline::api {

namespace wire = protocol::query;
using json = nlohmann::json;

namespace {

template <typename T, typename U>
Answer<T> failure(const Answer<U>& from) {
  return Answer<T>{.status = from.status, .missing = from.missing};
}

// Newest first across partitions: a k-way merge of lists each already sorted
// newest first by (time, id) descending; `key` reads an item's (time, id).
template <typename Item, typename Key>
std::vector<Item> merge_newest_first(std::vector<std::vector<Item>*> lists, Key key, size_t limit) {
  using Head = std::tuple<int64_t, std::string, size_t, size_t>;  // time, id, list, index
  std::priority_queue<Head> heap;
  auto push = [&](size_t l, size_t i) {
    auto [time, id] = key((*lists[l])[i]);
    heap.emplace(time, std::move(id), l, i);
  };
  for (size_t l = 0; l < lists.size(); ++l) {
    if (!lists[l]->empty()) push(l, 0);
  }
  std::vector<Item> merged;
  while (!heap.empty() && merged.size() < limit) {
    auto [time, item_id, l, i] = heap.top();
    heap.pop();
    merged.push_back(std::move((*lists[l])[i]));
    if (i + 1 < lists[l]->size()) push(l, i + 1);
  }
  return merged;
}

// Merged pages of at most `limit`: every item ordered before the last one
// returned was returned, in every partition, so the last one's position is
// where the next page starts, when some partition may hold more.
template <typename Item>
bool more_after(const std::vector<Item>& merged, size_t total, bool any_full, size_t limit) {
  return merged.size() == limit && (total > limit || any_full);
}

}  // namespace

Result<uint32_t> QueryService::partition_count() const { return directory_.partition_count(config_.partitions); }

Result<std::vector<uint32_t>> QueryService::all_partitions() const {
  auto count = partition_count();
  if (!count) return count.status();
  std::vector<uint32_t> partitions(*count);
  for (uint32_t p = 0; p < partitions.size(); ++p) partitions[p] = p;
  return partitions;
}

template <typename Reply>
Answer<std::vector<std::pair<uint32_t, Reply>>> QueryService::ask(const wire::Query& query, const std::vector<uint32_t>& partitions) {
  Answer<std::vector<std::pair<uint32_t, Reply>>> answer;
  auto result = fanout_.query(query, partitions);
  if (!result) {
    answer.status = result.status();
    return answer;
  }
  answer.missing = std::move(result->missing);
  std::vector<std::string>& reasons = result->reasons;
  for (PartitionAnswer& part : result->answers) {
    // A partition whose answer does not read is missing, like one that did not answer.
    auto reply = wire::decode<Reply>(part.data);
    if (reply) {
      answer.value.emplace_back(part.partition, std::move(reply.value()));
    } else {
      answer.missing.push_back(part.partition);
      reasons.push_back("partition " + std::to_string(part.partition) + ": " + reply.status().message());
    }
  }
  std::sort(answer.missing.begin(), answer.missing.end());
  if (answer.value.empty() && !answer.missing.empty()) {
    std::string message = "no indexer answered";
    if (!reasons.empty()) message += " (" + reasons.front() + ")";
    answer.status = Status(Code::unavailable, message);
  }
  return answer;
}

template <typename Reply>
Answer<std::vector<std::pair<uint32_t, Reply>>> QueryService::ask_all(const wire::Query& query) {
  auto partitions = all_partitions();
  if (!partitions) return {.status = partitions.status()};
  return ask<Reply>(query, *partitions);
}

template <typename Reply>
Answer<Reply> QueryService::ask_one(const wire::Query& query, const std::string& trace_id) {
  auto count = partition_count();
  if (!count) return {.status = count.status()};
  const uint32_t partition = wal::partition_of(from_hex(trace_id).value_or(std::string()), *count);
  auto replies = ask<Reply>(query, {partition});
  if (!replies.ok()) return failure<Reply>(replies);
  return {.value = std::move(replies.value.front().second), .missing = std::move(replies.missing)};
}

Answer<std::vector<ServiceTotals>> QueryService::services() {
  auto replies = ask_all<wire::ServicesReply>(wire::ServicesQuery{});
  if (!replies.ok()) return failure<std::vector<ServiceTotals>>(replies);
  std::map<std::string, ServiceTotals> merged;
  for (const auto& [partition, reply] : replies.value) {
    for (const wire::ServiceRow& service : reply.services) {
      ServiceTotals& entry = merged.try_emplace(service.service, ServiceTotals{.service = service.service}).first->second;
      entry.span_count += service.span_count;
      entry.trace_count += service.trace_count;
      entry.last_seen_ns = std::max(entry.last_seen_ns, service.last_seen_ns);
    }
  }
  Answer<std::vector<ServiceTotals>> answer{.missing = std::move(replies.missing)};
  for (auto& [name, entry] : merged) answer.value.push_back(std::move(entry));
  return answer;
}

Answer<std::vector<OperationTotals>> QueryService::operations(const wire::OperationsQuery& query) {
  auto replies = ask_all<wire::OperationsReply>(query);
  if (!replies.ok()) return failure<std::vector<OperationTotals>>(replies);
  std::map<std::string, OperationTotals> merged;
  for (const auto& [partition, reply] : replies.value) {
    for (const wire::OperationRow& op : reply.operations) {
      OperationTotals& entry = merged.try_emplace(op.name, OperationTotals{.name = op.name}).first->second;
      entry.span_count += op.span_count;
      entry.last_seen_ns = std::max(entry.last_seen_ns, op.last_seen_ns);
    }
  }
  Answer<std::vector<OperationTotals>> answer{.missing = std::move(replies.missing)};
  for (auto& [name, entry] : merged) answer.value.push_back(std::move(entry));
  return answer;
}

Answer<SearchPage> QueryService::search(const wire::SearchQuery& query) {
  auto replies = ask_all<wire::SearchReply>(query);
  if (!replies.ok()) return failure<SearchPage>(replies);
  const auto limit = static_cast<size_t>(query.limit);
  std::vector<std::vector<wire::TraceSummary>*> lists;
  size_t total = 0;
  bool any_full = false;
  for (auto& [partition, reply] : replies.value) {
    total += reply.traces.size();
    any_full = any_full || reply.traces.size() >= limit;
    lists.push_back(&reply.traces);
  }
  Answer<SearchPage> answer{.missing = std::move(replies.missing)};
  answer.value.traces = merge_newest_first(lists, [](const wire::TraceSummary& s) { return std::pair{s.start_ns, s.trace_id}; }, limit);
  const auto& traces = answer.value.traces;
  if (more_after(traces, total, any_full, limit)) answer.value.next = wire::TraceCursor{traces.back().start_ns, traces.back().trace_id};
  return answer;
}

Answer<std::vector<PartitionTraces>> QueryService::search_each(const wire::SearchQuery& query) {
  auto replies = ask_all<wire::SearchReply>(query);
  if (!replies.ok()) return failure<std::vector<PartitionTraces>>(replies);
  Answer<std::vector<PartitionTraces>> answer{.missing = std::move(replies.missing)};
  for (auto& [partition, reply] : replies.value) answer.value.push_back({partition, std::move(reply.traces)});
  return answer;
}

// The span JSON the indexer sent goes out as it came: only the small parts
// around it are written here (the spans were parsed and dumped again before,
// most of a trace's cost in the api).
Answer<std::string> QueryService::trace(const wire::TraceQuery& query) {
  auto reply = ask_one<wire::SpansReply>(query, query.trace_id);
  if (!reply.ok()) return failure<std::string>(reply);
  if (reply.value.span_count == 0) return {.status = Status(Code::not_found, "trace " + query.trace_id + " not found")};
  std::string body;
  body.reserve(reply.value.spans.size() + 96);
  body += "{\"trace_id\":\"" + query.trace_id + "\",\"span_count\":" + std::to_string(reply.value.span_count) + ",\"spans\":";
  body += reply.value.spans;
  body += '}';
  return {.value = std::move(body)};
}

Answer<std::string> QueryService::span(const wire::SpanQuery& query) {
  auto reply = ask_one<wire::SpansReply>(query, query.trace_id);
  if (!reply.ok()) return failure<std::string>(reply);
  auto first = wire::first_span(reply.value);
  if (reply.value.span_count == 0 || !first) {
    return {.status = Status(Code::not_found, "span " + query.span_id + " of trace " + query.trace_id + " not found")};
  }
  return {.value = std::string(*first)};
}

Answer<RunsPage> QueryService::workflows(const wire::WorkflowsQuery& query) {
  auto replies = ask_all<wire::WorkflowsReply>(query);
  if (!replies.ok()) return failure<RunsPage>(replies);
  const auto page = static_cast<size_t>(query.limit);
  std::vector<std::vector<wire::RunSummary>*> lists;
  bool any_full = false;
  size_t total = 0;  // more than a page between the partitions: a next page, though none filled one
  for (auto& [partition, reply] : replies.value) {
    any_full = any_full || reply.runs.size() >= page;
    total += reply.runs.size();
    lists.push_back(&reply.runs);
  }
  Answer<RunsPage> answer{.missing = std::move(replies.missing)};
  answer.value.runs = merge_newest_first(lists, [](const wire::RunSummary& r) { return std::pair{r.start_ns, r.trace_id + r.span_id}; }, page);
  const auto& runs = answer.value.runs;
  if (more_after(runs, total, any_full, page)) answer.value.next = wire::RunCursor{runs.back().start_ns, runs.back().trace_id, runs.back().span_id};
  return answer;
}

Answer<std::string> QueryService::workflow(const wire::WorkflowQuery& query) {
  auto reply = ask_one<wire::WorkflowReply>(query, query.trace_id);
  if (!reply.ok()) return failure<std::string>(reply);
  wire::WorkflowReply& data = reply.value;
  if (data.run.is_null()) {
    return {.status = Status(Code::not_found, "no workflow run with span " + query.span_id + " in trace " + query.trace_id)};
  }
  const json steps = replay_state_changes(data.run.value("state_start", json()), data.state_changes);
  std::string body = "{\"run\":" + data.run.dump(-1, ' ', false, json::error_handler_t::replace) + ",\"spans\":";
  body += data.spans;
  body += ",\"state_changes\":" + steps.dump(-1, ' ', false, json::error_handler_t::replace) + "}";
  return {.value = std::move(body)};
}

Answer<std::string> QueryService::agent(const wire::AgentQuery& query) {
  auto reply = ask_one<wire::AgentReply>(query, query.trace_id);
  if (!reply.ok()) return failure<std::string>(reply);
  wire::AgentReply& data = reply.value;
  if (data.run.is_null()) {
    return {.status = Status(Code::not_found, "no agent run with span " + query.span_id + " in trace " + query.trace_id)};
  }
  auto text = [](const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); };
  const json steps = replay_state_changes(data.run.value("state_start", json()), data.state_changes);
  std::string body = "{\"run\":" + text(data.run) + ",\"operations\":" + text(data.operations) + ",\"parent_run\":" +
                     text(data.parent_run) + ",\"state_changes\":" + text(steps) + ",\"spans\":";
  body += data.spans;
  body += "}";
  return {.value = std::move(body)};
}

Answer<json> QueryService::llm_usage(const wire::LlmUsageQuery& query, int64_t to_ns, const PriceBook* prices) {
  auto replies = ask_all<wire::LlmUsageReply>(query);
  if (!replies.ok()) return failure<json>(replies);
  struct Totals {
    int64_t calls = 0, errors = 0, input_tokens = 0, output_tokens = 0, total_tokens = 0, cache_read_tokens = 0,
            cache_write_tokens = 0, reasoning_tokens = 0, cost_calls = 0, priced_calls = 0;
    double cost = 0, priced_cost = 0;  // sent; from the price table
    std::map<int, int64_t> latency;
    void add(const wire::UsageRow& row, std::optional<double> priced) {
      calls += row.calls;
      errors += row.errors;
      input_tokens += row.input_tokens;
      output_tokens += row.output_tokens;
      total_tokens += row.total_tokens;
      cache_read_tokens += row.cache_read_tokens;
      cache_write_tokens += row.cache_write_tokens;
      reasoning_tokens += row.reasoning_tokens;
      cost += row.cost;
      cost_calls += row.cost_calls;
      if (priced) {
        priced_cost += *priced;
        priced_calls += row.calls;
      }
      for (const auto& [bucket, count] : row.latency_histogram) latency[bucket] += count;
    }
    json to_json() const {
      auto ms = [&](double q) { return static_cast<double>(bus::histogram_quantile_ns(latency, q)) / 1e6; };
      return {{"calls", calls},
              {"errors", errors},
              {"input_tokens", input_tokens},
              {"output_tokens", output_tokens},
              {"total_tokens", total_tokens},
              {"cache_read_tokens", cache_read_tokens},
              {"cache_write_tokens", cache_write_tokens},
              {"reasoning_tokens", reasoning_tokens},
              // No call sent a cost and none had a price: no price, never 0.
              {"cost", cost_calls + priced_calls > 0 ? json(cost + priced_cost) : json(nullptr)},
              {"cost_calls", cost_calls},
              {"priced_calls", priced_calls},
              {"latency_ms", {{"p50", ms(0.5)}, {"p90", ms(0.9)}, {"p99", ms(0.99)}}}};
    }
  };
  // group name -> (totals, bucket start -> totals), once by model and once by service.
  std::map<std::string, std::pair<Totals, std::map<int64_t, Totals>>> by_model, by_service;
  for (const auto& [partition, reply] : replies.value) {
    for (const wire::UsageRow& row : reply.usage) {
      const std::optional<double> priced = prices ? usage_row_cost(row, *prices) : std::nullopt;
      for (auto* group : {&by_model[row.model], &by_service[row.service]}) {
        group->first.add(row, priced);
        group->second[row.bucket_start_ns].add(row, priced);
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
  json body = {{"from_ns", query.from_ns.value_or(0)}, {"to_ns", to_ns}, {"bucket_ns", query.bucket_ns},
               {"by_model", render(by_model, "model")}, {"by_service", render(by_service, "service")}};
  return {.value = std::move(body), .missing = std::move(replies.missing)};
}

Answer<std::vector<wire::ExecutableMatch>> QueryService::executables(const wire::ExecutableQuery& query) {
  auto replies = ask_all<wire::ExecutablesReply>(query);
  if (!replies.ok()) return failure<std::vector<wire::ExecutableMatch>>(replies);
  Answer<std::vector<wire::ExecutableMatch>> answer{.missing = std::move(replies.missing)};
  for (auto& [partition, reply] : replies.value) {
    for (wire::ExecutableMatch& match : reply.executables) answer.value.push_back(std::move(match));
  }
  std::sort(answer.value.begin(), answer.value.end(), [](const wire::ExecutableMatch& a, const wire::ExecutableMatch& b) {
    return std::tie(a.start_ns, a.trace_id, a.span_id) < std::tie(b.start_ns, b.trace_id, b.span_id);
  });
  return answer;
}

Answer<LogsPage> QueryService::logs(const wire::LogsQuery& query) {
  auto replies = ask_all<wire::LogsReply>(query);
  if (!replies.ok()) return failure<LogsPage>(replies);
  const auto limit = static_cast<size_t>(query.limit);
  std::vector<std::vector<json>*> lists;
  size_t total = 0;
  bool any_full = false;
  for (auto& [partition, reply] : replies.value) {
    total += reply.logs.size();
    any_full = any_full || reply.logs.size() >= limit;
    lists.push_back(&reply.logs);
  }
  Answer<LogsPage> answer{.missing = std::move(replies.missing)};
  auto key = [](const json& log) { return std::pair{log.at("time_ns").get<int64_t>(), log.at("log_id").get<std::string>()}; };
  answer.value.logs = merge_newest_first(lists, key, limit);
  const auto& logs = answer.value.logs;
  if (more_after(logs, total, any_full, limit)) {
    auto [time, id] = key(logs.back());
    answer.value.next = wire::LogCursor{time, id};
  }
  return answer;
}

// Log records go to partitions round-robin (the gateway does not route them
// by trace id), so a trace's records are asked of every partition.
// The session kinds' answers, read in session_service.cc.
template Answer<std::vector<std::pair<uint32_t, wire::SessionsReply>>> QueryService::ask_all<wire::SessionsReply>(const wire::Query&);
template Answer<std::vector<std::pair<uint32_t, wire::SessionReply>>> QueryService::ask_all<wire::SessionReply>(const wire::Query&);

Answer<TraceLogs> QueryService::trace_logs(const wire::TraceLogsQuery& query) {
  auto replies = ask_all<wire::TraceLogsReply>(query);
  if (!replies.ok()) return failure<TraceLogs>(replies);
  Answer<TraceLogs> answer{.missing = std::move(replies.missing)};
  for (auto& [partition, reply] : replies.value) {
    answer.value.truncated = answer.value.truncated || reply.truncated;
    for (json& log : reply.logs) answer.value.logs.push_back(std::move(log));
  }
  // Oldest first, ties by id: the same order every time.
  auto key = [](const json& log) { return std::pair{log.at("time_ns").get<int64_t>(), log.at("log_id").get<std::string>()}; };
  std::sort(answer.value.logs.begin(), answer.value.logs.end(), [&](const json& a, const json& b) { return key(a) < key(b); });
  const auto most = static_cast<size_t>(wire::kMaxTraceLogs);
  if (answer.value.logs.size() > most) {
    answer.value.logs.resize(most);
    answer.value.truncated = true;
  }
  return answer;
}

}  // namespace spanline::api
