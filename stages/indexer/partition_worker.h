#pragma once
// Keeps one partition's shard in step with the WAL: read the entries after the
// shard's cursor (long-poll), decode them (spans and log records; metrics
// entries are passed over), gather reads for up to --commit-interval, apply
// them as one transaction with the new cursor, report the cursor to the WAL
// (for retention), repeat.
//
// Threads: one thread per partition; the request client is shared.
// Failures: a WAL that does not answer is retried with backoff; an entry that
// does not decode is logged and counted, and skipped only after it is recorded,
// never silently; a shard write that fails is retried from the same cursor.
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

class PartitionWorker {
 public:
  PartitionWorker(const IndexerConfig& config, std::unique_ptr<Shard> shard, bus::RequestClient& wal, bus::StatsRegistry& stats);
  ~PartitionWorker();

  void start();
  void request_stop();  // returns at once; the worker ends within milliseconds
  void stop();          // request_stop(), then waits for the worker to end

  uint64_t committed() const { return shard_->cursor(); }
  uint64_t wal_head() const { return wal_head_.load(); }

 private:
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
  bus::RequestClient& wal_;
  Deletions deletions_;
  const SpanLimits limits_;  // the gateway's defaults: a span past them is trimmed here too
  std::atomic<bool> stopping_{false};
  std::shared_ptr<Mailbox> mailbox_ = std::make_shared<Mailbox>();
  std::atomic<uint64_t> wal_head_{0};
  bool wal_dirty_ = true;  // written since the shard's -wal file was last emptied (this thread only)
  std::atomic<int64_t> last_received_ns_{0};  // WAL receive time of the last entry indexed
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
