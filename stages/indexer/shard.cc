#include "stages/indexer/shard.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <set>

#include "base/clock.h"
#include "stages/indexer/span_decoder.h"
#include "stages/indexer/span_deletion.h"
#include "stages/indexer/llm/llm_calls.h"
#include "stages/indexer/llm/usage_rollup.h"
#include "stages/indexer/sessions/session_index.h"
#include "stages/indexer/span_body/body_migration.h"

namespace spanline::indexer {
namespace {

constexpr int kSchemaVersion = 10;  // 7: sessions (sessions/session_index.h); 8: the LLM usage rollup (llm/usage_rollup.h);
                                    // 9: attribute postings (attributes/attribute_index.h);
                                    // 10: span bodies and contentless full text (span_body/, search/)

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS cursor(partition INTEGER PRIMARY KEY, sequence INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS spans(
  trace_id BLOB NOT NULL, span_id BLOB NOT NULL, parent_span_id BLOB,
  service TEXT NOT NULL, name TEXT NOT NULL, kind INTEGER NOT NULL,
  start_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL, duration_ns INTEGER NOT NULL,
  status_code INTEGER NOT NULL, status_message TEXT, trace_state TEXT, flags INTEGER,
  scope_name TEXT, scope_version TEXT,
  attributes TEXT, events TEXT, links TEXT, resource TEXT, scope TEXT,
  junjo_span_type TEXT, received_ns INTEGER NOT NULL, wal_sequence INTEGER NOT NULL,
  dropped_attributes_count INTEGER NOT NULL DEFAULT 0, dropped_events_count INTEGER NOT NULL DEFAULT 0,
  dropped_links_count INTEGER NOT NULL DEFAULT 0, body BLOB,
  UNIQUE(trace_id, span_id));
CREATE INDEX IF NOT EXISTS spans_service_start ON spans(service, start_ns);
CREATE TABLE IF NOT EXISTS traces(
  trace_id BLOB PRIMARY KEY, root_span_id BLOB, root_name TEXT, root_service TEXT, services TEXT,
  start_ns INTEGER, end_ns INTEGER, duration_ns INTEGER, span_count INTEGER, error_count INTEGER,
  received_ns INTEGER, indexed_ns INTEGER);
CREATE INDEX IF NOT EXISTS traces_start ON traces(start_ns);
CREATE TABLE IF NOT EXISTS operations(
  service TEXT NOT NULL, name TEXT NOT NULL, span_count INTEGER NOT NULL, last_seen_ns INTEGER NOT NULL,
  PRIMARY KEY(service, name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS workflow_runs(
  trace_id BLOB NOT NULL, span_id BLOB NOT NULL, parent_span_id BLOB, name TEXT, service TEXT, span_type TEXT,
  start_ns INTEGER, end_ns INTEGER, duration_ns INTEGER, status_code INTEGER, cancelled INTEGER,
  node_count INTEGER, state_change_count INTEGER NOT NULL DEFAULT 0, contract_version INTEGER,
  store_id TEXT, parent_store_id TEXT, state_start TEXT, state_end TEXT, graph TEXT, graph_format TEXT,
  received_ns INTEGER NOT NULL,
  runtime_id TEXT, hook_errors TEXT, agent_key TEXT, outcome TEXT, termination_reason TEXT, usage TEXT,
  agent_counts TEXT, terminal_commit_failure TEXT,
  PRIMARY KEY(trace_id, span_id));
CREATE INDEX IF NOT EXISTS workflow_runs_start ON workflow_runs(start_ns);
CREATE TABLE IF NOT EXISTS state_changes(
  trace_id BLOB NOT NULL, span_id BLOB NOT NULL, event_index INTEGER NOT NULL,
  store_id TEXT, store_name TEXT, action TEXT, patch TEXT, transition_sequence INTEGER,
  time_ns INTEGER, revision_before INTEGER, revision_after INTEGER,
  PRIMARY KEY(trace_id, span_id, event_index));
CREATE INDEX IF NOT EXISTS state_changes_store ON state_changes(trace_id, store_id);
CREATE TABLE IF NOT EXISTS agent_operations(
  trace_id BLOB NOT NULL, span_id BLOB NOT NULL, runtime_id TEXT, sequence INTEGER, operation_type TEXT,
  cancelled INTEGER NOT NULL DEFAULT 0,
  model_ordinal INTEGER, model_provider TEXT, model_name TEXT, response_type TEXT, usage TEXT, state_revision INTEGER,
  tool_name TEXT, tool_call_id TEXT, tool_call_ordinal INTEGER, requested_arguments TEXT, arguments TEXT, result TEXT,
  result_unavailable_reason TEXT, state_revision_before INTEGER, state_revision_after INTEGER,
  PRIMARY KEY(trace_id, span_id));
CREATE INDEX IF NOT EXISTS agent_operations_run ON agent_operations(trace_id, runtime_id, sequence);
CREATE TABLE IF NOT EXISTS llm_calls(
  trace_id BLOB NOT NULL, span_id BLOB NOT NULL, parent_span_id BLOB, service TEXT NOT NULL,
  start_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL, duration_ns INTEGER NOT NULL, status_code INTEGER NOT NULL,
  kind TEXT NOT NULL, operation TEXT, provider TEXT, request_model TEXT, response_model TEXT, model TEXT, model_group TEXT,
  input_tokens INTEGER, output_tokens INTEGER, total_tokens INTEGER, cache_read_tokens INTEGER, cache_write_tokens INTEGER,
  reasoning_tokens INTEGER, cost_input REAL, cost_output REAL, cost_total REAL, finish_reasons TEXT,
  session_id TEXT, user_id TEXT, junjo_model_request INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(trace_id, span_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS llm_calls_start ON llm_calls(start_ns);
CREATE INDEX IF NOT EXISTS llm_calls_model ON llm_calls(model_group, start_ns);
CREATE INDEX IF NOT EXISTS llm_calls_service ON llm_calls(service, start_ns);
CREATE INDEX IF NOT EXISTS llm_calls_session ON llm_calls(session_id, start_ns) WHERE session_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS llm_calls_parent ON llm_calls(trace_id, parent_span_id);
)sql";

// A trace's summary is recomputed from its spans (idempotent, order-independent): one pass over the trace's
// span rows (kTraceSpans, through the (trace_id, span_id) index) folded in C++, then one upsert. The SQL
// form it replaced read the trace's rows five times (root id, name and service each sorted apart, the
// distinct services, the aggregates): 18% of Shard::apply under load (issue 31).
constexpr std::string_view kTraceSpans =
    "SELECT span_id, name, service, start_ns, end_ns, status_code, received_ns, "
    "(parent_span_id IS NULL OR length(parent_span_id) = 0) FROM spans WHERE trace_id = ?";
constexpr std::string_view kUpsertTrace = R"sql(
INSERT INTO traces(trace_id, root_span_id, root_name, root_service, services, start_ns, end_ns, duration_ns,
                   span_count, error_count, received_ns, indexed_ns) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(trace_id) DO UPDATE SET
  root_span_id = excluded.root_span_id, root_name = excluded.root_name, root_service = excluded.root_service,
  services = excluded.services, start_ns = excluded.start_ns, end_ns = excluded.end_ns,
  duration_ns = excluded.duration_ns, span_count = excluded.span_count, error_count = excluded.error_count,
  received_ns = excluded.received_ns, indexed_ns = excluded.indexed_ns
)sql";

// Spans kept their dropped counts from version 4 on; older rows read 0.
constexpr std::string_view kDroppedCountsV4 = R"sql(
ALTER TABLE spans ADD COLUMN dropped_attributes_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE spans ADD COLUMN dropped_events_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE spans ADD COLUMN dropped_links_count INTEGER NOT NULL DEFAULT 0;
UPDATE meta SET value = '4' WHERE key = 'schema_version';
)sql";

// Version 5 indexes agent runs (Junjo SDK 0.66) as runs beside workflows:
// the run's runtime id and hook errors for every run, and the agent's own
// facts; agent_operations is new (created by the schema above). Rows written
// before read NULL (`spanline reindex` fills them from what the WAL holds).
constexpr std::string_view kAgentRunsV5 = R"sql(
ALTER TABLE workflow_runs ADD COLUMN runtime_id TEXT;
ALTER TABLE workflow_runs ADD COLUMN hook_errors TEXT;
ALTER TABLE workflow_runs ADD COLUMN agent_key TEXT;
ALTER TABLE workflow_runs ADD COLUMN outcome TEXT;
ALTER TABLE workflow_runs ADD COLUMN termination_reason TEXT;
ALTER TABLE workflow_runs ADD COLUMN usage TEXT;
ALTER TABLE workflow_runs ADD COLUMN agent_counts TEXT;
ALTER TABLE workflow_runs ADD COLUMN terminal_commit_failure TEXT;
UPDATE meta SET value = '5' WHERE key = 'schema_version';
)sql";

// Indexes the schema of version 1 lacked (created after the migration below),
// and one that went: spans(received_ns), dropped in version 3: retention finds traces by their
// summary's received_ns, so that index was written on every span and never read.
constexpr std::string_view kIndexChangesSinceV1 = R"sql(
CREATE INDEX IF NOT EXISTS traces_indexed ON traces(indexed_ns);
CREATE INDEX IF NOT EXISTS traces_root_service ON traces(root_service);
DROP INDEX IF EXISTS spans_received;
)sql";

// Whether `table` has `column`. The probe is finished when this returns: a
// live statement on a table keeps it from being dropped.
Result<bool> has_column(Database& db, std::string_view table, std::string_view column) {
  auto probe = db.prepare("SELECT count(*) FROM pragma_table_info(?) WHERE name = ?");
  if (!probe) return probe.status();
  probe->bind_text(1, table).bind_text(2, column);
  auto row = probe->step();
  if (!row) return row.status();
  return *row && probe->column_int(0) > 0;
}

// Runs `migration` in one transaction when `table` lacks `column` (the
// column the migration adds: its presence says the migration ran).
Status migrate_unless_column(Database& db, std::string_view table, std::string_view column, std::string_view migration) {
  auto has = has_column(db, table, column);
  if (!has.is_ok() || *has) return Status::ok();
  if (Status s = db.exec("BEGIN IMMEDIATE"); !s.is_ok()) return s;
  if (Status s = db.exec(migration); !s.is_ok()) {
    (void)db.exec("ROLLBACK");
    return s;
  }
  return db.exec("COMMIT");
}


}  // namespace

std::string shard_path(const std::string& data_dir, uint32_t partition) {
  return data_dir + "/index/part-" + std::to_string(partition) + ".sqlite";
}

Result<std::unique_ptr<Shard>> Shard::open(const std::string& path, uint32_t partition) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  auto db = Database::open(path);
  if (!db) return db.status();
  std::unique_ptr<Shard> shard(new Shard(std::move(db.value()), partition));
  Database& d = *shard->db_;
  // journal_size_limit: SQLite's -wal file never shrinks by itself; under load it grew to ~3x the checkpoint
  // threshold and stayed there (18% of the index folder, bench/results/2026-11-29-index-bytes-before.md); a
  // quiet partition also empties it (truncate_wal_when_quiet). wal_autocheckpoint stays at 10,000 pages: a page
  // dirtied by several commits is written once per checkpoint, and 2,000 doubled the bytes written (issue 31).
  for (std::string_view pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA wal_autocheckpoint=10000",
                                  "PRAGMA journal_size_limit=16777216", "PRAGMA temp_store=MEMORY", "PRAGMA cache_size=-16384"}) {
    if (Status s = d.exec(pragma); !s.is_ok()) return s;
  }
  if (Status s = d.exec(kSchema); !s.is_ok()) return s;
  if (Status s = d.exec(logs::kLogSchema); !s.is_ok()) return s;
  // No query reads spans by start alone (searches go through traces; a trace's spans through (trace_id, span_id);
  // a service's through spans_service_start): 19 B per span written for nothing (issue 31).
  if (Status s = d.exec("DROP INDEX IF EXISTS spans_start"); !s.is_ok()) return s;
  // Version 10's column first (the backfills below read spans through span_body::BodyReader); its rows are converted last.
  if (Status s = migrate_unless_column(d, "spans", "body", "ALTER TABLE spans ADD COLUMN body BLOB"); !s.is_ok()) return s;
  // Version 1 shards lack traces.indexed_ns (when a summary last changed, for the live tail).
  if (auto has = has_column(d, "traces", "indexed_ns"); has.is_ok() && !*has) {
    if (Status s = d.exec("ALTER TABLE traces ADD COLUMN indexed_ns INTEGER; UPDATE meta SET value = '2' WHERE key = 'schema_version'");
        !s.is_ok()) {
      return s;
    }
  }
  if (Status s = d.exec(kIndexChangesSinceV1); !s.is_ok()) return s;
  // Version 9: attribute postings (attributes/attribute_index.h); the attribute rows of schema 2 to 8 become postings.
  if (Status s = attributes::AttributeIndex::create(d); !s.is_ok()) return s;
  // Version 4: the spans' dropped counts, as sent plus what the indexer cut to fit the span limits.
  if (Status s = migrate_unless_column(d, "spans", "dropped_events_count", kDroppedCountsV4); !s.is_ok()) return s;
  // Version 5: agent runs beside workflow runs.
  if (Status s = migrate_unless_column(d, "workflow_runs", "runtime_id", kAgentRunsV5); !s.is_ok()) return s;
  if (Status s = d.exec("CREATE INDEX IF NOT EXISTS workflow_runs_runtime ON workflow_runs(runtime_id)"); !s.is_ok()) return s;
  // Version 6: llm_calls, filled once from the spans a shard already holds.
  if (Status s = llm::backfill_calls(d); !s.is_ok()) return s;
  // Version 7: sessions (stages/indexer/sessions/), filled once from the spans a shard already holds.
  if (Status s = d.exec(sessions::kSessionSchema); !s.is_ok()) return s;
  if (Status s = sessions::backfill(d); !s.is_ok()) return s;
  // Version 8: the LLM usage rolled up by minute and hour, kept by triggers on llm_calls, filled once from it.
  if (Status s = llm::create_usage_rollup(d); !s.is_ok()) return s;
  if (Status s = llm::fill_usage_rollup(d, kSchemaVersion); !s.is_ok()) return s;
  // Version 10: span bodies (span_body/) and the contentless full-text index (search/). Last: the steps above read
  // the JSON columns of older rows, which the migration empties.
  if (Status s = span_body::BodyWriter::create(d); !s.is_ok()) return s;
  if (Status s = search::SearchIndex::create(d); !s.is_ok()) return s;
  if (Status s = shard->bodies_.prepare(d); !s.is_ok()) return s;
  if (Status s = shard->search_.prepare(d); !s.is_ok()) return s;
  if (Status s = span_body::migrate_to_bodies(d, shard->bodies_, shard->search_); !s.is_ok()) return s;
  if (Status s = d.exec("INSERT OR IGNORE INTO meta VALUES('schema_version', '" + std::to_string(kSchemaVersion) +
                        "'), ('partition', '" + std::to_string(partition) + "')");
      !s.is_ok()) {
    return s;
  }
  auto check = d.prepare("SELECT value FROM meta WHERE key = 'partition'");
  if (!check) return check.status();
  if (auto row = check->step(); row.is_ok() && *row && check->column_text(0) != std::to_string(partition)) {
    return Status(Code::failed_precondition, path + " holds partition " + check->column_text(0) + ", not " +
                                                 std::to_string(partition));
  }
  auto cursor = d.prepare("SELECT sequence FROM cursor WHERE partition = ?");
  if (!cursor) return cursor.status();
  cursor->bind(1, static_cast<int64_t>(partition));
  if (auto row = cursor->step(); row.is_ok() && *row) shard->cursor_ = static_cast<uint64_t>(cursor->column_int(0));
  auto wal_log = d.prepare("SELECT value FROM meta WHERE key = 'wal_log'");
  if (!wal_log) return wal_log.status();
  if (auto row = wal_log->step(); row.is_ok() && *row) shard->wal_log_ = wal_log->column_text(0);
  auto base = d.prepare("SELECT value FROM meta WHERE key = 'wal_sequence_base'");
  if (!base) return base.status();
  if (auto row = base->step(); row.is_ok() && *row) {
    const std::string text = base->column_text(0);
    if (std::from_chars(text.data(), text.data() + text.size(), shard->log_sequence_base_).ec != std::errc()) {
      return Status(Code::internal, path + ": meta wal_sequence_base is not a number: " + text);
    }
  }
  if (Status s = shard->prepare_statements(); !s.is_ok()) return s;
  if (Status s = shard->attributes_.prepare(d); !s.is_ok()) return s;
  if (Status s = shard->logs_.prepare(d); !s.is_ok()) return s;
  if (Status s = shard->sessions_.prepare(d); !s.is_ok()) return s;
  return shard;
}

