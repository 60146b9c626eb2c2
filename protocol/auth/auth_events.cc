#include "protocol/auth/auth_events.h"

#include "base/log.h"
#include "bus/header.h"
#include "bus/sockets.h"
#include "protocol/auth/auth_codec.h"

namespace spanline::auth {

AuthEvents::AuthEvents(bus::Context& context, std::string endpoint, Handler on_event, std::function<void()> on_heard_again)
    : context_(context), endpoint_(std::move(endpoint)), on_event_(std::move(on_event)), on_heard_again_(std::move(on_heard_again)) {
  thread_ = std::thread([this] { run(); });
}

AuthEvents::~AuthEvents() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
}

void AuthEvents::run() {
  zmq::socket_t socket;
  try {
    socket = bus::connect_subscriber(context_, endpoint_, 200);
  } catch (const zmq::error_t& e) {
    log::error("cannot connect to auth events", {{"endpoint", endpoint_}, {"error", e.what()}});
    return;
  }
  while (!stopping_.load()) {
    zmq::message_t header;
    zmq::message_t body;
    try {
      if (!socket.recv(header)) continue;
      if (!header.more() || !socket.recv(body)) continue;
      while (body.more()) {
        zmq::message_t extra;
        if (!socket.recv(extra)) break;
      }
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) log::warn("auth events receive failed", {{"error", e.what()}});
      continue;
    }
    auto decoded = bus::decode_header(header.data(), header.size());
    if (!decoded || decoded->message_type() != bus::MessageType::auth_event) continue;
    json message = json::parse(body.to_string(), nullptr, false);
    auto event = decode_event(message);
    if (!event) {
      log::debug("auth event not understood", {{"error", event.status().message()}});
      continue;
    }
    if (const auto* hello = std::get_if<event::Hello>(&*event)) {
      heard_hello(*hello);
      continue;
    }
    try {
      on_event_(*event);
    } catch (const std::exception& e) {
      log::warn("auth event handler failed", {{"error", e.what()}});
    }
  }
}

void AuthEvents::heard_hello(const event::Hello& hello) {
  const auto now = std::chrono::steady_clock::now();
  const int64_t started = hello.instance_started_ms;
  const bool again = instance_started_ms_ != started || now - last_hello_ > kSilence;
  instance_started_ms_ = started;
  last_hello_ = now;
  if (again && on_heard_again_) {
    log::debug("auth-responder heard (again): reloading", {{"endpoint", endpoint_}});
    on_heard_again_();
  }
}

}  // namespace spanline::auth
