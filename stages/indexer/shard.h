#pragma once
// One partition's index: a SQLite file (index/part-<p>.sqlite, WAL journal
// mode) holding spans (typed columns and a compressed body: span_body/),
// trace summaries, operations, attribute postings (attributes/), full-text
// search (search/), Junjo runs (workflows, subflows, agents), agent operations
// and state changes, and the WAL cursor.
//
// How it works: apply() writes a whole fetched batch in one transaction and
// stores the WAL sequence it reached in the same transaction, so after a crash
// at any instant the shard and its cursor agree and reading resumes exactly
// where it left off. Spans are unique by (trace_id, span_id): a replayed span is
// ignored. Trace summaries and run counts are recomputed from the rows of the
// traces a batch touched, so out-of-order arrival gives the same result.
//
// Threads: one writer (the partition's ingest thread). Readers open their own
// read-only connections (SQLite WAL mode gives them a consistent snapshot).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "stages/indexer/attributes/attribute_index.h"
#include "stages/indexer/logs/log_store.h"
#include "stages/indexer/search/search_index.h"
#include "stages/indexer/sessions/session_index.h"
#include "stages/indexer/span_body/body_store.h"
#include "stages/indexer/span_record.h"
#include "base/sqlite/sqlite_db.h"

namespace spanline::indexer {

struct BatchEntry {
  uint64_t sequence = 0;
  int64_t received_ns = 0;
  std::vector<SpanRecord> spans;
  std::vector<logs::LogRecord> logs;  // a logs entry's records (stages/indexer/logs/)
};

struct ApplyStats {
  uint64_t spans_written = 0;
  uint64_t spans_duplicate = 0;
  uint64_t attribute_rows = 0;
  uint64_t logs_written = 0;
  uint64_t logs_duplicate = 0;
};

class Shard {
 public:
  static Result<std::unique_ptr<Shard>> open(const std::string& path, uint32_t partition);

  // Writes every span of the batch and moves the cursor to `last_sequence`, atomically.
  Result<ApplyStats> apply(const std::vector<BatchEntry>& batch, uint64_t last_sequence);

  uint64_t cursor() const { return cursor_; }
  uint32_t partition() const { return partition_; }
  // The identity of the WAL log the cursor counts in ("": not yet known: a new shard, or one
  // from before identities). A shard follows a log: taking on another starts the cursor at 0
  // in the same transaction (the rows stay: they are history, not the new log's entries).
  const std::string& wal_log() const { return wal_log_; }
  Status follow_wal_log(const std::string& identity, bool restart_cursor);

  // Deletes rows received before `received_before_ns`, in small transactions
  // (log records too, by their own receive time).
  Result<uint64_t> delete_received_before(int64_t received_before_ns, size_t max_traces);
  // Deletes a service's spans (optionally only those starting before `before_ns`),
  // and its log records with a time before `before_ns`.
  Result<uint64_t> delete_service(const std::string& service, int64_t before_ns);

  // Copies SQLite's WAL into the file and empties it (PRAGMA wal_checkpoint(TRUNCATE)): a partition with
  // nothing to write gives its -wal file's space back instead of keeping it at its high-water mark. Busy
  // readers can keep it from finishing (false); it is then tried at the next quiet moment.
  bool truncate_wal_when_quiet();
  // One bounded step of merging the full-text index's segments (SearchIndex::merge_step); true while more
  // remains. For a quiet partition: a merged index answers a common word ~8x faster.
  bool merge_search_when_quiet();

  Database& db() { return *db_; }

 private:
  Shard(std::unique_ptr<Database> db, uint32_t partition) : db_(std::move(db)), partition_(partition) {}
  Status prepare_statements();
  Status refresh_traces(const std::vector<std::string>& trace_ids);
  Status refresh_trace(const std::string& trace_id, int64_t indexed_ns);
  Status delete_traces_where(const std::string& condition_sql, const std::vector<std::string>& trace_ids);

  std::unique_ptr<Database> db_;
  uint32_t partition_;
  uint64_t cursor_ = 0;
  std::string wal_log_;
  // Added to the WAL sequence that keys a log record: after the shard took on another log (whose
  // sequences count from 1 again), the new log's records must not collide with the old ones' keys.
  uint64_t log_sequence_base_ = 0;
  Statement insert_span_, upsert_operation_, insert_run_, insert_agent_operation_,
      insert_change_, trace_spans_, upsert_trace_, refresh_run_counts_, save_cursor_;
  Statement insert_llm_call_;  // stages/indexer/llm/llm_calls.h
  attributes::AttributeIndex attributes_;  // stages/indexer/attributes/
  search::SearchIndex search_;             // stages/indexer/search/
  span_body::BodyWriter bodies_;           // stages/indexer/span_body/
  logs::LogWriter logs_;
  sessions::SessionIndex sessions_;  // stages/indexer/sessions/
};

std::string shard_path(const std::string& data_dir, uint32_t partition);

}  // namespace spanline::indexer