Status Shard::prepare_statements() {
  struct Entry {
    Statement* target;
    std::string_view sql;
  };
  const Entry entries[] = {
      {&insert_span_,
       "INSERT OR IGNORE INTO spans(trace_id, span_id, parent_span_id, service, name, kind, start_ns, end_ns, duration_ns, "
       "status_code, status_message, trace_state, flags, scope_name, scope_version, body, junjo_span_type, received_ns, "
       "wal_sequence, dropped_attributes_count, dropped_events_count, dropped_links_count) "
       "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"},
      {&upsert_operation_,
       "INSERT INTO operations(service, name, span_count, last_seen_ns) VALUES(?, ?, 1, ?) ON CONFLICT(service, name) "
       "DO UPDATE SET span_count = span_count + 1, last_seen_ns = max(last_seen_ns, excluded.last_seen_ns)"},
      {&insert_run_,
       "INSERT OR IGNORE INTO workflow_runs(trace_id, span_id, parent_span_id, name, service, span_type, start_ns, end_ns, "
       "duration_ns, status_code, cancelled, node_count, contract_version, store_id, parent_store_id, state_start, "
       "state_end, graph, graph_format, received_ns, runtime_id, hook_errors, agent_key, outcome, termination_reason, usage, "
       "agent_counts, terminal_commit_failure) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"},
      {&insert_agent_operation_,
       "INSERT OR IGNORE INTO agent_operations(trace_id, span_id, runtime_id, sequence, operation_type, cancelled, "
       "model_ordinal, model_provider, model_name, response_type, usage, state_revision, tool_name, tool_call_id, "
       "tool_call_ordinal, requested_arguments, arguments, result, result_unavailable_reason, state_revision_before, "
       "state_revision_after) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"},
      {&insert_change_,
       "INSERT OR IGNORE INTO state_changes(trace_id, span_id, event_index, store_id, store_name, action, patch, "
       "transition_sequence, time_ns, revision_before, revision_after) VALUES(?,?,?,?,?,?,?,?,?,?,?)"},
      {&trace_spans_, kTraceSpans},
      {&upsert_trace_, kUpsertTrace},
      {&refresh_run_counts_,
       "UPDATE workflow_runs SET state_change_count = (SELECT count(*) FROM state_changes s WHERE s.trace_id = "
       "workflow_runs.trace_id AND s.store_id = workflow_runs.store_id) WHERE trace_id = ?"},
      {&insert_llm_call_, llm::kInsertCallSql},
      {&save_cursor_, "INSERT INTO cursor(partition, sequence) VALUES(?, ?) ON CONFLICT(partition) DO UPDATE SET sequence = excluded.sequence"},
  };
  for (const Entry& entry : entries) {
    auto statement = db_->prepare(entry.sql);
    if (!statement) return statement.status();
    *entry.target = std::move(statement.value());
  }
  return Status::ok();
}

