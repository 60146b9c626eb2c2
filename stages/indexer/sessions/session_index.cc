#include "stages/indexer/sessions/session_index.h"

#include <span>
#include <vector>

#include <nlohmann/json.hpp>

#include "stages/indexer/fill_once.h"
#include "stages/indexer/llm/llm_record.h"
#include "stages/indexer/span_body/body_store.h"

namespace spanline::indexer::sessions {
namespace {

using json = nlohmann::json;
using Keys = std::span<const std::string_view>;

// A value as an id: strings as they are, other scalars as their JSON text.
std::optional<std::string> id_text(const json& value) {
  if (value.is_string()) {
    auto text = value.get<std::string>();
    if (text.empty()) return std::nullopt;
    return text;
  }
  if (value.is_number() || value.is_boolean()) return value.dump();
  return std::nullopt;
}

// Whether a JSON object's text can hold one of the keys (no parse): most
// resources hold service.instance.id, so ".id" alone would parse them all.
bool may_hold_id(std::string_view text) {
  for (std::string_view tail : {"session.id\"", "conversation.id\"", "user.id\""}) {
    if (text.find(tail) != std::string_view::npos) return true;
  }
  return false;
}

// The resource's attributes, parsed only when they can hold an id key.
json resource_of(std::string_view resource_json) {
  if (!may_hold_id(resource_json)) return json::object();
  json resource = json::parse(resource_json, nullptr, false);
  return resource.is_object() ? resource : json::object();
}

// First key present wins, each key on the span before the resource (as the LLM record reads them).
template <typename OnSpan>
std::optional<std::string> first_id(Keys keys, OnSpan on_span, const json& resource) {
  for (std::string_view key : keys) {
    if (auto value = on_span(key)) return value;
    if (auto it = resource.find(key); it != resource.end()) {
      if (auto value = id_text(*it)) return value;
    }
  }
  return std::nullopt;
}

constexpr std::string_view kFilledKey = "session_traces_filled";

}  // namespace

const std::string_view kSessionSchema = R"sql(
CREATE TABLE IF NOT EXISTS session_marks(
  trace_id BLOB NOT NULL, span_id BLOB NOT NULL, session_id TEXT, user_id TEXT, start_ns INTEGER NOT NULL,
  PRIMARY KEY(trace_id, span_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS session_traces(
  session_id TEXT NOT NULL, trace_id BLOB NOT NULL, user_id TEXT, first_start_ns INTEGER NOT NULL,
  last_end_ns INTEGER NOT NULL, service TEXT, services TEXT, root_name TEXT, error_count INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(session_id, trace_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS session_marks_user ON session_marks(user_id) WHERE user_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS session_traces_trace ON session_traces(trace_id);
CREATE INDEX IF NOT EXISTS session_traces_last ON session_traces(last_end_ns, session_id);
CREATE INDEX IF NOT EXISTS session_traces_user ON session_traces(user_id, last_end_ns) WHERE user_id IS NOT NULL;
)sql";

SpanSession session_of(const SpanRecord& span) {
  auto on_span = [&](std::string_view key) -> std::optional<std::string> {
    for (const AttributeRow& row : span.attributes) {
      if (row.on_event || row.key != key) continue;
      if (row.type == ValueType::string || row.type == ValueType::integer) {
        if (!row.text.empty()) return row.text;
      }
    }
    return std::nullopt;
  };
  const json resource = resource_of(span.resource_json);
  return {first_id(llm::kSessionKeys, on_span, resource), first_id(llm::kUserKeys, on_span, resource)};
}

SpanSession session_of_stored(std::string_view attributes_json, std::string_view resource_json) {
  json attributes = may_hold_id(attributes_json) ? json::parse(attributes_json, nullptr, false) : json::object();
  if (!attributes.is_object()) attributes = json::object();
  auto on_span = [&](std::string_view key) -> std::optional<std::string> {
    if (auto it = attributes.find(key); it != attributes.end()) return id_text(*it);
    return std::nullopt;
  };
  const json resource = resource_of(resource_json);
  return {first_id(llm::kSessionKeys, on_span, resource), first_id(llm::kUserKeys, on_span, resource)};
}

Status SessionIndex::prepare(Database& db) {
  struct Entry {
    Statement* target;
    std::string_view sql;
  };
  const Entry entries[] = {
      {&insert_mark_, "INSERT OR IGNORE INTO session_marks(trace_id, span_id, session_id, user_id, start_ns) VALUES(?,?,?,?,?)"},
      {&delete_rows_, "DELETE FROM session_traces WHERE trace_id = ?"},
      // One row per session the trace's marks name. The user: from a span
      // carrying that session (the earliest), else from any span of the trace.
      {&insert_rows_,
       "INSERT INTO session_traces(session_id, trace_id, user_id, first_start_ns, last_end_ns, service, services, root_name, "
       "error_count) "
       "SELECT s.session_id, t.trace_id, coalesce("
       "(SELECT m.user_id FROM session_marks m WHERE m.trace_id = ?1 AND m.session_id = s.session_id AND m.user_id IS NOT NULL "
       "ORDER BY m.start_ns, m.span_id LIMIT 1), "
       "(SELECT m.user_id FROM session_marks m WHERE m.trace_id = ?1 AND m.user_id IS NOT NULL ORDER BY m.start_ns, m.span_id LIMIT 1)), "
       "t.start_ns, t.end_ns, t.root_service, t.services, t.root_name, coalesce(t.error_count, 0) "
       "FROM (SELECT DISTINCT session_id FROM session_marks WHERE trace_id = ?1 AND session_id IS NOT NULL) s "
       "JOIN traces t ON t.trace_id = ?1"},
  };
  for (const Entry& entry : entries) {
    auto statement = db.prepare(entry.sql);
    if (!statement) return statement.status();
    *entry.target = std::move(statement.value());
  }
  return Status::ok();
}

namespace {
Status insert_mark(Statement& insert, std::string_view trace_id, std::string_view span_id, int64_t start_ns, const SpanSession& found) {
  if (!found.session_id && !found.user_id) return Status::ok();
  insert.bind_blob(1, trace_id).bind_blob(2, span_id);
  if (found.session_id) insert.bind_text(3, *found.session_id);
  else insert.bind_null(3);
  if (found.user_id) insert.bind_text(4, *found.user_id);
  else insert.bind_null(4);
  insert.bind(5, start_ns);
  return insert.run();
}
}  // namespace

Status SessionIndex::mark(const SpanRecord& span) {
  return insert_mark(insert_mark_, span.trace_id, span.span_id, span.start_ns, session_of(span));
}

Status SessionIndex::refresh(std::string_view trace_id) {
  if (Status s = delete_rows_.bind_blob(1, trace_id).run(); !s.is_ok()) return s;
  return insert_rows_.bind_blob(1, trace_id).run();
}

Status backfill(Database& db) {
  return fill_once(db, kFilledKey, kSessionsSchemaVersion, [](Database& d) -> Status {
    // Only spans whose attributes or resource name an id key can carry one.
    // Rows stored as bodies (schema 10, span_body/) are read whole: their texts are compressed.
    auto spans = d.prepare(
        "SELECT trace_id, span_id, start_ns, " + std::string(span_body::kColumns) + " FROM spans "
        "WHERE body IS NOT NULL OR instr(attributes, 'session.id\"') > 0 OR instr(attributes, 'conversation.id\"') > 0 OR instr(attributes, 'user.id\"') > 0 "
        "OR instr(resource, 'session.id\"') > 0 OR instr(resource, 'conversation.id\"') > 0 OR instr(resource, 'user.id\"') > 0");
    if (!spans) return spans.status();
    auto insert = d.prepare("INSERT OR IGNORE INTO session_marks(trace_id, span_id, session_id, user_id, start_ns) VALUES(?,?,?,?,?)");
    if (!insert) return insert.status();
    span_body::BodyReader bodies(d);
    for (;;) {
      auto row = spans->step();
      if (!row) return row.status();
      if (!*row) break;
      const std::string trace_id = spans->column_text(0), span_id = spans->column_text(1);
      auto texts = bodies.read(*spans, 3);
      if (!texts) return texts.status();
      const SpanSession ids = session_of_stored((*texts)[span_body::Text::attributes], (*texts)[span_body::Text::resource]);
      if (Status s = insert_mark(*insert, trace_id, span_id, spans->column_int(2), ids); !s.is_ok()) return s;
    }
    SessionIndex index;
    if (Status s = index.prepare(d); !s.is_ok()) return s;
    auto traces = d.prepare("SELECT DISTINCT trace_id FROM session_marks");
    if (!traces) return traces.status();
    for (;;) {
      auto row = traces->step();
      if (!row) return row.status();
      if (!*row) return Status::ok();
      if (Status s = index.refresh(traces->column_text(0)); !s.is_ok()) return s;
    }
  });
}

}  // namespace spanline::indexer::sessions
