#include "stages/gateway/export_workers.h"

namespace spanline::gateway {

ExportWorkers::ExportWorkers(uint32_t threads, uint32_t queue_limit, bus::StatsRegistry& stats)
    : queue_limit_(queue_limit), refused_queue_full_(stats.counter("grpc_refused_queue_full")) {
  stats.gauge("grpc_export_queue", [this] {
    std::lock_guard lock(mutex_);
    return static_cast<double>(queue_.size());
  });
  for (uint32_t i = 0; i < std::max<uint32_t>(1, threads); ++i) threads_.emplace_back([this] { run(); });
}

ExportWorkers::~ExportWorkers() { stop(); }

bool ExportWorkers::submit(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= queue_limit_) {
      refused_queue_full_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    queue_.push_back(std::move(job));
  }
  work_cv_.notify_one();
  return true;
}

void ExportWorkers::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

void ExportWorkers::run() {
  while (true) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to run
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();
  }
}

}  // namespace spanline::gateway
