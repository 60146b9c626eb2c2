#pragma once
// The ZAP handler (ZeroMQ RFC 27) of one process: every CURVE server socket in
// the context asks it whether a client may connect. The client has already
// proved it holds the secret key behind the public key it presents; the handler
// lets in only the deployment's own public key, and logs each refusal with the
// peer's address so an operator sees which host has the wrong key.

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <thread>

#include <zmq.hpp>

namespace spanline::bus {

class ZapHandler {
 public:
  // Binds inproc://zeromq.zap.01 in `context` before returning, so no CURVE
  // server socket can accept a connection without being checked.
  ZapHandler(zmq::context_t& context, std::string allowed_public_z85);
  ~ZapHandler();
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  uint64_t refused() const { return refused_.load(); }

 private:
  void run();
  void answer(std::vector<zmq::message_t>& request);
  void log_refusal(const std::string& address, const std::string& mechanism, const std::string& client_key);

  zmq::socket_t socket_;
  std::string allowed_public_z85_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> refused_{0};
  std::map<std::string, std::chrono::steady_clock::time_point> last_logged_;  // by address; the handler thread only
  std::thread thread_;
};

}  // namespace spanline::bus
