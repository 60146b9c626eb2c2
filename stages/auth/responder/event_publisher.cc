#include "stages/auth/responder/event_publisher.h"

#include "base/clock.h"
#include "bus/header.h"
#include "bus/sockets.h"
#include "protocol/auth/auth_codec.h"

namespace spanline::auth {

EventPublisher::EventPublisher(bus::Context& context, const std::string& endpoint)
    : socket_(bus::bind_publisher(context, endpoint)) {}

EventPublisher::~EventPublisher() {
  {
    std::lock_guard lock(heartbeat_mutex_);
    stopping_ = true;
  }
  heartbeat_stop_.notify_all();
  if (heartbeat_.joinable()) heartbeat_.join();
}

void EventPublisher::start_heartbeat() {
  const int64_t started_ms = unix_nanos_now() / 1'000'000;
  heartbeat_ = std::thread([this, started_ms] {
    std::unique_lock lock(heartbeat_mutex_);
    while (!stopping_) {
      lock.unlock();
      publish(event::Hello{started_ms});
      lock.lock();
      heartbeat_stop_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
    }
  });
}

void EventPublisher::publish(const AuthEvent& event) {
  std::string header = bus::encode_header(bus::make_header(bus::MessageType::auth_event));
  std::string body = serialize(encode(event));
  std::lock_guard lock(mutex_);
  (void)socket_.send(zmq::buffer(header), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
  (void)socket_.send(zmq::buffer(body), zmq::send_flags::dontwait);
}

}  // namespace spanline::auth
