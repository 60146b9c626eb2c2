#pragma once
// The indexer's query endpoint: a ROUTER socket where the api asks about the
// partitions this indexer owns (message `query`, answered with `query_reply`;
// formats in bus/README.md).
//
// How it works: one I/O thread owns the socket. It decodes a request, refuses
// it at once when the queue is full (resource_exhausted) and otherwise hands it
// to a small pool of reader threads. Each reader keeps its own read-only SQLite
// connection per shard, so queries never run on the writers' threads: a slow
// search cannot stall ingest, and ingest cannot stall a search. Answers come
// back to the I/O thread through a queue and an eventfd.
//
// Limits: a request waits at most `max_queued` deep; a query runs until its
// deadline (the asker's `dl`, capped by ours) and is interrupted inside SQLite
// after that; an answer larger than the asker's `mb` (capped by ours) is
// refused with resource_exhausted rather than sent truncated.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "bus/envelope.h"
#include "bus/stats.h"
#include "stages/common/clock.h"
#include "stages/common/status.h"

namespace spanline::indexer::query {

struct QueryServerOptions {
  std::string endpoint;
  std::string data_dir;
  std::vector<uint32_t> partitions;
  size_t threads = 2;
  size_t max_queued = 256;
  std::chrono::milliseconds max_deadline{std::chrono::seconds(10)};
  uint64_t max_answer_bytes = 64ULL << 20;
};

class QueryServer {
 public:
  QueryServer(zmq::context_t& context, QueryServerOptions options, bus::StatsRegistry& stats);
  ~QueryServer();
  QueryServer(const QueryServer&) = delete;
  QueryServer& operator=(const QueryServer&) = delete;

  // Binds the endpoint (an error here is a start-up error) and starts the threads.
  Status start();
  void stop();

 private:
  struct Job {
    std::string routing_id;
    bus::Header header;
    std::string body;
    SteadyClock::time_point deadline;
  };
  struct Answer {
    std::string routing_id;
    bus::Header header;
    std::string body;
  };

  void io_loop();
  void reader_loop();
  void accept(bus::Message message);
  void answer(Answer answer);
  Answer run_job(const Job& job, class ReaderSet& readers);

  zmq::context_t& context_;
  QueryServerOptions options_;
  std::atomic<uint64_t>& queries_;
  std::atomic<uint64_t>& query_errors_;
  std::atomic<uint64_t>& refused_busy_;
  std::atomic<bool> stopping_{false};
  int wake_fd_ = -1;
  zmq::socket_t socket_;

  std::mutex jobs_mutex_;
  std::condition_variable jobs_cv_;
  std::deque<Job> jobs_;

  std::mutex answers_mutex_;
  std::deque<Answer> answers_;

  std::thread io_thread_;
  std::vector<std::thread> readers_;
};

}  // namespace spanline::indexer::query
