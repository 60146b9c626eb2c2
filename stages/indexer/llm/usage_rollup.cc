#include "stages/indexer/llm/usage_rollup.h"

#include <cstdint>
#include <string>

#include "bus/latency_histogram.h"

namespace spanline::indexer::llm {
namespace {

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS llm_usage_grains(grain_ns INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS llm_latency_buckets(lower_ns INTEGER PRIMARY KEY, bucket INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS llm_usage_rollup(
  grain_ns INTEGER NOT NULL, start_ns INTEGER NOT NULL, service TEXT NOT NULL, model_group TEXT NOT NULL, model TEXT NOT NULL,
  calls INTEGER NOT NULL, errors INTEGER NOT NULL, input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
  total_tokens INTEGER NOT NULL, cache_read_tokens INTEGER NOT NULL, cache_write_tokens INTEGER NOT NULL,
  reasoning_tokens INTEGER NOT NULL, cost REAL NOT NULL, cost_calls INTEGER NOT NULL, latency TEXT NOT NULL,
  PRIMARY KEY(grain_ns, start_ns, service, model_group, model)) WITHOUT ROWID;
)sql";

// Named for the grains it was filled with (a shard filled before the quarter hours were added fills again).
constexpr std::string_view kFilledKey = "llm_usage_rollup_filled_1m_15m_1h";

// Replaces every `{x}` in `text` with `x`.
std::string with(std::string text, std::string_view x) {
  for (size_t at; (at = text.find("{x}")) != std::string::npos;) text.replace(at, 3, x);
  return text;
}

// The grain's start of row {x}'s start (floored also before 1970), and the
// rollup key of {x} in grain g.
constexpr std::string_view kKeyOfRow =
    "g.grain_ns AS grain_ns, {x}.start_ns - (({x}.start_ns % g.grain_ns) + g.grain_ns) % g.grain_ns AS start_ns, {x}.service AS service, "
    "coalesce({x}.model_group, '') AS model_group, coalesce({x}.model, '') AS model";
constexpr std::string_view kBucketOfRow =
    "CAST((SELECT bucket FROM llm_latency_buckets WHERE lower_ns <= {x}.duration_ns ORDER BY lower_ns DESC LIMIT 1) AS TEXT)";
constexpr std::string_view kColumns =
    "grain_ns, start_ns, service, model_group, model, calls, errors, input_tokens, output_tokens, total_tokens, "
    "cache_read_tokens, cache_write_tokens, reasoning_tokens, cost, cost_calls, latency";

// Whether row {x} counts in the usage as the table is now: a Junjo model
// request only while no LLM span is directly below it.
constexpr std::string_view kCountsNow =
    "({x}.junjo_model_request = 0 OR NOT EXISTS (SELECT 1 FROM llm_calls child WHERE child.trace_id = {x}.trace_id AND "
    "child.parent_span_id = {x}.span_id))";

// Adds row {x}'s figures, times `sign`, to its minute, quarter hour and hour, for the rows
// `from` (after the grains) and `where` select.
std::string add_row(std::string_view x, std::string_view from, std::string_view where, int sign) {
  const std::string s = std::to_string(sign);
  std::string sql = "INSERT INTO llm_usage_rollup(" + std::string(kColumns) + ") SELECT " + std::string(kKeyOfRow) + ", " + s + ", " + s +
                    " * ({x}.status_code = 2), " + s + " * coalesce({x}.input_tokens, 0), " + s + " * coalesce({x}.output_tokens, 0), " + s +
                    " * coalesce({x}.total_tokens, 0), " + s + " * coalesce({x}.cache_read_tokens, 0), " + s +
                    " * coalesce({x}.cache_write_tokens, 0), " + s + " * coalesce({x}.reasoning_tokens, 0), " + s +
                    " * coalesce({x}.cost_total, 0.0), " + s + " * ({x}.cost_total IS NOT NULL), json_object(" + std::string(kBucketOfRow) +
                    ", " + s + ") FROM llm_usage_grains g" + std::string(from) + " WHERE " + std::string(where) +
                    // Adding histograms: the counts of a bucket summed, a bucket at 0 left out.
                    " ON CONFLICT DO UPDATE SET calls = calls + excluded.calls, errors = errors + excluded.errors, "
                    "input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens, "
                    "total_tokens = total_tokens + excluded.total_tokens, cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens, "
                    "cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens, "
                    "reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens, cost = cost + excluded.cost, "
                    "cost_calls = cost_calls + excluded.cost_calls, latency = (SELECT json_group_object(key, n) FROM (SELECT key, "
                    "sum(value) AS n FROM (SELECT key, value FROM json_each(latency) UNION ALL SELECT key, value FROM "
                    "json_each(excluded.latency)) GROUP BY key HAVING n != 0));";
  if (sign < 0) {
    // A minute or hour left without calls goes (retention would otherwise leave empty rows behind for ever).
    sql += "DELETE FROM llm_usage_rollup WHERE calls = 0 AND (grain_ns, start_ns, service, model_group, model) IN (SELECT " +
           std::string(kKeyOfRow) + " FROM llm_usage_grains g" + std::string(from) + " WHERE " + std::string(where) + ");";
  }
  return with(std::move(sql), x);
}

std::string triggers() {
  // An inserted row counts unless it is a Junjo model request with an LLM span below it; a new
  // row below a Junjo model request that had none takes that request out.
  const std::string parent_of_new =
      "P.trace_id = NEW.trace_id AND P.span_id = NEW.parent_span_id AND P.span_id != NEW.span_id AND P.junjo_model_request = 1 "
      "AND (SELECT count(*) FROM llm_calls c WHERE c.trace_id = NEW.trace_id AND c.parent_span_id = NEW.parent_span_id) = 1";
  // A deleted row counted unless it was a Junjo model request with an LLM span below it (itself,
  // when it named itself its parent); a Junjo model request whose last child goes counts again.
  const std::string counted_old =
      "(OLD.junjo_model_request = 0 OR (NOT EXISTS (SELECT 1 FROM llm_calls child WHERE child.trace_id = OLD.trace_id AND "
      "child.parent_span_id = OLD.span_id) AND OLD.parent_span_id IS NOT OLD.span_id))";
  const std::string parent_of_old =
      "P.trace_id = OLD.trace_id AND P.span_id = OLD.parent_span_id AND P.span_id != OLD.span_id AND P.junjo_model_request = 1 "
      "AND NOT EXISTS (SELECT 1 FROM llm_calls c WHERE c.trace_id = OLD.trace_id AND c.parent_span_id = OLD.parent_span_id)";
  return "CREATE TRIGGER IF NOT EXISTS " + std::string(kUsageRollupTriggers[0]) + " AFTER INSERT ON llm_calls BEGIN " +
         add_row("NEW", "", with(std::string(kCountsNow), "NEW"), 1) + add_row("P", ", llm_calls P", parent_of_new, -1) +
         " END; CREATE TRIGGER IF NOT EXISTS " + std::string(kUsageRollupTriggers[1]) + " AFTER DELETE ON llm_calls BEGIN " +
         add_row("OLD", "", counted_old, -1) + add_row("P", ", llm_calls P", parent_of_old, 1) + " END;";
}

// The smallest duration in each latency bucket, found from bus::latency_bucket
// itself so that SQL and C++ put every duration in the same bucket.
Status fill_latency_buckets(Database& db) {
  auto insert = db.prepare("INSERT OR IGNORE INTO llm_latency_buckets(lower_ns, bucket) VALUES(?, ?)");
  if (!insert) return insert.status();
  if (Status s = insert->bind(1, INT64_MIN).bind(2, 0).run(); !s.is_ok()) return s;
  for (int bucket = 1; bucket <= bus::latency_bucket(INT64_MAX / 2); ++bucket) {
    int64_t low = 1001, high = INT64_MAX / 2;
    while (low < high) {
      const int64_t mid = low + (high - low) / 2;
      if (bus::latency_bucket(mid) >= bucket) high = mid;
      else low = mid + 1;
    }
    if (Status s = insert->bind(1, low).bind(2, bucket).run(); !s.is_ok()) return s;
  }
  return Status::ok();
}

}  // namespace

Status create_usage_rollup(Database& db) {
  if (Status s = db.exec(kSchema); !s.is_ok()) return s;
  for (int64_t grain : kUsageRollupGrainsNs) {
    if (Status s = db.exec("INSERT OR IGNORE INTO llm_usage_grains VALUES(" + std::to_string(grain) + ")"); !s.is_ok()) return s;
  }
  if (Status s = fill_latency_buckets(db); !s.is_ok()) return s;
  return db.exec(triggers());
}

Status rebuild_usage_rollup(Database& db) {
  const std::string x = "X";
  std::string sql = "DELETE FROM llm_usage_rollup; INSERT INTO llm_usage_rollup(" + std::string(kColumns) +
                    ") SELECT grain_ns, start_ns, service, model_group, model, sum(calls), sum(errors), sum(input_tokens), "
                    "sum(output_tokens), sum(total_tokens), sum(cache_read_tokens), sum(cache_write_tokens), sum(reasoning_tokens), "
                    "sum(cost), sum(cost_calls), json_group_object(bucket, calls) FROM (SELECT " +
                    std::string(kKeyOfRow) + ", " + std::string(kBucketOfRow) +
                    " AS bucket, count(*) AS calls, sum({x}.status_code = 2) AS errors, sum(coalesce({x}.input_tokens, 0)) AS "
                    "input_tokens, sum(coalesce({x}.output_tokens, 0)) AS output_tokens, sum(coalesce({x}.total_tokens, 0)) AS "
                    "total_tokens, sum(coalesce({x}.cache_read_tokens, 0)) AS cache_read_tokens, sum(coalesce({x}.cache_write_tokens, "
                    "0)) AS cache_write_tokens, sum(coalesce({x}.reasoning_tokens, 0)) AS reasoning_tokens, total({x}.cost_total) AS "
                    "cost, count({x}.cost_total) AS cost_calls FROM llm_usage_grains g, llm_calls {x} WHERE " +
                    std::string(kCountsNow) + " GROUP BY 1, 2, 3, 4, 5, 6) GROUP BY 1, 2, 3, 4, 5";
  return db.exec(with(std::move(sql), x));
}

Result<bool> usage_rollup_ready(Database& db) {
  auto filled = db.prepare("SELECT 1 FROM meta WHERE key = ?");
  if (!filled) return filled.status();
  filled->bind_text(1, kFilledKey);
  return filled->step();
}

Status fill_usage_rollup(Database& db, int schema_version) {
  if (auto ready = usage_rollup_ready(db); !ready || *ready) return ready.status();
  if (Status s = db.exec("BEGIN IMMEDIATE"); !s.is_ok()) return s;
  auto fail = [&](Status status) {
    (void)db.exec("ROLLBACK");
    return status;
  };
  if (Status s = rebuild_usage_rollup(db); !s.is_ok()) return fail(s);
  const std::string version = std::to_string(schema_version);
  if (Status s = db.exec("INSERT OR REPLACE INTO meta VALUES('" + std::string(kFilledKey) + "', '1'); UPDATE meta SET value = '" + version +
                         "' WHERE key = 'schema_version' AND CAST(value AS INTEGER) < " + version);
      !s.is_ok()) {
    return fail(s);
  }
  return db.exec("COMMIT");
}

}  // namespace spanline::indexer::llm
