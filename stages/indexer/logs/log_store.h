#pragma once
// The shard's log records: the log_records table, its indexes and its
// full-text table (log_text), written inside the shard's transactions.
//
// Key: (wal_sequence, record_index), the record's place in the WAL. A WAL
// entry replayed after a crash (or re-read after a write in its middle)
// writes the same keys, so INSERT OR IGNORE keeps one row per record. Why not
// a content key: OTLP log records have no identity, and two identical
// records (the same line logged twice in one clock tick) are two events; and
// the gateway appends logs round-robin over partitions, so a client's retry
// lands in another shard, where no per-shard key could catch it anyway.
//
// Threads: one LogWriter per Shard, used by the shard's one writer.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/sqlite/sqlite_db.h"
#include "base/status.h"
#include "stages/indexer/logs/log_record.h"

namespace spanline::indexer::logs {

// CREATE ... IF NOT EXISTS for the tables and indexes: run on every open, so
// a shard made before logs were indexed gains them (no migration needed).
extern const std::string_view kLogSchema;

struct LogApplyStats {
  uint64_t written = 0;
  uint64_t duplicate = 0;
};

class LogWriter {
 public:
  Status prepare(Database& db);

  // Writes `records` of the WAL entry `sequence` (received at `received_ns`),
  // inside the caller's transaction.
  Status write(Database& db, uint64_t sequence, int64_t received_ns, const std::vector<LogRecord>& records, LogApplyStats& stats);

  // A service's records with a time before `before_ns`, inside the caller's transaction.
  Status delete_service(Database& db, const std::string& service, int64_t before_ns);

  // Records received before `received_before_ns`, oldest first, in
  // transactions of at most `chunk` records, at most `max_chunks` of them.
  // Records are read in rowid (insertion, so WAL) order and deleted up to the
  // first one received later, so no index on the receive time is needed.
  Result<uint64_t> delete_received_before(Database& db, int64_t received_before_ns, size_t chunk, size_t max_chunks);

 private:
  Statement insert_record_, insert_text_;
};

}  // namespace spanline::indexer::logs
