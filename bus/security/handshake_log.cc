#include "bus/security/handshake_log.h"

#include <zmq.h>

#include <chrono>
#include <cstring>
#include <map>

#include "base/log.h"

namespace spanline::bus {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kRepeatInterval = std::chrono::seconds(10);
constexpr int kWatchedEvents = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
                               ZMQ_EVENT_MONITOR_STOPPED;

// What an operator should check, by libzmq's failure event and value.
std::string explain(uint16_t event, uint32_t value) {
  if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
    return "the peer refused this stage's CURVE key (status " + std::to_string(value) +
           "): this stage's --curve-secret-key is not the deployment's";
  }
  if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) {
    switch (value) {
      case ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC:
        return "CURVE cryptographic failure: the peer uses a different bus key";
      case ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH:
        return "security mismatch: one side has a bus key (--curve-secret-key) and the other has none";
      default:
        return "bus handshake protocol error " + std::to_string(value);
    }
  }
  return "bus handshake failed without detail (the peer closed the connection: a different bus key, or no key)";
}

struct FailureKind {
  uint64_t since_logged = 0;
  Clock::time_point last_logged{};
};

struct Watched {
  zmq::socket_t monitor;
  std::string description;
  bool is_server = false;
  uint64_t failures_total = 0;
  std::map<std::string, FailureKind> by_explanation;  // each cause is rate-limited on its own
  bool ended = false;
};

void handle_event(Watched& watched, uint16_t event, uint32_t value, const std::string& endpoint) {
  if (event == ZMQ_EVENT_MONITOR_STOPPED) {
    watched.ended = true;
    return;
  }
  if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
    if (watched.failures_total > 0) {
      log::info("bus handshake succeeded after failures",
                {{"socket", watched.description}, {"endpoint", endpoint}, {"failed_handshakes", watched.failures_total}});
      watched.failures_total = 0;
      watched.by_explanation.clear();
    }
    return;
  }
  if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH && watched.is_server) return;
  ++watched.failures_total;
  std::string explanation = explain(event, value);
  FailureKind& kind = watched.by_explanation[explanation];
  ++kind.since_logged;
  auto now = Clock::now();
  if (kind.last_logged != Clock::time_point{} && now - kind.last_logged < kRepeatInterval) return;
  log::error(explanation, {{"socket", watched.description}, {"endpoint", endpoint}, {"failed_handshakes", kind.since_logged}});
  kind.since_logged = 0;
  kind.last_logged = now;
}

}  // namespace

HandshakeLog::HandshakeLog(zmq::context_t& context) : context_(context) {
  thread_ = std::thread([this] { run(); });
}

HandshakeLog::~HandshakeLog() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
}

void HandshakeLog::watch(zmq::socket_t& socket, std::string description, bool is_server) {
  std::lock_guard lock(mutex_);
  std::string endpoint = "inproc://spanline-handshake-monitor-" + std::to_string(next_monitor_++);
  if (zmq_socket_monitor(socket.handle(), endpoint.c_str(), kWatchedEvents) != 0) {
    log::warn("cannot monitor bus handshakes", {{"socket", description}, {"error", zmq_strerror(zmq_errno())}});
    return;
  }
  pending_.push_back({std::move(endpoint), std::move(description), is_server});
}

void HandshakeLog::run() {
  std::vector<Watched> watched;
  while (!stopping_.load()) {
    {
      std::lock_guard lock(mutex_);
      for (Pending& added : pending_) {
        zmq::socket_t monitor(context_, zmq::socket_type::pair);
        monitor.set(zmq::sockopt::linger, 0);
        monitor.connect(added.monitor_endpoint);
        watched.push_back(
            {.monitor = std::move(monitor), .description = std::move(added.description), .is_server = added.is_server});
      }
      pending_.clear();
    }
    std::vector<zmq::pollitem_t> items;
    for (Watched& w : watched) items.push_back({w.monitor.handle(), 0, ZMQ_POLLIN, 0});
    try {
      if (items.empty()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      zmq::poll(items, std::chrono::milliseconds(100));
      for (size_t i = 0; i < items.size(); ++i) {
        if (!(items[i].revents & ZMQ_POLLIN)) continue;
        zmq::message_t event_frame;
        zmq::message_t address_frame;
        if (!watched[i].monitor.recv(event_frame, zmq::recv_flags::dontwait)) continue;
        if (event_frame.more()) (void)watched[i].monitor.recv(address_frame);
        if (event_frame.size() < 6) continue;
        uint16_t event = 0;
        uint32_t value = 0;
        std::memcpy(&event, event_frame.data(), sizeof event);
        std::memcpy(&value, static_cast<const char*>(event_frame.data()) + 2, sizeof value);
        handle_event(watched[i], event, value, address_frame.to_string());
      }
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) return;
    }
    std::erase_if(watched, [](const Watched& w) { return w.ended; });
  }
}

}  // namespace spanline::bus
