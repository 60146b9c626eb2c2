// ShardReader's answers to the log record kinds ("logs", "trace_logs"), read
// from the log_records table (stages/indexer/logs/log_store.cc).

#include <string>

#include "base/hex.h"
#include "base/json_depth.h"
#include "stages/indexer/query/shard_queries.h"
#include "stages/indexer/query/sql_support.h"

namespace spanline::indexer::query {

namespace wire = protocol::query;

namespace {

constexpr std::string_view kLogColumns =
    "wal_sequence, record_index, trace_id, span_id, time_ns, observed_ns, severity_number, severity_text, body, attributes, "
    "resource, scope, event_name, flags, dropped_attributes_count, service";

// Stored JSON (the indexer wrote it) parsed for the reply; what does not
// parse, or nests past what a reply can serialize, stays text.
json stored_json(const std::string& text, json when_empty) {
  if (text.empty()) return when_empty;
  if (json_nests_deeper_than(text, 128)) return json(text);
  json value = json::parse(text, nullptr, false);
  return value.is_discarded() ? json(text) : value;
}

Result<json> log_of(const Statement& row, uint32_t partition, QueryBudget& budget) {
  const std::string body = row.column_text(8), attributes = row.column_text(9), resource = row.column_text(10),
                    scope = row.column_text(11);
  if (Status s = budget.spend(body.size() + attributes.size() + resource.size() + scope.size() + 256); !s.is_ok()) return s;
  return json{{"log_id", wire::log_id({partition, static_cast<uint64_t>(row.column_int(0)), static_cast<uint32_t>(row.column_int(1))})},
              {"trace_id", to_hex(row.column_text(2))},
              {"span_id", to_hex(row.column_text(3))},
              {"time_ns", row.column_int(4)},
              {"observed_ns", row.column_int(5)},
              {"severity_number", row.column_int(6)},
              {"severity_text", row.column_text(7)},
              {"body", stored_json(body, nullptr)},
              {"attributes", stored_json(attributes, json::object())},
              {"resource", stored_json(resource, json::object())},
              {"scope", stored_json(scope, json::object())},
              {"event_name", row.column_text(12)},
              {"flags", row.column_int(13)},
              {"dropped_attributes_count", row.column_int(14)},
              {"service", row.column_text(15)}};
}

std::string id_blob(const std::string& hex) { return from_hex(hex).value_or(std::string()); }

std::vector<uint8_t> id_value(const std::string& hex) {
  const std::string bytes = id_blob(hex);
  return {bytes.begin(), bytes.end()};
}

}  // namespace

Result<std::string> ShardReader::answer(const wire::LogsQuery& query) {
  using Op = wire::AttributeFilter::Op;
  Filter filter;
  if (query.from_ns) filter.add("time_ns >= ?", *query.from_ns);
  if (query.to_ns) filter.add("time_ns <= ?", *query.to_ns);
  if (query.service) filter.add("service = ?", *query.service);
  if (query.event_name) filter.add("event_name = ?", *query.event_name);
  if (query.min_severity) filter.add("severity_number >= ?", int64_t{*query.min_severity});
  if (query.trace_id) filter.add("trace_id = ?", id_value(*query.trace_id));
  // Attributes are matched in the record's JSON (top-level keys): a scan
  // filter over the rows the other conditions and the order select.
  for (const wire::AttributeFilter& attribute : query.attributes) {
    const std::string prefix = "EXISTS (SELECT 1 FROM json_each(attributes) j WHERE j.key = ? AND ";
    if (attribute.op == Op::equal) {
      // As text, as the span search compares: 500 matches "500", true matches "true".
      filter.add(prefix + "(CASE j.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(j.value AS TEXT) END) = ?)",
                 attribute.key, attribute.text);
    } else {
      filter.add(prefix + "j.type IN ('integer', 'real') AND j.value " + std::string(wire::name_of(attribute.op)) + " ?)",
                 attribute.key, attribute.number);
    }
  }
  if (query.text) filter.add("rowid IN (SELECT rowid FROM log_text WHERE log_text MATCH ?)", fts_phrase(*query.text));
  if (query.cursor) {
    // Newest first by (time, id); the id begins with the partition, so this
    // shard's records at the cursor's time come after it when this partition
    // sorts before the cursor's, before it when after, and by (sequence,
    // index) when it is the cursor's own.
    const auto key = wire::log_key_of(query.cursor->log_id).value_or(wire::LogKey{});
    const int64_t time = query.cursor->time_ns;
    if (partition_ < key.partition) {
      filter.add("time_ns <= ?", time);
    } else if (partition_ > key.partition) {
      filter.add("time_ns < ?", time);
    } else {
      filter.add("(time_ns, wal_sequence, record_index) < (?, ?, ?)", time, static_cast<int64_t>(key.sequence),
                 static_cast<int64_t>(key.index));
    }
  }
  filter.bind_later(query.limit);
  auto statement = db_->prepare("SELECT " + std::string(kLogColumns) + " FROM log_records" + filter.where() +
                                " ORDER BY time_ns DESC, wal_sequence DESC, record_index DESC LIMIT ?");
  if (!statement) return statement.status();
  filter.bind(*statement);
  auto rows = collect<json>(*statement, *budget_, [this](const Statement& row) { return log_of(row, partition_, *budget_); });
  if (!rows) return rows.status();
  return wire::encode(wire::LogsReply{std::move(rows.value())});
}

Result<std::string> ShardReader::answer(const wire::TraceLogsQuery& query) {
  auto statement = db_->prepare("SELECT " + std::string(kLogColumns) + " FROM log_records WHERE trace_id = ?" +
                                (query.span_id ? " AND span_id = ?" : "") + " ORDER BY time_ns, wal_sequence, record_index LIMIT ?");
  if (!statement) return statement.status();
  int index = 1;
  statement->bind_blob(index++, id_blob(query.trace_id));
  if (query.span_id) statement->bind_blob(index++, id_blob(*query.span_id));
  statement->bind(index, wire::kMaxTraceLogs + 1);
  auto rows = collect<json>(*statement, *budget_, [this](const Statement& row) { return log_of(row, partition_, *budget_); });
  if (!rows) return rows.status();
  wire::TraceLogsReply reply;
  reply.truncated = rows->size() > static_cast<size_t>(wire::kMaxTraceLogs);
  if (reply.truncated) rows->pop_back();
  reply.logs = std::move(rows.value());
  return wire::encode(reply);
}

}  // namespace spanline::indexer::query