Result<ApplyStats> Shard::apply(const std::vector<BatchEntry>& batch, uint64_t last_sequence) {
  ApplyStats stats;
  if (Status s = db_->exec("BEGIN IMMEDIATE"); !s.is_ok()) return s;
  auto fail = [this](Status status) -> Result<ApplyStats> {
    (void)db_->exec("ROLLBACK");
    attributes_.transaction_rolled_back();
    return status;
  };
  if (Status st = bodies_.begin_batch(); !st.is_ok()) return fail(st);
  std::set<std::string> touched;
  for (const BatchEntry& entry : batch) {
    logs::LogApplyStats logged;
    if (Status st = logs_.write(*db_, log_sequence_base_ + entry.sequence, entry.received_ns, entry.logs, logged); !st.is_ok()) {
      return fail(st);
    }
    stats.logs_written += logged.written;
    stats.logs_duplicate += logged.duplicate;
    for (const SpanRecord& span : entry.spans) {
      const std::string search_text = search::text_of(span);
      auto body = bodies_.encode({span.attributes_json, span.events_json, span.links_json, span.resource_json, span.scope_json, search_text});
      if (!body) return fail(body.status());
      Statement& s = insert_span_;
      s.bind_blob(1, span.trace_id).bind_blob(2, span.span_id);
      if (span.parent_span_id.empty()) s.bind_null(3);
      else s.bind_blob(3, span.parent_span_id);
      s.bind_text(4, span.service).bind_text(5, span.name).bind(6, span.kind).bind(7, span.start_ns).bind(8, span.end_ns);
      s.bind(9, span.end_ns - span.start_ns).bind(10, span.status_code).bind_text(11, span.status_message);
      s.bind_text(12, span.trace_state).bind(13, static_cast<int64_t>(span.flags)).bind_text(14, span.scope_name);
      s.bind_text(15, span.scope_version).bind_blob(16, *body);
      if (span.junjo_span_type.empty()) s.bind_null(17);
      else s.bind_text(17, span.junjo_span_type);
      s.bind(18, entry.received_ns).bind(19, static_cast<int64_t>(entry.sequence));
      s.bind(20, static_cast<int64_t>(span.dropped_attributes_count)).bind(21, static_cast<int64_t>(span.dropped_events_count));
      s.bind(22, static_cast<int64_t>(span.dropped_links_count));
      if (Status st = s.run(); !st.is_ok()) return fail(st);
      if (db_->changes() == 0) {
        ++stats.spans_duplicate;  // a retry or a replay: the first copy stays
        continue;
      }
      int64_t rowid = db_->last_insert_rowid();
      ++stats.spans_written;
      touched.insert(span.trace_id);
      auto indexed = attributes_.write(rowid, span);
      if (!indexed) return fail(indexed.status());
      stats.attribute_rows += *indexed;
      if (Status st = search_.write(rowid, search_text); !st.is_ok()) return fail(st);
      if (Status st = upsert_operation_.bind_text(1, span.service).bind_text(2, span.name).bind(3, span.start_ns).run(); !st.is_ok())
        return fail(st);
      if (Status st = llm::write_call(insert_llm_call_, span); !st.is_ok()) return fail(st);
      if (Status st = sessions_.mark(span); !st.is_ok()) return fail(st);
      if (span.workflow) {
        const WorkflowFacts& w = *span.workflow;
        Statement& r = insert_run_;
        r.bind_blob(1, span.trace_id).bind_blob(2, span.span_id);
        if (span.parent_span_id.empty()) r.bind_null(3);
        else r.bind_blob(3, span.parent_span_id);
        r.bind_text(4, span.name).bind_text(5, span.service).bind_text(6, w.span_type).bind(7, span.start_ns);
        r.bind(8, span.end_ns).bind(9, span.end_ns - span.start_ns).bind(10, span.status_code).bind(11, w.cancelled ? 1 : 0);
        if (w.node_count >= 0) r.bind(12, w.node_count);
        else r.bind_null(12);
        r.bind(13, w.contract_version).bind_text(14, w.store_id).bind_text(15, w.parent_store_id);
        r.bind_text(16, w.state_start).bind_text(17, w.state_end).bind_text(18, w.graph).bind_text(19, w.graph_format);
        r.bind(20, entry.received_ns);
        r.bind_text_or_null(21, w.runtime_id);
        r.bind_text_or_null(22, w.hook_errors);
        const AgentRunFacts no_agent;
        const AgentRunFacts& a = w.agent ? *w.agent : no_agent;
        r.bind_text_or_null(23, a.key);
        r.bind_text_or_null(24, a.outcome);
        r.bind_text_or_null(25, a.termination_reason);
        r.bind_text_or_null(26, a.usage);
        r.bind_text_or_null(27, a.counts);
        r.bind_text_or_null(28, a.terminal_commit_failure);
        if (Status st = r.run(); !st.is_ok()) return fail(st);
      }
      if (span.agent_operation) {
        const AgentOperationFacts& o = *span.agent_operation;
        Statement& op = insert_agent_operation_;
        op.bind_blob(1, span.trace_id).bind_blob(2, span.span_id);
        op.bind_text_or_null(3, o.runtime_id);
        op.bind_optional(4, o.sequence);
        op.bind_text_or_null(5, o.type);
        op.bind(6, o.cancelled ? 1 : 0);
        op.bind_optional(7, o.model_ordinal);
        op.bind_text_or_null(8, o.model_provider);
        op.bind_text_or_null(9, o.model_name);
        op.bind_text_or_null(10, o.response_type);
        op.bind_text_or_null(11, o.usage);
        op.bind_optional(12, o.state_revision);
        op.bind_text_or_null(13, o.tool_name);
        op.bind_text_or_null(14, o.tool_call_id);
        op.bind_optional(15, o.tool_call_ordinal);
        op.bind_text_or_null(16, o.requested_arguments);
        op.bind_text_or_null(17, o.arguments);
        op.bind_text_or_null(18, o.result);
        op.bind_text_or_null(19, o.result_unavailable_reason);
        op.bind_optional(20, o.state_revision_before);
        op.bind_optional(21, o.state_revision_after);
        if (Status st = op.run(); !st.is_ok()) return fail(st);
      }
      for (const StateChange& change : span.state_changes) {
        Statement& c = insert_change_;
        c.bind_blob(1, span.trace_id).bind_blob(2, span.span_id).bind(3, change.event_index).bind_text(4, change.store_id);
        c.bind_text(5, change.store_name).bind_text(6, change.action).bind_text(7, change.patch);
        if (change.transition_sequence) c.bind(8, *change.transition_sequence);
        else c.bind_null(8);
        c.bind(9, change.time_ns);
        if (change.revision_before) c.bind(10, *change.revision_before);
        else c.bind_null(10);
        if (change.revision_after) c.bind(11, *change.revision_after);
        else c.bind_null(11);
        if (Status st = c.run(); !st.is_ok()) return fail(st);
      }
    }
  }
  if (Status st = attributes_.flush(); !st.is_ok()) return fail(st);
  if (Status st = refresh_traces({touched.begin(), touched.end()}); !st.is_ok()) return fail(st);
  if (Status st = save_cursor_.bind(1, static_cast<int64_t>(partition_)).bind(2, static_cast<int64_t>(last_sequence)).run();
      !st.is_ok())
    return fail(st);
  if (Status st = db_->exec("COMMIT"); !st.is_ok()) return fail(st);
  attributes_.transaction_committed();
  cursor_ = last_sequence;
  return stats;
}

