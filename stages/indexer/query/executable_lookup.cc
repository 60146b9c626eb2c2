#include "stages/indexer/query/executable_lookup.h"

#include <iterator>

namespace spanline::indexer::query {

namespace wire = protocol::query;

namespace {

constexpr std::string_view kRuntimeIdKeys[] = {"junjo.executable_runtime_id", "junjo.id"};

std::string placeholders(size_t count) {
  std::string list;
  for (size_t i = 0; i < count; ++i) list += i == 0 ? "?" : ", ?";
  return list;
}

}  // namespace

const std::string& executable_lookup_sql() {
  // CROSS JOIN keeps the postings as the outer loop: SQLite never reorders a
  // CROSS JOIN, so it cannot choose to walk a service's spans
  // (spans_service_start) and probe each one instead.
  static const std::string sql =
      "SELECT DISTINCT s.trace_id, s.span_id, s.junjo_span_type, s.name, s.start_ns FROM (" +
      attributes::spans_with_value_sql("k.key IN (" + placeholders(std::size(kRuntimeIdKeys)) + ") AND k.on_event = 0") +
      ") m CROSS JOIN spans s ON s.rowid = m.span_rowid "
      "WHERE s.service = ? AND s.junjo_span_type IN (" + placeholders(std::size(wire::kExecutableSpanTypes)) + ") "
      "ORDER BY s.start_ns, s.trace_id, s.span_id LIMIT ?";
  return sql;
}

void bind_executable_lookup(Statement& statement, const wire::ExecutableQuery& query, const attributes::ValueHash& hash) {
  int index = 1;
  for (std::string_view key : kRuntimeIdKeys) statement.bind_text(index++, key);
  statement.bind(index++, hash(query.runtime_id));
  statement.bind_text(index++, query.service);
  for (std::string_view type : wire::kExecutableSpanTypes) statement.bind_text(index++, type);
  statement.bind(index, wire::kMaxExecutableMatches);
}

}  // namespace spanline::indexer::query
