#include "api/live/live_tail.h"

#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <pistache/peer.h>

#include "stages/common/clock.h"
#include "stages/common/http/pistache_headers.h"
#include "stages/common/log.h"

namespace spanline::api {
namespace {

constexpr int kMaxUnsentBytes = 1 << 20;
constexpr auto kHeartbeat = std::chrono::seconds(15);
constexpr int kTracesPerPoll = 200;

}  // namespace

struct LiveTail::Subscriber {
  json filters;
  Pistache::Http::ResponseStream stream;
  std::weak_ptr<Pistache::Tcp::Peer> peer;
  std::map<uint32_t, int64_t> watermarks;
  int64_t start_ns = 0;
  std::vector<uint32_t> reported_missing;
  SteadyClock::time_point last_write;
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

std::optional<ApiReply> LiveTail::subscribe(const ApiRequest& request, Pistache::Http::ResponseWriter& response) {
  auto filters = routes_.search_filters(request, false);
  if (!filters) return error_reply(filters.status());
  if (count_.load() >= config_.live_max_clients) {
    return error_reply(503, "unavailable", "too many live-tail subscribers (at most " + std::to_string(config_.live_max_clients) + ")");
  }
  auto peer = response.peer();
  response.setMime(Pistache::Http::Mime::MediaType::fromString("text/event-stream"));
  response.headers().add<http::CacheControlText>("no-cache");
  response.headers().add<http::AccelBuffering>("no");
  auto subscriber = std::unique_ptr<Subscriber>(new Subscriber{*filters, response.stream(Pistache::Http::Code::Ok), peer, {}, 0, {}, SteadyClock::now()});
  subscriber->start_ns = unix_nanos_now();
  try {
    subscriber->stream << "retry: 2000\nevent: ready\ndata: {}\n\n";
    subscriber->stream.flush();
  } catch (const std::exception& e) {
    return std::nullopt;  // the client left already
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
  auto alive = subscriber.peer.lock();
  if (!alive) return false;
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
  if (::ioctl(alive->fd(), SIOCOUTQ, &unsent) == 0 && unsent > kMaxUnsentBytes) {
    dropped_slow_.fetch_add(1);
    log::warn("live-tail client too slow, disconnecting", {{"unsent_bytes", unsent}});
    ::shutdown(alive->fd(), SHUT_RDWR);
    return false;
  }
  try {
    // Chunk framing counts with strlen: the text is JSON and comments, never a NUL.
    subscriber.stream << events.c_str();
    subscriber.stream.flush();
  } catch (const std::exception&) {
    return false;
  }
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
    try {
      if (subscriber->peer.lock()) subscriber->stream.ends();
    } catch (const std::exception&) {
    }
  }
  subscribers_.clear();
  count_.store(0);
}

}  // namespace spanline::api