Status Shard::follow_wal_log(const std::string& identity, bool restart_cursor) {
  if (Status s = db_->exec("BEGIN IMMEDIATE"); !s.is_ok()) return s;
  auto fail = [this](Status status) {
    (void)db_->exec("ROLLBACK");
    return status;
  };
  auto keep = db_->prepare("INSERT INTO meta(key, value) VALUES('wal_log', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  if (!keep) return fail(keep.status());
  if (Status s = keep->bind_text(1, identity).run(); !s.is_ok()) return fail(s);
  uint64_t base = log_sequence_base_;
  if (restart_cursor) {
    if (Status s = save_cursor_.bind(1, static_cast<int64_t>(partition_)).bind(2, int64_t{0}).run(); !s.is_ok()) return fail(s);
    // The new log's log records are keyed past every one kept.
    auto highest = db_->prepare("SELECT coalesce(max(wal_sequence), 0) FROM log_records");
    if (!highest) return fail(highest.status());
    if (auto row = highest->step(); !row.is_ok()) return fail(row.status());
    base = std::max(base, static_cast<uint64_t>(highest->column_int(0)));
    auto keep_base = db_->prepare(
        "INSERT INTO meta(key, value) VALUES('wal_sequence_base', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    if (!keep_base) return fail(keep_base.status());
    if (Status s = keep_base->bind_text(1, std::to_string(base)).run(); !s.is_ok()) return fail(s);
  }
  if (Status s = db_->exec("COMMIT"); !s.is_ok()) return fail(s);
  wal_log_ = identity;
  if (restart_cursor) {
    cursor_ = 0;
    log_sequence_base_ = base;
  }
  return Status::ok();
}

bool Shard::merge_search_when_quiet() {
  auto more = search_.merge_step();
  return more.is_ok() && *more;
}

bool Shard::truncate_wal_when_quiet() {
  auto checkpoint = db_->prepare("PRAGMA wal_checkpoint(TRUNCATE)");
  if (!checkpoint) return false;
  auto row = checkpoint->step();  // busy, frames in the WAL, frames checkpointed
  return row.is_ok() && *row && checkpoint->column_int(0) == 0;
}

Status Shard::refresh_trace(const std::string& trace_id, int64_t indexed_ns) {
  // The root is the earliest span without a parent, else the earliest span; services sorted, distinct.
  struct Summary {
    std::string root_span_id, root_name, root_service;
    bool root_has_no_parent = false;
    int64_t root_start = 0, start = 0, end = 0, received = 0, spans = 0, errors = 0;
    std::set<std::string> services;
  } t;
  Statement& rows = trace_spans_;
  rows.bind_blob(1, trace_id);
  while (true) {
    auto row = rows.step();
    if (!row) {
      rows.reset();
      return row.status();
    }
    if (!*row) break;
    const int64_t start = rows.column_int(3), end = rows.column_int(4), received = rows.column_int(6);
    const bool no_parent = rows.column_int(7) != 0;
    const bool first = t.spans == 0;
    if (first || (no_parent && !t.root_has_no_parent) || (no_parent == t.root_has_no_parent && start < t.root_start)) {
      t.root_span_id = rows.column_text(0);
      t.root_name = rows.column_text(1);
      t.root_service = rows.column_text(2);
      t.root_has_no_parent = no_parent;
      t.root_start = start;
    }
    t.services.insert(rows.column_text(2));
    t.start = first ? start : std::min(t.start, start);
    t.end = first ? end : std::max(t.end, end);
    t.received = first ? received : std::min(t.received, received);
    t.errors += rows.column_int(5) == 2;
    ++t.spans;
  }
  rows.reset();
  if (t.spans == 0) return Status::ok();  // every span deleted: the caller removes the summary
  std::string services;
  for (const std::string& service : t.services) services += (services.empty() ? "" : ",") + service;
  Statement& u = upsert_trace_;
  u.bind_blob(1, trace_id).bind_blob(2, t.root_span_id).bind_text(3, t.root_name).bind_text(4, t.root_service);
  u.bind_text(5, services).bind(6, t.start).bind(7, t.end).bind(8, t.end - t.start).bind(9, t.spans).bind(10, t.errors);
  u.bind(11, t.received).bind(12, indexed_ns);
  return u.run();
}

Status Shard::refresh_traces(const std::vector<std::string>& trace_ids) {
  const int64_t indexed_ns = unix_nanos_now();
  for (const std::string& trace_id : trace_ids) {
    if (Status s = refresh_trace(trace_id, indexed_ns); !s.is_ok()) return s;
    if (Status s = refresh_run_counts_.bind_blob(1, trace_id).run(); !s.is_ok()) return s;
    if (Status s = sessions_.refresh(trace_id); !s.is_ok()) return s;
  }
  return Status::ok();
}

Status Shard::delete_traces_where(const std::string& span_condition, const std::vector<std::string>& trace_ids) {
  // Attribute values and text go with their spans (found through the span rows, so first); summaries are
  // recomputed or removed.
  if (Status s = attributes::AttributeIndex::delete_spans(*db_, span_condition, trace_ids); !s.is_ok()) return s;
  if (Status s = search_.delete_spans(span_condition, trace_ids); !s.is_ok()) return s;
  for (std::string_view sql :
       {"DELETE FROM state_changes WHERE trace_id = ?1 AND span_id IN (SELECT span_id FROM spans WHERE trace_id = ?1 AND {c})",
        "DELETE FROM workflow_runs WHERE trace_id = ?1 AND span_id IN (SELECT span_id FROM spans WHERE trace_id = ?1 AND {c})",
        "DELETE FROM agent_operations WHERE trace_id = ?1 AND span_id IN (SELECT span_id FROM spans WHERE trace_id = ?1 AND {c})",
        "DELETE FROM llm_calls WHERE trace_id = ?1 AND span_id IN (SELECT span_id FROM spans WHERE trace_id = ?1 AND {c})",
        sessions::kDeleteMarksSql,
        "DELETE FROM spans WHERE trace_id = ?1 AND {c}"}) {
    if (Status s = run_per_trace(*db_, sql, span_condition, trace_ids); !s.is_ok()) return s;
  }
  if (Status s = refresh_traces(trace_ids); !s.is_ok()) return s;
  auto remove_empty = db_->prepare("DELETE FROM traces WHERE trace_id = ? AND NOT EXISTS (SELECT 1 FROM spans WHERE trace_id = traces.trace_id)");
  if (!remove_empty) return remove_empty.status();
  for (const std::string& trace_id : trace_ids) {
    if (Status s = remove_empty->bind_blob(1, trace_id).run(); !s.is_ok()) return s;
  }
  return Status::ok();
}

Result<uint64_t> Shard::delete_received_before(int64_t received_before_ns, size_t max_traces) {
  if (auto logs = logs_.delete_received_before(*db_, received_before_ns, max_traces * 10, 10); !logs) return logs.status();
  auto find = db_->prepare("SELECT trace_id FROM traces WHERE received_ns < ? LIMIT ?");
  if (!find) return find.status();
  find->bind(1, received_before_ns).bind(2, static_cast<int64_t>(max_traces));
  std::vector<std::string> trace_ids;
  while (true) {
    auto row = find->step();
    if (!row) return row.status();
    if (!*row) break;
    trace_ids.push_back(find->column_text(0));
  }
  if (trace_ids.empty()) return uint64_t{0};
  if (Status s = db_->exec("BEGIN IMMEDIATE"); !s.is_ok()) return s;
  Status deleted = delete_traces_where("received_ns < " + std::to_string(received_before_ns), trace_ids);
  if (!deleted.is_ok()) {
    (void)db_->exec("ROLLBACK");
    return deleted;
  }
  if (Status s = db_->exec("COMMIT"); !s.is_ok()) return s;
  return static_cast<uint64_t>(trace_ids.size());
}

Result<uint64_t> Shard::delete_service(const std::string& service, int64_t before_ns) {
  auto find = db_->prepare("SELECT DISTINCT trace_id FROM spans WHERE service = ? AND start_ns < ?");
  if (!find) return find.status();
  find->bind_text(1, service).bind(2, before_ns);
  std::vector<std::string> trace_ids;
  while (true) {
    auto row = find->step();
    if (!row) return row.status();
    if (!*row) break;
    trace_ids.push_back(find->column_text(0));
  }
  if (Status s = db_->exec("BEGIN IMMEDIATE"); !s.is_ok()) return s;
  // The service name goes in as a bound value, never spliced into SQL.
  auto condition = "service = " + std::string("(SELECT value FROM temp_delete_service)") + " AND start_ns < " + std::to_string(before_ns);
  Status staged = db_->exec("CREATE TEMP TABLE IF NOT EXISTS temp_delete_service(value TEXT); DELETE FROM temp_delete_service");
  auto stage = db_->prepare("INSERT INTO temp_delete_service VALUES(?)");
  if (!staged.is_ok() || !stage || !stage->bind_text(1, service).run().is_ok()) {
    (void)db_->exec("ROLLBACK");
    return Status(Code::internal, "could not stage the service to delete");
  }
  Status deleted = delete_traces_where(condition, trace_ids);
  if (deleted.is_ok()) deleted = logs_.delete_service(*db_, service, before_ns);
  if (deleted.is_ok()) {
    auto ops = db_->prepare("DELETE FROM operations WHERE service = ? AND NOT EXISTS (SELECT 1 FROM spans WHERE service = operations.service)");
    if (ops) deleted = ops->bind_text(1, service).run();
  }
  if (!deleted.is_ok()) {
    (void)db_->exec("ROLLBACK");
    return deleted;
  }
  if (Status s = db_->exec("COMMIT"); !s.is_ok()) return s;
  return static_cast<uint64_t>(trace_ids.size());
}

}  // namespace spanline::indexer
