#pragma once
// The wal stage's bus side: one ROUTER socket for appends, reads and pings.
//
// How it works: appends go to the group committer and are acknowledged after
// their batch is synced. Reads are answered from the log up to the durable
// head; a read with nothing new waits in ParkedReads until an append to its
// partition is synced or its wait runs out (long-poll). A read also claims its
// partition for the reading instance (PartitionLeases) and reports the
// consumer's committed sequence (ConsumerCursors), which Retention honours.
// Every reply carries the log's partition count.
//
// Threads: run() owns the socket on its own thread (the leases and parked reads
// live there too); the committer's completions come back through a queue and
// an eventfd. Retention runs on its own thread.

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include <zmq.hpp>

#include "bus/envelope.h"
#include "bus/stats.h"
#include "stages/wal/consumer_cursors.h"
#include "stages/wal/group_commit.h"
#include "stages/wal/log_store.h"
#include "stages/wal/parked_reads.h"
#include "stages/wal/partition_leases.h"
#include "stages/wal/retention.h"
#include "stages/wal/wal_config.h"

namespace spanline::wal {

// The WAL's exit code after a failed write (EX_TEMPFAIL): restart it.
inline constexpr int kExitAfterWriteFailure = 75;

class WalServer {
 public:
  // `partitions`: the log's count (settle_partition_count), announced in every reply and the stats.
  WalServer(WalConfig config, uint32_t partitions, LogStore& store, bus::Context& context, bus::StatsRegistry& stats);
  ~WalServer();

  // Binds and starts the threads; throws on a bad endpoint (start-up).
  void start();
  // Finishes queued appends, answers them, and stops.
  void stop();

 private:
  struct Appender {
    std::string routing_id;
    uint64_t request_id = 0;
  };

  void run();
  void handle(bus::Message& message);
  void handle_append(bus::Message& message);
  void handle_read(bus::Message& message);
  void answer_read(const ReadRequest& read);
  void on_committed();
  [[noreturn]] void exit_after_write_failure();
  void reply_error(const std::string& routing_id, uint64_t request_id, const Status& status);
  // Every reply carries the partition count, so whoever talks to the WAL learns it.
  bus::Header reply_header(bus::MessageType type, uint64_t request_id) const;
  Status check_partition(int32_t partition, std::string_view what) const;

  WalConfig config_;
  const uint32_t partitions_;
  LogStore& store_;
  bus::Context& context_;
  bus::StatsRegistry& stats_;
  std::unique_ptr<zmq::socket_t> socket_;
  std::unique_ptr<GroupCommitter> committer_;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> bus_stop_{false};  // set once the committer has drained
  std::thread bus_thread_;

  std::mutex committed_mutex_;
  std::deque<CommittedBatch> committed_;

  // Bus thread only.
  uint64_t next_token_ = 1;
  std::unordered_map<uint64_t, Appender> appenders_;
  ParkedReads parked_;
  PartitionLeases leases_;

  std::atomic<uint64_t>& appends_;
  std::atomic<uint64_t>& items_appended_;
  std::atomic<uint64_t>& bytes_appended_;
  std::atomic<uint64_t>& append_errors_;
  std::atomic<uint64_t>& reads_;
  std::atomic<uint64_t>& entries_served_;
  std::atomic<uint64_t>& entries_deleted_;
  std::atomic<uint64_t>& bad_messages_;

  ConsumerCursors cursors_;
  Retention retention_;
};

}  // namespace spanline::wal
