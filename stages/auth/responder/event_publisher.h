#pragma once
// Broadcasts revocations on the events PUB socket, so gateways and the api drop
// cached decisions at once. Workers call publish() from their own threads.
// With start_heartbeat() it also says hello (event::Hello) every second, so a
// listener notices it reconnected (AuthEvents) and reloads what it may have missed.

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include <zmq.hpp>

#include "bus/context.h"
#include "protocol/auth/auth_messages.h"

namespace spanline::auth {

class EventPublisher {
 public:
  EventPublisher(bus::Context& context, const std::string& endpoint);
  ~EventPublisher();
  void publish(const AuthEvent& event);
  void start_heartbeat();

 private:
  std::mutex mutex_;
  zmq::socket_t socket_;
  std::mutex heartbeat_mutex_;
  std::condition_variable heartbeat_stop_;
  bool stopping_ = false;
  std::thread heartbeat_;
};

}  // namespace spanline::auth
