#pragma once
// The WAL's maintenance thread: measures the log's disk use once a second and
// deletes entries that every consumer group has committed once they are older
// than --wal-retention.
//
// How it works: every --wal-maintenance-interval, for each partition, entries
// up to the lowest sequence every group committed are scanned oldest first and
// deleted (one DeleteRange) as far as they were received before the cutoff.
// Past 90% of --wal-disk-budget the window yields: consumed entries go at
// once (checked every second) and the log is compacted, since deleted ranges
// free no disk until then; otherwise a stalled consumer that caught up would
// keep appends refused for the rest of the window.
//
// Threads: its own; disk_bytes() from any thread.
// Failures: a failed delete is logged and tried again next time.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "stages/wal/consumer_cursors.h"
#include "stages/wal/log_store.h"
#include "stages/wal/wal_config.h"

namespace spanline::wal {

class Retention {
 public:
  Retention(const WalConfig& config, LogStore& store, const ConsumerCursors& cursors, std::atomic<uint64_t>& entries_deleted);
  ~Retention();

  void start();
  void stop();  // returns once the thread has ended

  // The log's size on disk, measured once a second.
  uint64_t disk_bytes() const { return disk_bytes_.load(); }

 private:
  void run();
  // Deletes what may go; true when anything was deleted.
  bool delete_consumed(bool near_budget);

  const WalConfig& config_;
  LogStore& store_;
  const ConsumerCursors& cursors_;
  std::atomic<uint64_t>& entries_deleted_;
  std::atomic<uint64_t> disk_bytes_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace spanline::wal
