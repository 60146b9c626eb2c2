#pragma once
// Logs failed bus handshakes, on both sides of a connection. libzmq reports them
// only through a socket monitor; without this a stage holding the wrong key
// would retry silently forever. One thread watches the monitors of every
// secured socket in the process; repeated failures of one socket are logged
// once every 10 s with a count, and the first success after failures is logged.

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

namespace spanline::bus {

class HandshakeLog {
 public:
  explicit HandshakeLog(zmq::context_t& context);
  ~HandshakeLog();
  HandshakeLog(const HandshakeLog&) = delete;
  HandshakeLog& operator=(const HandshakeLog&) = delete;

  // Starts watching `socket` (call from the thread that owns it, before it
  // binds or connects). `description` names the hop in log lines. A server's
  // refusals are logged by the ZAP handler, with the peer's address, instead.
  void watch(zmq::socket_t& socket, std::string description, bool is_server);

 private:
  struct Pending {
    std::string monitor_endpoint;
    std::string description;
    bool is_server = false;
  };
  void run();

  zmq::context_t& context_;
  std::mutex mutex_;
  std::vector<Pending> pending_;
  uint64_t next_monitor_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace spanline::bus
