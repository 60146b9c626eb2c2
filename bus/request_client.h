#pragma once
// Request/reply over a DEALER socket, for every hop where a stage asks another
// one something (gateway -> wal, indexer -> wal, later api -> indexers).
//
// How it works: callers on any thread hand a request to start_request(); one I/O
// thread owns the socket, stamps a request id, sends, and matches replies by id.
// Each attempt has a deadline; idempotent requests may ask for several attempts.
// A request that cannot be sent because no peer is connected (ZMQ_IMMEDIATE)
// stays queued until its deadline, so a peer that restarts is picked up again.
// ZeroMQ reconnects the socket by itself.
//
// Threads: start_request() and call() are safe from any thread. Callbacks run on
// the I/O thread: keep them short and never call back into this client from them
// with call().
//
// Limits: at most `max_in_flight` requests wait at once; beyond that
// start_request() answers resource_exhausted at once, so memory stays bounded.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <zmq.hpp>

#include "bus/envelope.h"
#include "bus/sockets.h"
#include "base/status.h"

namespace spanline::bus {

struct ClientOptions {
  std::string endpoint;
  size_t max_in_flight = 4096;
  SocketOptions socket;
};

struct CallOptions {
  std::chrono::milliseconds timeout{2000};  // per attempt
  int attempts = 1;                         // more than 1 only for idempotent requests
};

class RequestClient {
 public:
  using Callback = std::function<void(Result<Message>)>;

  RequestClient(bus::Context& context, ClientOptions options);
  ~RequestClient();
  RequestClient(const RequestClient&) = delete;
  RequestClient& operator=(const RequestClient&) = delete;

  // `done` runs exactly once: with the reply, with the error the peer sent
  // (as a Status), or with deadline_exceeded / unavailable.
  Status start_request(Header header, std::vector<zmq::message_t> payload, CallOptions options, Callback done);

  // Blocking convenience over start_request().
  Result<Message> call(Header header, std::vector<zmq::message_t> payload, CallOptions options);

  size_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  const std::string& endpoint() const { return options_.endpoint; }

 private:
  struct Pending {
    uint64_t id = 0;
    Header header;
    std::vector<zmq::message_t> payload;
    CallOptions options;
    Callback done;
    int attempts_left = 1;
    bool sent = false;
    std::chrono::steady_clock::time_point deadline;
  };

  void run();
  void drain_submissions();
  void try_send(Pending& pending);
  void handle_replies();
  void expire(std::chrono::steady_clock::time_point now);
  void finish(uint64_t id, Result<Message> result);
  void wake();

  ClientOptions options_;
  bus::Context& context_;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> in_flight_{0};
  std::atomic<uint64_t> next_id_{1};

  std::mutex submissions_mutex_;
  std::deque<Pending> submissions_;

  // Owned by the I/O thread.
  std::unordered_map<uint64_t, Pending> pending_;
  zmq::socket_t* socket_ = nullptr;  // the I/O thread's socket, set while it runs
  zmq::socket_t io_socket_;
  std::thread io_thread_;
};

}  // namespace spanline::bus
