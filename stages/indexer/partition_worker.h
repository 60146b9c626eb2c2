#pragma once
// Keeps one partition's shard in step with the WAL: read the entries after the
// shard's cursor (long-poll), decode them (spans and log records; metrics
// entries are passed over), gather reads for up to --commit-interval, apply
// them as one transaction with the new cursor, report the cursor to the WAL
// (for retention), repeat.
//
// Threads: one thread per partition; the WALs' request clients are shared.
// Which WAL to read from is asked before every read (the partition's owner,
// protocol/wal/wal_map.h), so a partition that moves WAL is followed.
// Failures: a WAL that does not answer, or a partition no WAL has claimed, is
// retried with backoff; an entry that
// does not decode is logged and counted, and skipped only after it is recorded,
// never silently; a shard write that fails is retried from the same cursor.
// A read refused with failed_precondition means another indexer holds the
// partition: a static indexer (--partitions) logs it and retries (the lease may
// come free); a group member is fenced: it drops what it read and ends, and
// fenced() says so (the stage stops answering the partition).
// A read whose first retained entry lies past the cursor means the WAL deleted
// entries this shard never read. A worker told to stop_on_gap() (a group
// member: a replica further along may hold them) commits what it read and
// ends, and gap() names the first entry the WAL still holds; otherwise it logs
// the gap and goes on past it (so does one told to except a gap where it
// starts, for that one only).
// Memory: entries are decoded span by span within the span limits, and decoded
// spans are written whenever they hold --max-decoded-batch-bytes, so a batch
// of any shape is held at most that much decoded (a write in the middle of an
// entry keeps the cursor before it: a crash replays the entry, and the spans
// already written are ignored as duplicates).
// Stopping: what was read and not yet written is written before the thread
// ends. request_stop() ends a pending read or backoff at once, without
// waiting for the WAL's answer (a WAL stopped at the same moment never sends
// one); a shard write in progress is finished first, so the cursor and rows stay
// in one transaction. Stop every worker with request_stop() before joining any
// with stop(), so their waits end together rather than one after another.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "bus/request_client.h"
#include "bus/stats.h"
#include "protocol/span_limits.h"
#include "stages/indexer/deletions.h"
#include "stages/indexer/indexer_config.h"
#include "stages/indexer/shard.h"

namespace spanline::indexer {

// The client of the WAL that owns a partition now (unavailable: none known).
using WalOwner = std::function<Result<bus::RequestClient*>(uint32_t partition)>;

class PartitionWorker {
 public:
  // `group_member`: reads refused as fenced end the worker (see above).
  PartitionWorker(const IndexerConfig& config, std::unique_ptr<Shard> shard, WalOwner wal, bus::StatsRegistry& stats,
                  bool group_member = false);
  ~PartitionWorker();

  void start();
  void request_stop();  // returns at once; the worker ends within milliseconds
  void stop();          // request_stop(), then waits for the worker to end

  uint32_t partition() const { return partition_; }
  uint64_t committed() const { return progress_->committed.load(); }
  uint64_t wal_head() const { return progress_->wal_head.load(); }
  // The WAL refused this group member's read: the partition is someone else's now.
  bool fenced() const { return fenced_.load(); }
  // A group member's reads carry the epoch of the assignment it reads under (the WAL fences by it).
  void set_epoch(uint64_t epoch) { epoch_ = epoch; }
  // Before start(): end at a gap in the WAL instead of reading past it (see above); with
  // `except_where_it_starts`, a gap at its first read is read past and only later ones end it.
  void stop_on_gap(bool except_where_it_starts = false) {
    stop_on_gap_ = true;
    read_past_starting_gap_ = except_where_it_starts;
  }
  // The first entry the WAL still held when this worker ended at a gap; 0: it did not.
  uint64_t gap() const { return gap_.load(); }
  // The identity of the WAL log its shard's cursor counts in ("": not known yet).
  std::string wal_log() const {
    std::lock_guard lock(wal_log_mutex_);
    return wal_log_;
  }

 private:
  // What the stats gauges read. Shared with them: the registry keeps a gauge
  // after its worker is gone (a partition moved away), and reads it as not lagging.
  struct Progress {
    std::atomic<uint64_t> committed{0};
    std::atomic<uint64_t> wal_head{0};
    std::atomic<int64_t> last_received_ns{0};  // WAL receive time of the last entry indexed
    std::atomic<bool> running{true};
  };

  // Where the request client's I/O thread leaves a read's answer and where
  // request_stop() interrupts the wait for it. Shared with the read's callback,
  // which may run after this worker is gone (an abandoned read answered late).
  struct Mailbox {
    std::mutex mutex;
    std::condition_variable changed;
    std::optional<Result<bus::Message>> reply;
    bool stopping = false;
  };

  void run();
  // Writes `batch` and moves the cursor to `through`; false (counted, logged) when the write failed.
  bool write(const std::vector<BatchEntry>& batch, uint64_t through);
  // The WAL's answer to `read`, or nothing when a stop came first.
  std::optional<Result<bus::Message>> read_from_wal(bus::Header read);
  // Sleeps for `pause` unless a stop comes first; false when it did.
  bool pause_unless_stopped(std::chrono::milliseconds pause);

  const IndexerConfig& config_;
  std::unique_ptr<Shard> shard_;
  const uint32_t partition_;
  WalOwner wal_;
  const bool group_member_;
  std::atomic<bool> fenced_{false};
  bool stop_on_gap_ = false;
  bool read_past_starting_gap_ = false;
  std::atomic<uint64_t> gap_{0};
  mutable std::mutex wal_log_mutex_;
  std::string wal_log_;  // the shard's, copied for other threads
  std::atomic<uint64_t> epoch_{0};
  std::shared_ptr<Progress> progress_ = std::make_shared<Progress>();
  Deletions deletions_;
  const SpanLimits limits_;  // the gateway's defaults: a span past them is trimmed here too
  std::atomic<bool> stopping_{false};
  std::shared_ptr<Mailbox> mailbox_ = std::make_shared<Mailbox>();
  bool wal_dirty_ = true;  // written since the shard's -wal file was last emptied (this thread only)
  std::atomic<uint64_t>& spans_indexed_;
  std::atomic<uint64_t>& spans_duplicate_;
  std::atomic<uint64_t>& entries_undecodable_;
  std::atomic<uint64_t>& spans_trimmed_;
  std::atomic<uint64_t>& logs_indexed_;
  std::atomic<uint64_t>& logs_duplicate_;
  std::atomic<uint64_t>& read_errors_;
  std::atomic<uint64_t>& write_errors_;
  std::atomic<uint64_t>& index_commits_;  // shard transactions: each writes its dirtied pages twice
  std::thread thread_;
};

}  // namespace spanline::indexer
