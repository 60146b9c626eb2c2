#pragma once
// Listens to the auth-responder's broadcasts (SUB, connecting to its PUB) and
// calls `on_event` for each (decoded with auth_codec.h; one this build does not
// understand is skipped), on its own thread. ZeroMQ reconnects by itself, so
// a restarted auth-responder is heard again; an event sent while nobody was
// connected is lost, which is why every cache it clears also has a short TTL.
//
// Reconnects are noticed from the auth-responder's heartbeat ({"event":
// "hello", "instance_started_ms"} every second): the first hello heard, one
// from a new instance, or one after more than kSilence without any, calls
// `on_heard_again` so that the listener reloads what it may have missed
// (the gateway reloads the revoked key ids). Hellos are not passed to on_event.

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include <zmq.hpp>

#include "bus/context.h"
#include "protocol/auth/auth_messages.h"

namespace spanline::auth {

class AuthEvents {
 public:
  using Handler = std::function<void(const AuthEvent& event)>;
  static constexpr std::chrono::milliseconds kHeartbeat{1000};
  static constexpr std::chrono::milliseconds kSilence{3500};
  AuthEvents(bus::Context& context, std::string endpoint, Handler on_event, std::function<void()> on_heard_again = {});
  ~AuthEvents();

 private:
  void run();
  void heard_hello(const event::Hello& hello);
  bus::Context& context_;
  std::string endpoint_;
  Handler on_event_;
  std::function<void()> on_heard_again_;
  int64_t instance_started_ms_ = -1;  // of the auth-responder last heard; -1: none yet
  std::chrono::steady_clock::time_point last_hello_{};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace spanline::auth
