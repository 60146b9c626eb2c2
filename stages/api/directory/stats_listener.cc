#include "stages/api/directory/stats_listener.h"

#include <unistd.h>

#include "bus/envelope.h"
#include "bus/sockets.h"
#include "base/clock.h"
#include "base/log.h"

namespace spanline::api {

StatsListener::StatsListener(bus::Context& context, const std::string& endpoint, StageDirectory& directory,
                             const bus::StatsRegistry& own_stats, std::string own_instance)
    : socket_(bus::bind_subscriber(context, endpoint)),
      directory_(directory),
      own_stats_(own_stats),
      own_instance_(std::move(own_instance)),
      thread_([this] { run(); }) {}

StatsListener::~StatsListener() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
}

void StatsListener::run() {
  std::vector<zmq::pollitem_t> items = {{socket_.handle(), 0, ZMQ_POLLIN, 0}};
  auto next_own = SteadyClock::now();
  while (!stopping_.load()) {
    if (SteadyClock::now() >= next_own) {
      bus::StatsSnapshot own = own_stats_.snapshot();
      own.stage = "api";
      own.instance = own_instance_;
      own.pid = static_cast<int32_t>(::getpid());
      own.unix_ms = unix_nanos_now() / 1'000'000;
      directory_.observe(own);
      next_own = SteadyClock::now() + std::chrono::seconds(1);
    }
    try {
      zmq::poll(items, std::chrono::milliseconds(200));
    } catch (const zmq::error_t& e) {
      continue;
    }
    for (int i = 0; i < 1000; ++i) {
      bus::Received received = bus::receive_message(socket_, false);
      if (!received.got_message) break;
      if (!received.decode.is_ok() || received.message.header.message_type() != bus::MessageType::stats ||
          received.message.payload.size() != 1) {
        bad_messages_.fetch_add(1);
        continue;
      }
      auto snapshot = bus::decode_stats(received.message.payload[0].data(), received.message.payload[0].size());
      if (!snapshot) {
        if (bad_messages_.fetch_add(1) % 100 == 0) log::warn("undecodable stats message", {{"error", snapshot.status().to_string()}});
        continue;
      }
      directory_.observe(*snapshot);
    }
  }
  socket_.close();
}

}  // namespace spanline::api
