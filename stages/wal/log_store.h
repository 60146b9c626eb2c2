#pragma once
// The WAL's durable log on RocksDB: per-partition sequences, synced group
// appends, ordered reads, consumer cursors and retention deletes.
//
// How it works: append() writes all records of one group in a single WriteBatch
// with sync=true and only then assigns them as durable, so a reader can never see
// an entry that a crash could still take away. Sequences start at 1 per
// partition and never repeat, even after retention deleted the old ones.
//
// Threads: append() from one writer thread (the group committer) at a time; all
// other methods from any thread.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <rocksdb/db.h>

#include "base/status.h"
#include "stages/wal/entry_key.h"

namespace spanline::wal {

struct AppendRecord {
  uint32_t partition = 0;
  EntryMeta meta;
  std::string_view payload;
  uint64_t sequence = 0;  // set by append()
};

struct StoredEntry {
  uint64_t sequence = 0;
  EntryMeta meta;
  std::string payload;
};

struct PartitionRange {
  uint64_t first = 0;  // oldest retained sequence; first > head means empty (0: never written)
  uint64_t head = 0;   // newest durable sequence (0: nothing ever appended)
};

struct ReadLimits {
  size_t max_entries = 1000;
  size_t max_bytes = 8 << 20;  // at least one entry is returned even when larger
  uint64_t up_to = UINT64_MAX; // inclusive
};

class LogStore {
 public:
  static Result<std::unique_ptr<LogStore>> open(const std::string& path, bool read_only = false);
  ~LogStore();

  Status append(std::vector<AppendRecord>& records);
  Result<std::vector<StoredEntry>> read(uint32_t partition, uint64_t after, const ReadLimits& limits) const;

  PartitionRange range(uint32_t partition) const;
  std::map<uint32_t, PartitionRange> ranges() const;

  // Cursors are a hint for retention: written without sync, since losing one
  // only makes retention keep more.
  Status save_cursor(uint32_t partition, std::string_view consumer, uint64_t committed);
  std::map<std::pair<uint32_t, std::string>, uint64_t> load_cursors() const;

  // Deletes entries first..last_inclusive of a partition.
  Status delete_through(uint32_t partition, uint64_t last_inclusive);

  // Reads only the value headers of entries in order, for retention decisions.
  // Stops when `keep_going` returns false.
  Status scan_meta(uint32_t partition, uint64_t after, uint64_t up_to,
                   const std::function<bool(uint64_t, const EntryMeta&)>& keep_going) const;

  // The partition count kept in the log (wal/partition_count.h decides it):
  // nothing for a new log, or one written before the count was kept.
  Result<std::optional<uint32_t>> stored_partition_count() const;
  // Keeps the count, synced, so that every later start finds it.
  Status store_partition_count(uint32_t count);

  // The log's identity, made (synced) when the log is first opened for writing: a
  // cursor counts in one log, and a log made afresh (a lost disk) counts from 1
  // again, so readers compare it (bus header `lg`). Empty in a read-only open of
  // a log that never had one.
  const std::string& identity() const { return identity_; }

  uint64_t disk_bytes() const;
  // Flushes and compacts so deleted entries stop taking disk space.
  Status reclaim_space();
  Status verify() const;

  // After a failed write (disk full, I/O error) the store takes no more
  // writes: RocksDB 7.x may write again into the log file that failed (an
  // assertion in Debian's build; a torn log elsewhere). The stage restarts
  // instead, recovering from what is durable; every acked append is.
  bool broken() const;
  const std::string& path() const { return path_; }

  // Appends are refused while the log's filesystem has less free than this:
  // RocksDB must never meet a full disk in the middle of a log write (see
  // broken()), and its memtable flushes need room of their own.
  void keep_free(uint64_t bytes) { min_free_bytes_ = bytes; }

 private:
  // Runs one RocksDB write unless an earlier one failed; a failure breaks the store.
  Status write_guarded(const std::function<rocksdb::Status()>& write, std::string_view what);

  LogStore(std::unique_ptr<rocksdb::DB> db, std::map<uint32_t, PartitionRange> ranges, std::string path);
  static std::map<uint32_t, PartitionRange> recover_ranges(rocksdb::DB& db);

  std::unique_ptr<rocksdb::DB> db_;
  std::string identity_;
  mutable std::mutex ranges_mutex_;
  mutable std::mutex write_mutex_;  // serialises writes, so none follows a failure
  std::optional<Status> broken_;    // the failure, once a write failed; guarded by write_mutex_
  std::string path_;
  uint64_t min_free_bytes_ = 0;
  std::map<uint32_t, PartitionRange> ranges_;
};

}  // namespace spanline::wal
