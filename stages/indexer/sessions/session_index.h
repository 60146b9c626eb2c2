#pragma once
// The shard's sessions (issue 28): which traces belong to which session, so a
// chat application's conversation can be listed and opened turn by turn.
//
// A session is the set of traces any of whose spans carry a session id
// (session.id, else gen_ai.conversation.id; on the span, else its resource:
// OpenInference's using_session puts it on every span, Langfuse-style
// applications on the root only). Its user is user.id, else enduser.id, from
// a span of the trace carrying that session, else from any span of the trace.
//
// Two tables, written inside the shard's transactions:
// - session_marks: one row per span that carries a session or a user id,
//   keyed (trace_id, span_id) like the span, so a replay adds nothing;
// - session_traces: one row per (session_id, trace_id), recomputed from the
//   marks and the trace's summary whenever the trace changes (a batch, a
//   deletion), never incremented: order of arrival and replays give the same
//   rows. It copies the trace's times, root, services and error count so the
//   session queries read one narrow table, indexed by session, trace, time
//   and user.
//
// Threads: one SessionIndex per Shard, used by the shard's one writer.

#include <optional>
#include <string>
#include <string_view>

#include "base/sqlite/sqlite_db.h"
#include "base/status.h"
#include "stages/indexer/span_record.h"

namespace spanline::indexer::sessions {

// CREATE ... IF NOT EXISTS for both tables and their indexes: run on every open.
extern const std::string_view kSessionSchema;
// The schema version that introduced the tables (the fill step below sets it).
inline constexpr int kSessionsSchemaVersion = 7;

// What one span says: its session and user ids (each nullopt when not sent).
struct SpanSession {
  std::optional<std::string> session_id, user_id;
};
SpanSession session_of(const SpanRecord& span);
// The same from a span as stored (attributes and resource JSON texts).
SpanSession session_of_stored(std::string_view attributes_json, std::string_view resource_json);

class SessionIndex {
 public:
  Status prepare(Database& db);
  // A span just written (new, not a replay): its mark, when it carries a session or a user.
  Status mark(const SpanRecord& span);
  // Recomputes the trace's session rows from its marks and its summary (call after the summary).
  Status refresh(std::string_view trace_id);

 private:
  Statement insert_mark_, delete_rows_, insert_rows_;
};

// The deletion of the marks of deleted spans (?1 = trace_id, {c} the
// shard's span condition), beside its other per-span tables' deletions.
inline constexpr const char* kDeleteMarksSql =
    "DELETE FROM session_marks WHERE trace_id = ?1 AND span_id IN (SELECT span_id FROM spans WHERE trace_id = ?1 AND {c})";

// The trace search's filters (a condition on `traces t`, one bound value):
// the traces of a session, and those of a user (user.id or enduser.id on one
// of their spans or its resource, whether or not the trace is in a session).
inline constexpr const char* kTracesOfSessionSql = "t.trace_id IN (SELECT trace_id FROM session_traces WHERE session_id = ?)";
inline constexpr const char* kTracesOfUserSql = "t.trace_id IN (SELECT trace_id FROM session_marks WHERE user_id = ?)";

// Fills session_marks and session_traces from the spans already stored, once
// per shard (a shard indexed before sessions were); a meta key says it was done.
Status backfill(Database& db);

}  // namespace spanline::indexer::sessions
