#pragma once
// Keeps one partition's shard in step with the WAL: read the entries after the
// shard's cursor (long-poll), decode them, apply them as one transaction with
// the new cursor, report the cursor to the WAL (for retention), repeat.
//
// Threads: one thread per partition; the request client is shared.
// Failures: a WAL that does not answer is retried with backoff; an entry that
// does not decode is logged and counted, and skipped only after it is recorded,
// never silently; a shard write that fails is retried from the same cursor.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "bus/request_client.h"
#include "bus/stats.h"
#include "stages/indexer/deletions.h"
#include "stages/indexer/indexer_config.h"
#include "stages/indexer/shard.h"

namespace spanline::indexer {

class PartitionWorker {
 public:
  PartitionWorker(const IndexerConfig& config, std::unique_ptr<Shard> shard, bus::RequestClient& wal, bus::StatsRegistry& stats);
  ~PartitionWorker();

  void start();
  void stop();

  uint64_t committed() const { return shard_->cursor(); }
  uint64_t wal_head() const { return wal_head_.load(); }

 private:
  void run();

  const IndexerConfig& config_;
  std::unique_ptr<Shard> shard_;
  bus::RequestClient& wal_;
  Deletions deletions_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> wal_head_{0};
  std::atomic<int64_t> last_received_ns_{0};  // WAL receive time of the last entry indexed
  std::atomic<uint64_t>& spans_indexed_;
  std::atomic<uint64_t>& spans_duplicate_;
  std::atomic<uint64_t>& entries_undecodable_;
  std::atomic<uint64_t>& read_errors_;
  std::atomic<uint64_t>& write_errors_;
  std::thread thread_;
};

}  // namespace spanline::indexer
