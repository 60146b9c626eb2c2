#pragma once
// The wal stage's bus side: one ROUTER socket for appends, reads and pings.
//
// How it works: appends go to the group committer and are acknowledged after
// their batch is synced. Reads are answered from the log up to the durable head;
// a read with nothing new is parked until an append to its partition is synced
// or its wait runs out (long-poll), so consumers see new data within
// milliseconds without busy polling. A read also reports the consumer's
// committed sequence, which retention honours.
//
// Threads: run() owns the socket on its own thread; the committer's completions
// come back through a queue and an eventfd. A maintenance thread runs retention
// and measures the disk.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
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
#include "stages/wal/group_commit.h"
#include "stages/wal/log_store.h"
#include "protocol/wal/partitions.h"
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
  struct Waiter {
    std::string routing_id;
    uint64_t request_id = 0;
    uint64_t after = 0;
    uint64_t max_entries = 0;
    uint64_t max_bytes = 0;
    std::chrono::steady_clock::time_point deadline;
  };
  struct Appender {
    std::string routing_id;
    uint64_t request_id = 0;
  };

  void run();
  void maintain();
  void handle(bus::Message& message);
  void handle_append(bus::Message& message);
  void handle_read(bus::Message& message);
  void answer_read(const std::string& routing_id, uint64_t request_id, uint32_t partition, uint64_t after,
                   uint64_t max_entries, uint64_t max_bytes);
  void on_committed();
  [[noreturn]] void exit_after_write_failure();
  void expire_waiters(std::chrono::steady_clock::time_point now);
  void reply_error(const std::string& routing_id, uint64_t request_id, const Status& status);
  // Every reply carries the partition count, so whoever talks to the WAL learns it.
  bus::Header reply_header(bus::MessageType type, uint64_t request_id) const;
  Status check_partition(int32_t partition, std::string_view what) const;
  void note_cursor(uint32_t partition, const std::string& consumer, uint64_t committed);

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
  std::thread maintenance_thread_;

  std::mutex committed_mutex_;
  std::deque<CommittedBatch> committed_;

  // Bus thread only.
  uint64_t next_token_ = 1;
  std::unordered_map<uint64_t, Appender> appenders_;
  std::map<uint32_t, std::vector<Waiter>> waiters_;
  size_t waiter_count_ = 0;

  struct Owner {
    std::string instance;
    std::chrono::steady_clock::time_point last_read;
  };
  std::map<std::pair<uint32_t, std::string>, Owner> owners_;  // bus thread only

  std::mutex cursors_mutex_;
  std::map<std::pair<uint32_t, std::string>, uint64_t> cursors_;
  std::atomic<uint64_t> disk_bytes_{0};
  std::mutex maintenance_mutex_;
  std::condition_variable maintenance_wake_;

  std::atomic<uint64_t>& appends_;
  std::atomic<uint64_t>& items_appended_;
  std::atomic<uint64_t>& bytes_appended_;
  std::atomic<uint64_t>& append_errors_;
  std::atomic<uint64_t>& reads_;
  std::atomic<uint64_t>& entries_served_;
  std::atomic<uint64_t>& entries_deleted_;
  std::atomic<uint64_t>& bad_messages_;
};

}  // namespace spanline::wal
