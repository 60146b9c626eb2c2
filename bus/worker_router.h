#pragma once
// A ROUTER endpoint whose requests are answered by a pool of worker threads:
// the shape of every stage that answers slow requests (the indexer's queries,
// the auth-responder's password checks) without letting one slow request hold
// up the others.
//
// How it works: one I/O thread owns the socket. It answers `ping` itself,
// refuses a request of the wrong type or shape, refuses at once when the queue
// is full (resource_exhausted), and otherwise queues a Job. Each worker thread
// builds its own handler once (so per-thread state such as a SQLite connection
// never crosses threads) and turns jobs into answers, which come back to the I/O
// thread through a queue and an eventfd.
//
// Limits: at most `max_queued` jobs wait; a job's deadline is the asker's `dl`
// capped by `max_deadline`, and a job that expired while queued is answered
// deadline_exceeded without running.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "bus/envelope.h"
#include "bus/stats.h"
#include "base/clock.h"
#include "base/status.h"

namespace spanline::bus {

struct WorkerRouterOptions {
  std::string endpoint;
  MessageType accepts = MessageType::invalid;  // the request type served besides ping
  MessageType also_accepts = MessageType::invalid;  // a second one on the same workers (the indexer's snapshot), if any
  std::string what;                            // "query", "auth": for error messages
  size_t threads = 2;
  size_t max_queued = 256;
  std::chrono::milliseconds max_deadline{std::chrono::seconds(10)};
  // Stats names: requests, failed requests, refused because the queue was full, queue depth.
  std::string requests_counter = "requests";
  std::string errors_counter = "request_errors";
  std::string refused_counter = "requests_refused_busy";
  std::string queue_gauge = "request_queue";
};

struct RouterJob {
  Header header;
  std::string body;  // the single payload frame
  SteadyClock::time_point deadline;
};

struct RouterAnswer {
  Header header;
  std::string body;  // empty: no payload frame
};

class WorkerRouter {
 public:
  using Handler = std::function<RouterAnswer(const RouterJob&)>;
  // Called once on each worker thread; the handler it returns serves that thread only.
  using HandlerFactory = std::function<Handler()>;

  WorkerRouter(bus::Context& context, WorkerRouterOptions options, StatsRegistry& stats);
  ~WorkerRouter();
  WorkerRouter(const WorkerRouter&) = delete;
  WorkerRouter& operator=(const WorkerRouter&) = delete;

  // Binds the endpoint (an error here is a start-up error) and starts the threads.
  Status start(HandlerFactory factory);
  void stop();

  // An error answer, counted as a failed request.
  RouterAnswer fail(const RouterJob& job, const Status& status);

 private:
  struct Queued {
    std::string routing_id;
    RouterJob job;
  };
  struct Ready {
    std::string routing_id;
    RouterAnswer answer;
  };

  void io_loop();
  void worker_loop(HandlerFactory factory);
  void accept(Message message);
  void post(Ready ready);

  bus::Context& context_;
  WorkerRouterOptions options_;
  std::atomic<uint64_t>& requests_;
  std::atomic<uint64_t>& errors_;
  std::atomic<uint64_t>& refused_busy_;
  std::atomic<bool> stopping_{false};
  int wake_fd_ = -1;
  zmq::socket_t socket_;

  std::mutex jobs_mutex_;
  std::condition_variable jobs_cv_;
  std::deque<Queued> jobs_;

  std::mutex answers_mutex_;
  std::deque<Ready> answers_;

  std::thread io_thread_;
  std::vector<std::thread> workers_;
};

}  // namespace spanline::bus
