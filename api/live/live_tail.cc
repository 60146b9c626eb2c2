#include "api/live/live_tail.h"

#include <fcntl.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <pistache/peer.h>

#include "stages/common/clock.h"
#include "stages/common/http/pistache_headers.h"
#include "stages/common/log.h"

namespace spanline::api {
namespace {

constexpr int kMaxUnsentBytes = 1 << 20;
constexpr auto kHeartbeat = std::chrono::seconds(15);
constexpr int kTracesPerPoll = 200;

// Sends all of `text` as one HTTP chunk without blocking; false when the client
// is gone or its socket cannot take the whole chunk now (a slow client).
bool send_chunk(int fd, const std::string& text) {
  char size[16];
  int size_length = std::snprintf(size, sizeof(size), "%zx\r\n", text.size());
  std::string chunk(size, static_cast<size_t>(size_length));
  chunk += text;
  chunk += "\r\n";
  ssize_t sent = ::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  return sent == static_cast<ssize_t>(chunk.size());
}

}  // namespace

// The stream is written on our own duplicate of the connection's socket, never
// through Pistache: Pistache 0.0.5 aborts the process ("could not find write
// data") when a response stream is written from another thread while its
// transport handles the same socket. Pistache keeps the connection open and
// idle meanwhile; shutting our socket down ends both.
struct LiveTail::Subscriber {
  json filters;
  int fd = -1;
  std::map<uint32_t, int64_t> watermarks;
  int64_t start_ns = 0;
  std::vector<uint32_t> reported_missing;
  SteadyClock::time_point last_write;

  ~Subscriber() {
    if (fd >= 0) {
      ::shutdown(fd, SHUT_RDWR);
      ::close(fd);
    }
  }
};

LiveTail::LiveTail(const ApiConfig& config, IndexRoutes& routes, bus::StatsRegistry& stats)
    : config_(config),
      routes_(routes),
      events_sent_(stats.counter("live_events_sent")),
      dropped_slow_(stats.counter("live_clients_dropped_slow")),
      thread_([this] { run(); }) {
  stats.gauge("live_clients", [this] { return static_cast<double>(count_.load()); });
}

LiveTail::~LiveTail() { stop(); }

void LiveTail::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::optional<ApiReply> LiveTail::subscribe(const ApiRequest& request, Pistache::Http::ResponseWriter& response,
                                            bool cors_allowed) {
  auto filters = routes_.search_filters(request, false);
  if (!filters) return error_reply(filters.status());
  if (count_.load() >= config_.live_max_clients) {
    return error_reply(503, "unavailable", "too many live-tail subscribers (at most " + std::to_string(config_.live_max_clients) + ")");
  }
  std::shared_ptr<Pistache::Tcp::Peer> peer = response.peer();
  if (!peer) return std::nullopt;  // the client left already
  auto subscriber = std::make_unique<Subscriber>();
  subscriber->filters = *filters;
  subscriber->fd = ::fcntl(peer->fd(), F_DUPFD_CLOEXEC, 0);
  if (subscriber->fd < 0) return error_reply(503, "unavailable", "cannot start the live tail now");
  subscriber->start_ns = unix_nanos_now();
  subscriber->last_write = SteadyClock::now();
  std::string head =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no\r\n"
      "X-Content-Type-Options: nosniff\r\nTransfer-Encoding: chunked\r\n";
  if (cors_allowed) head += "Access-Control-Allow-Origin: " + request.origin + "\r\nVary: Origin\r\n";
  head += "\r\n";
  if (::send(subscriber->fd, head.data(), head.size(), MSG_NOSIGNAL | MSG_DONTWAIT) != static_cast<ssize_t>(head.size()) ||
      !send_chunk(subscriber->fd, "retry: 2000\nevent: ready\ndata: {}\n\n")) {
    return std::nullopt;  // the client left already; the destructor closes our socket
  }
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return std::nullopt;
    subscribers_.push_back(std::move(subscriber));
    count_.store(subscribers_.size());
  }
  wake_.notify_all();
  return std::nullopt;
}

bool LiveTail::poll(Subscriber& subscriber) {
  json params = subscriber.filters;
  json after = json::object();
  for (uint32_t partition : routes_.all_partitions()) {
    auto found = subscriber.watermarks.find(partition);
    after[std::to_string(partition)] = found == subscriber.watermarks.end() ? subscriber.start_ns : found->second;
  }
  params["indexed_after"] = after;
  params["limit"] = kTracesPerPoll;
  std::string events;
  auto result = routes_.fanout().query("search", params, routes_.all_partitions());
  if (result) {
    for (PartitionAnswer& answer : result->answers) {
      for (json& trace : answer.data.value("traces", json::array())) {
        int64_t indexed = trace.value("indexed_ns", int64_t{0});
        int64_t& mark = subscriber.watermarks.try_emplace(answer.partition, subscriber.start_ns).first->second;
        mark = std::max(mark, indexed);
        events += "event: trace\ndata: " + trace.dump(-1, ' ', false, json::error_handler_t::replace) + "\n\n";
        events_sent_.fetch_add(1);
      }
    }
    if (result->missing != subscriber.reported_missing) {
      subscriber.reported_missing = result->missing;
      events += "event: partial\ndata: " + json{{"missing_partitions", result->missing}}.dump() + "\n\n";
    }
  }
  if (events.empty() && SteadyClock::now() - subscriber.last_write < kHeartbeat) return true;
  if (events.empty()) events = ": heartbeat\n\n";
  // A client that does not read lets the socket's send queue fill; drop it
  // before Pistache starts buffering for it in memory.
  int unsent = 0;
  if (::ioctl(subscriber.fd, SIOCOUTQ, &unsent) == 0 && unsent > kMaxUnsentBytes) {
    dropped_slow_.fetch_add(1);
    log::warn("live-tail client too slow, disconnecting", {{"unsent_bytes", unsent}});
    return false;
  }
  if (!send_chunk(subscriber.fd, events)) return false;
  subscriber.last_write = SteadyClock::now();
  return true;
}

void LiveTail::run() {
  std::vector<std::unique_ptr<Subscriber>> active;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, config_.live_interval, [this] { return stopping_; });
      if (stopping_) break;
      // Subscribers live in subscribers_; this thread alone polls and removes them.
      active.swap(subscribers_);
    }
    std::vector<std::unique_ptr<Subscriber>> kept;
    for (auto& subscriber : active) {
      if (poll(*subscriber)) kept.push_back(std::move(subscriber));
    }
    active.clear();
    {
      std::lock_guard lock(mutex_);
      for (auto& subscriber : subscribers_) kept.push_back(std::move(subscriber));
      subscribers_ = std::move(kept);
      count_.store(subscribers_.size());
    }
  }
  std::lock_guard lock(mutex_);
  for (auto& subscriber : subscribers_) {
    const char last_chunk[] = "0\r\n\r\n";
    (void)::send(subscriber->fd, last_chunk, sizeof(last_chunk) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
  }
  subscribers_.clear();
  count_.store(0);
}

}  // namespace spanline::api
