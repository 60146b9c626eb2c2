#pragma once
// Listens to the auth-responder's broadcasts (SUB, connecting to its PUB) and
// calls `on_event` for each, on its own thread. ZeroMQ reconnects by itself, so
// a restarted auth-responder is heard again; an event sent while nobody was
// connected is lost, which is why every cache it clears also has a short TTL.

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "bus/context.h"

namespace spanline::auth {

class AuthEvents {
 public:
  using Handler = std::function<void(const nlohmann::json& event)>;
  AuthEvents(bus::Context& context, std::string endpoint, Handler on_event);
  ~AuthEvents();

 private:
  void run();
  bus::Context& context_;
  std::string endpoint_;
  Handler on_event_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace spanline::auth
