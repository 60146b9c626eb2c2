#pragma once
// The wal stage's bus side: one ROUTER socket for appends, reads and pings.
//
// How it works: appends go to the group committer and are acknowledged after
// their batch is synced. Reads are answered from the log up to the durable
// head; a read with nothing new waits in ParkedReads until an append to its
// partition is synced or its wait runs out (long-poll). A read also claims its
// partition for the reading instance (PartitionLeases) and reports the
// consumer's committed sequence (ConsumerCursors), which Retention honours.
// Every reply carries the log's partition count, the partitions this WAL owns
// (appends and reads for others are refused UNAVAILABLE, so the sender's map
// sends them to their owner) and this WAL's instance name.
//   Consumer groups whose members `join` have their partitions assigned by
// GroupAssignment instead: a member's reads (they carry the assignment's
// epoch, header `ep`) are fenced by it, not by PartitionLeases, and the
// group's retention cursor is the lowest over the partition's serving replicas.
//
// Threads: run() owns the socket on its own thread (the leases, the group
// assignment and parked reads live there too); the committer's completions come back through a queue and
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
#include <vector>

#include <zmq.hpp>

#include "bus/envelope.h"
#include "bus/stats.h"
#include "stages/wal/consumer_cursors.h"
#include "stages/wal/group_assignment.h"
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
  // `owned`: the partitions this WAL serves (settle_owned_partitions), sorted.
  WalServer(WalConfig config, uint32_t partitions, std::vector<uint32_t> owned, LogStore& store, bus::Context& context,
            bus::StatsRegistry& stats);
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
  void handle_join(bus::Message& message);
  // Member expiry each turn; the assignment in the stats at most once a second.
  void tend_assignment();
  void answer_read(const ReadRequest& read);
  void on_committed();
  [[noreturn]] void exit_after_write_failure();
  void reply_error(const std::string& routing_id, uint64_t request_id, const Status& status);
  // Every reply carries the partition count and the owned partitions, so
  // whoever talks to the WAL learns where each partition lives.
  bus::Header reply_header(bus::MessageType type, uint64_t request_id) const;
  void announce(bus::Header& header) const;
  // In range and owned by this WAL (invalid_argument, else unavailable).
  Status check_partition(int32_t partition, std::string_view what) const;

  WalConfig config_;
  const uint32_t partitions_;
  std::vector<bool> owns_;   // by partition
  std::string owned_text_;   // "0-3": header `ow`, stats info owned_partitions
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
  std::chrono::steady_clock::time_point assignment_published_{};

  std::atomic<uint64_t>& appends_;
  std::atomic<uint64_t>& items_appended_;
  std::atomic<uint64_t>& bytes_appended_;
  std::atomic<uint64_t>& append_errors_;
  std::atomic<uint64_t>& reads_;
  std::atomic<uint64_t>& entries_served_;
  std::atomic<uint64_t>& entries_deleted_;
  std::atomic<uint64_t>& bad_messages_;
  std::atomic<uint64_t>& partition_moves_;
  GroupAssignment assignment_;  // bus thread only

  ConsumerCursors cursors_;
  Retention retention_;
};

}  // namespace spanline::wal
