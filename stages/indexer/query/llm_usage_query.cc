#include "stages/indexer/query/llm_usage_query.h"

#include <charconv>
#include <map>
#include <string_view>
#include <optional>
#include <span>
#include <tuple>
#include <vector>

#include "bus/latency_histogram.h"
#include "stages/indexer/llm/usage_rollup.h"
#include "stages/indexer/query/sql_support.h"

namespace spanline::indexer::query {

namespace wire = protocol::query;

namespace {

using Bound = std::optional<int64_t>;  // absent: the window is open on that side

int64_t floor_to(int64_t t, int64_t step) { return t - ((t % step) + step) % step; }

// Rows of the answer by (model group, service, bucket start).
class UsageGroups {
 public:
  explicit UsageGroups(int64_t bucket_ns) : bucket_ns_(bucket_ns) {}
  wire::UsageRow& at(const std::string& model_group, const std::string& service, int64_t start_ns) {
    return groups_[{model_group.empty() ? "unknown" : model_group, service, floor_to(start_ns, bucket_ns_)}];
  }
  wire::LlmUsageReply reply() && {
    wire::LlmUsageReply reply;
    for (auto& [key, group] : groups_) {
      group.model = std::get<0>(key);
      group.service = std::get<1>(key);
      group.bucket_start_ns = std::get<2>(key);
      reply.usage.push_back(std::move(group));
    }
    return reply;
  }

