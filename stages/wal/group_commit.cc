#include "stages/wal/group_commit.h"

namespace spanline::wal {

GroupCommitter::GroupCommitter(WriteFn write, DoneFn done, uint64_t max_pending_bytes, size_t max_batch_appends)
    : write_(std::move(write)),
      done_(std::move(done)),
      max_pending_bytes_(max_pending_bytes),
      max_batch_appends_(max_batch_appends),
      thread_([this] { run(); }) {}

GroupCommitter::~GroupCommitter() { stop(); }

Status GroupCommitter::submit(PendingAppend append) {
  uint64_t size = append.payload.size();
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return Status(Code::unavailable, "the WAL is shutting down");
    uint64_t pending = pending_bytes_.load(std::memory_order_relaxed);
    // An append larger than the whole budget is still taken when nothing waits,
    // so a single big request can always make progress.
    if (pending > 0 && pending + size > max_pending_bytes_) {
      return Status(Code::resource_exhausted, "the WAL's write queue is full (" + std::to_string(pending) +
                                                  " bytes waiting for disk); retry later");
    }
    pending_bytes_.fetch_add(size, std::memory_order_relaxed);
    queue_.push_back(std::move(append));
  }
  wake_.notify_one();
  return Status::ok();
}

void GroupCommitter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void GroupCommitter::run() {
  std::vector<PendingAppend> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything is written
      if (queue_.size() <= max_batch_appends_) {
        batch.swap(queue_);
      } else {
        auto split = queue_.begin() + static_cast<std::ptrdiff_t>(max_batch_appends_);
        batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(split));
        queue_.erase(queue_.begin(), split);
      }
    }
    uint64_t bytes = 0;
    for (const PendingAppend& append : batch) bytes += append.payload.size();
    CommittedBatch committed;
    committed.status = write_(batch);
    batches_.fetch_add(1, std::memory_order_relaxed);
    pending_bytes_.fetch_sub(bytes, std::memory_order_relaxed);
    committed.appends = std::move(batch);
    batch.clear();
    done_(std::move(committed));
  }
}

}  // namespace spanline::wal
