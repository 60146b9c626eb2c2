#pragma once
// Group commit: one synced write for everything that arrived while the previous
// sync ran. A lone append is written at once; under load, appends queue while a
// sync is in progress and the next round takes all of them, so the number of
// fsyncs per second stays about constant while throughput grows with load.
//
// Threads: submit() from any thread; the write and done callbacks run on the
// committer's own thread, one batch at a time, in order.
// Limits: the queue holds at most `max_pending_bytes` of payload; past that
// submit() refuses with resource_exhausted (backpressure, not buffering).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "base/status.h"
#include "stages/wal/entry_key.h"

namespace spanline::wal {

struct PendingAppend {
  uint64_t token = 0;  // the submitter's handle for matching the completion
  uint32_t partition = 0;
  EntryMeta meta;
  zmq::message_t payload;
  uint64_t sequence = 0;  // set by the write callback
};

struct CommittedBatch {
  Status status;  // one status for the whole group: it was synced, or none of it
  std::vector<PendingAppend> appends;
};

class GroupCommitter {
 public:
  using WriteFn = std::function<Status(std::vector<PendingAppend>&)>;
  using DoneFn = std::function<void(CommittedBatch)>;

  GroupCommitter(WriteFn write, DoneFn done, uint64_t max_pending_bytes, size_t max_batch_appends = 4096);
  ~GroupCommitter();

  Status submit(PendingAppend append);
  // Writes what is queued, then stops the thread.
  void stop();

  uint64_t pending_bytes() const { return pending_bytes_.load(std::memory_order_relaxed); }
  uint64_t batches() const { return batches_.load(std::memory_order_relaxed); }

 private:
  void run();

  WriteFn write_;
  DoneFn done_;
  const uint64_t max_pending_bytes_;
  const size_t max_batch_appends_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<PendingAppend> queue_;
  bool stopping_ = false;
  std::atomic<uint64_t> pending_bytes_{0};
  std::atomic<uint64_t> batches_{0};
  std::thread thread_;
};

}  // namespace spanline::wal