 private:
  int64_t bucket_ns_;
  std::map<std::tuple<std::string, std::string, int64_t>, wire::UsageRow> groups_;
};

// The service and model filters, for llm_calls (alias c) and for the rollup.
void add_filters(Filter& filter, const wire::LlmUsageQuery& query, const std::string& prefix) {
  if (query.service) filter.add(prefix + "service = ?", *query.service);
  if (query.model) filter.add("(" + prefix + "model_group = ? OR " + prefix + "model = ?)", *query.model, *query.model);
}

// Adds each row of `sql` (its first columns: service, start_ns, model group or '') to its group with `add`.
template <typename Add>
Status each_row(Database& db, const std::string& sql, const Filter& filter, UsageGroups& groups, Add add) {
  auto statement = db.prepare(sql);
  if (!statement) return statement.status();
  filter.bind(*statement);
  for (;;) {
    auto row = statement->step();
    if (!row) return row.status();
    if (!*row) return Status::ok();
    wire::UsageRow& group = groups.at(statement->column_text(2), statement->column_text(0), statement->column_int(1));
    if (Status s = add(group, *statement); !s.is_ok()) return s;
  }
}

// Adds a histogram as the rollup's triggers write it with json_group_object,
// {"bucket":count,...} without spaces, read without a JSON parser: a day's
// usage reads thousands of them, and parsing each as JSON was most of its time.
Status add_histogram(std::string_view text, std::map<int, int64_t>& histogram) {
  auto bad = [] { return Status(Code::internal, "llm_usage_rollup.latency is not a histogram"); };
  if (text.size() < 2 || text.front() != '{' || text.back() != '}') return bad();
  const char* at = text.data() + 1;
  const char* end = text.data() + text.size() - 1;
  while (at < end) {
    int bucket = 0;
    int64_t count = 0;
    if (*at != '"') return bad();
    auto key = std::from_chars(at + 1, end, bucket);
    if (key.ec != std::errc() || key.ptr + 1 >= end || key.ptr[0] != '"' || key.ptr[1] != ':') return bad();
    auto value = std::from_chars(key.ptr + 2, end, count);
    if (value.ec != std::errc()) return bad();
    if (count != 0) histogram[bucket] += count;
    at = value.ptr;
    if (at < end && *at++ != ',') return bad();
  }
  return Status::ok();
}

// The six token counts, input to reasoning, from `first` on.
void add_tokens(wire::UsageRow& group, const Statement& row, int first) {
  group.input_tokens += row.column_int(first);
  group.output_tokens += row.column_int(first + 1);
  group.total_tokens += row.column_int(first + 2);
  group.cache_read_tokens += row.column_int(first + 3);
  group.cache_write_tokens += row.column_int(first + 4);
  group.reasoning_tokens += row.column_int(first + 5);
}

// The calls starting in [from, to) as the indexer recorded them. A Junjo
// model request whose driver's own call is traced directly below it as an LLM
// span counts once: the call below it counts.
Status add_calls(Database& db, const wire::LlmUsageQuery& query, Bound from, Bound to, UsageGroups& groups) {
  Filter filter;
  filter.add("(c.junjo_model_request = 0 OR NOT EXISTS (SELECT 1 FROM llm_calls child WHERE child.trace_id = c.trace_id AND "
             "child.parent_span_id = c.span_id))");
  if (from) filter.add("c.start_ns >= ?", *from);
  if (to) filter.add("c.start_ns < ?", *to);
  add_filters(filter, query, "c.");
  return each_row(db,
                  "SELECT c.service, c.start_ns, coalesce(c.model_group, ''), c.status_code, c.duration_ns, c.input_tokens, "
                  "c.output_tokens, c.total_tokens, c.cache_read_tokens, c.cache_write_tokens, c.reasoning_tokens, c.cost_total FROM "
                  "llm_calls c" + filter.where(),
                  filter, groups, [](wire::UsageRow& group, const Statement& row) {
                    group.calls += 1;
                    group.errors += row.column_int(3) == 2 ? 1 : 0;
                    add_tokens(group, row, 5);  // NULL (not sent) reads 0 in a sum
                    if (!row.column_is_null(11)) {
                      group.cost += row.column_double(11);
                      group.cost_calls += 1;
                    }
                    group.latency_histogram[bus::latency_bucket(row.column_int(4))] += 1;
                    return Status::ok();
                  });
}

// The rollup's rows of one grain starting in [from, to) (both on the grain).
Status add_rollup(Database& db, const wire::LlmUsageQuery& query, int64_t grain_ns, Bound from, Bound to, UsageGroups& groups) {
  Filter filter;
  filter.add("grain_ns = ?", grain_ns);
  if (from) filter.add("start_ns >= ?", *from);
  if (to) filter.add("start_ns < ?", *to);
  filter.add("calls > 0");
  add_filters(filter, query, "");
  return each_row(db,
                  "SELECT service, start_ns, model_group, calls, errors, input_tokens, output_tokens, total_tokens, cache_read_tokens, "
                  "cache_write_tokens, reasoning_tokens, cost, cost_calls, latency FROM llm_usage_rollup" + filter.where(),
                  filter, groups, [](wire::UsageRow& group, const Statement& row) {
                    group.calls += row.column_int(3);
                    group.errors += row.column_int(4);
                    add_tokens(group, row, 5);
                    group.cost += row.column_double(11);
                    group.cost_calls += row.column_int(12);
                    return add_histogram(row.column_text(13), group.latency_histogram);
                  });
}

// [from, to): the whole grains of the coarsest grain that fits from the
// rollup, the rest with the next grain, the last ragged ends from the calls.
Status add_window(Database& db, const wire::LlmUsageQuery& query, std::span<const int64_t> grains, Bound from, Bound to,
                  UsageGroups& groups) {
  if (from && to && *from >= *to) return Status::ok();
  if (grains.empty()) return add_calls(db, query, from, to, groups);
  const int64_t grain = grains.front();
  const Bound first = from ? Bound(floor_to(*from, grain) + (floor_to(*from, grain) < *from ? grain : 0)) : std::nullopt;
  const Bound last = to ? Bound(floor_to(*to, grain)) : std::nullopt;
  if (first && last && *first >= *last) return add_window(db, query, grains.subspan(1), from, to, groups);
  if (Status s = add_rollup(db, query, grain, first, last, groups); !s.is_ok()) return s;
  if (from) {
    if (Status s = add_window(db, query, grains.subspan(1), from, first, groups); !s.is_ok()) return s;
  }
  if (to) return add_window(db, query, grains.subspan(1), last, to, groups);
  return Status::ok();
}

// to_ns is inclusive; the window is [from, to + 1).
Bound window_end(const wire::LlmUsageQuery& query) {
  if (!query.to_ns || *query.to_ns == INT64_MAX) return std::nullopt;
  return *query.to_ns + 1;
}

}  // namespace

Result<wire::LlmUsageReply> llm_usage(Database& db, const wire::LlmUsageQuery& query) {
  auto ready = llm::usage_rollup_ready(db);
  if (!ready) return ready.status();
  if (!*ready) return llm_usage_from_calls(db, query);
  // The grains a bucket is made of (a bucket of 30 min: minutes; of 3 h: hours, then minutes at the edges).
  std::vector<int64_t> grains;
  for (int64_t grain : llm::kUsageRollupGrainsNs) {
    if (query.bucket_ns % grain == 0) grains.push_back(grain);
  }
  UsageGroups groups(query.bucket_ns);
  if (Status s = add_window(db, query, grains, query.from_ns, window_end(query), groups); !s.is_ok()) return s;
  return std::move(groups).reply();
}

Result<wire::LlmUsageReply> llm_usage_from_calls(Database& db, const wire::LlmUsageQuery& query) {
  UsageGroups groups(query.bucket_ns);
  if (Status s = add_calls(db, query, query.from_ns, window_end(query), groups); !s.is_ok()) return s;
  return std::move(groups).reply();
}

}  // namespace spanline::indexer::query
