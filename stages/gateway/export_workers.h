#pragma once
// The threads that run Exports for the OTLP/gRPC front end. gRPC's callback
// API runs reactors on its own few threads, which must never block; an Export
// blocks (on the auth-responder for an uncached key, on the WAL's durable ack),
// so each step runs here: a fixed number of threads and a bounded queue. A job
// that finds the queue full is refused at once (the caller answers
// RESOURCE_EXHAUSTED with a retry delay), so neither threads nor queued work
// grow with what clients send.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "bus/stats.h"

namespace spanline::gateway {

class ExportWorkers {
 public:
  ExportWorkers(uint32_t threads, uint32_t queue_limit, bus::StatsRegistry& stats);
  ~ExportWorkers();
  ExportWorkers(const ExportWorkers&) = delete;
  ExportWorkers& operator=(const ExportWorkers&) = delete;

  // False (and the job dropped) when `queue_limit` jobs already wait.
  bool submit(std::function<void()> job);
  // Runs what is queued, then joins the threads.
  void stop();

 private:
  void run();

  uint32_t queue_limit_;
  std::mutex mutex_;
  std::condition_variable work_cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  std::atomic<uint64_t>& refused_queue_full_;
};

}  // namespace spanline::gateway
