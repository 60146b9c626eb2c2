#include "stages/api/live/live_tail.h"

#include "base/clock.h"
#include "base/http/pistache_headers.h"
#include "base/log.h"
#include "stages/api/http/sse_stream.h"
#include "stages/api/routes/search_filters.h"

namespace spanline::api {
namespace {

constexpr int kMaxUnsentBytes = 1 << 20;
constexpr auto kHeartbeat = std::chrono::seconds(15);
constexpr int kTracesPerPoll = 200;

}  // namespace

// The stream is written on our own duplicate of the connection's socket (SseStream), never through Pistache.
struct LiveTail::Subscriber {
  protocol::query::SearchQuery filters;
  std::string session;
  int64_t user_id = 0;
  SteadyClock::time_point last_session_check;
  std::unique_ptr<SseStream> stream;
  std::map<uint32_t, int64_t> watermarks;
  int64_t start_ns = 0;
  std::vector<uint32_t> reported_missing;
  SteadyClock::time_point last_write;
};

LiveTail::LiveTail(const ApiConfig& config, QueryService& queries, SessionGuard& guard, bus::StatsRegistry& stats)
    : config_(config),
      queries_(queries),
      guard_(guard),
      closed_signed_out_(stats.counter("live_clients_closed_signed_out")),
      events_sent_(stats.counter("live_events_sent")),
      dropped_slow_(stats.counter("live_clients_dropped_slow")),
      places_(config.live_max_clients, config.live_max_clients_per_user),
      thread_([this] { run(); }) {
  stats.gauge("live_clients", [this] { return static_cast<double>(places_.taken()); });
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
  auto filters = search_filters(request, false);
  if (!filters) return error_reply(filters.status());
  auto user = guard_.user_of(request.session);
  if (!user) return error_reply(user.status());
  auto subscriber = std::make_unique<Subscriber>();
  subscriber->filters = *filters;
  subscriber->session = request.session;
  subscriber->user_id = user->id;
  // Places are taken before the stream starts, so concurrent subscribes cannot overshoot either cap.
  if (auto refused = places_.take(subscriber->user_id)) {
    if (refused->bound == UserPlaces::Refusal::Bound::total) {
      return error_reply(503, "unavailable", "too many live-tail subscribers (at most " + std::to_string(config_.live_max_clients) + ")");
    }
    ApiReply reply = error_reply(429, "too_many_requests",
                                 "you have " + std::to_string(refused->held) + " live-tail streams open, the most one user may (" +
                                     std::to_string(config_.live_max_clients_per_user) + "); close one (another tab?) first");
    reply.retry_after = "5";
    return reply;
  }
  auto give_back = [&] { places_.give_back(subscriber->user_id); };
  auto stream = SseStream::open(response, cors_allowed ? request.origin : std::string());
  if (!stream) {
    give_back();
    if (stream.status().code() == Code::cancelled) return std::nullopt;  // the client left already
    return error_reply(503, "unavailable", "cannot start the live tail now");
  }
  subscriber->stream = std::move(stream).value();
  subscriber->start_ns = unix_nanos_now();
  subscriber->last_write = SteadyClock::now();
  subscriber->last_session_check = SteadyClock::now();
  if (!subscriber->stream->send_now("retry: 2000\nevent: ready\ndata: {}\n\n")) {
    give_back();
    return std::nullopt;  // the client left already; the destructor closes our socket
  }
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      places_.give_back(subscriber->user_id);
      return std::nullopt;
    }
    subscribers_.push_back(std::move(subscriber));
  }
  wake_.notify_all();
  return std::nullopt;
}

bool LiveTail::session_alive(Subscriber& subscriber) {
  const auto now = SteadyClock::now();
  if (now - subscriber.last_session_check < config_.live_session_check) return true;
  subscriber.last_session_check = now;
  auto user = guard_.user_of(subscriber.session);
  // Only a definite "no such session" ends the stream; an auth-responder that is slow or down does not.
  if (user || user.status().code() != Code::unauthenticated) return true;
  closed_signed_out_.fetch_add(1);
  (void)subscriber.stream->send_now(
      SseStream::event("end", "{\"reason\":\"the session ended (signed out, expired or user deleted)\"}"));
  subscriber.stream->end();
  return false;
}

bool LiveTail::poll(Subscriber& subscriber) {
  protocol::query::SearchQuery query = subscriber.filters;
  // While the WAL's partition count is not known there is nothing to ask: heartbeats only.
  auto known = queries_.all_partitions();
  const std::vector<uint32_t> partitions = known ? std::move(known).value() : std::vector<uint32_t>{};
  std::map<uint32_t, int64_t> after;
  for (uint32_t partition : partitions) {
    auto found = subscriber.watermarks.find(partition);
    after[partition] = found == subscriber.watermarks.end() ? subscriber.start_ns : found->second;
  }
  query.indexed_after = std::move(after);
  query.limit = kTracesPerPoll;
  std::string events;
  auto result = partitions.empty() ? Answer<std::vector<PartitionTraces>>{.status = known.status()} : queries_.search_each(query);
  if (result.ok()) {
    for (const PartitionTraces& part : result.value) {
      for (const protocol::query::TraceSummary& trace : part.traces) {
        int64_t& mark = subscriber.watermarks.try_emplace(part.partition, subscriber.start_ns).first->second;
        mark = std::max(mark, trace.indexed_ns);
        events += "event: trace\ndata: " + protocol::query::to_json(trace).dump(-1, ' ', false, json::error_handler_t::replace) + "\n\n";
        events_sent_.fetch_add(1);
      }
    }
  }
  // Partitions that did not answer (all of them when none did) are said once, as they change.
  if ((result.ok() || !result.missing.empty()) && result.missing != subscriber.reported_missing) {
    subscriber.reported_missing = result.missing;
    events += "event: partial\ndata: " + json{{"missing_partitions", result.missing}}.dump() + "\n\n";
  }
  if (events.empty() && SteadyClock::now() - subscriber.last_write < kHeartbeat) return true;
  if (events.empty()) events = ": heartbeat\n\n";
  // A client that does not read lets the socket's send queue fill; drop it
  // before Pistache starts buffering for it in memory.
  int unsent = subscriber.stream->unsent_bytes();
  if (unsent > kMaxUnsentBytes) {
    dropped_slow_.fetch_add(1);
    log::warn("live-tail client too slow, disconnecting", {{"unsent_bytes", unsent}});
    return false;
  }
  if (!subscriber.stream->send_now(events)) return false;
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
    std::vector<std::unique_ptr<Subscriber>> dropped;
    for (auto& subscriber : active) {
      if (session_alive(*subscriber) && poll(*subscriber)) kept.push_back(std::move(subscriber));
      else dropped.push_back(std::move(subscriber));
    }
    active.clear();
    {
      std::lock_guard lock(mutex_);
      for (auto& subscriber : dropped) places_.give_back(subscriber->user_id);
      for (auto& subscriber : subscribers_) kept.push_back(std::move(subscriber));
      subscribers_ = std::move(kept);
    }
    dropped.clear();  // closes their sockets, outside the lock
  }
  std::lock_guard lock(mutex_);
  for (auto& subscriber : subscribers_) subscriber->stream->end();
  subscribers_.clear();
  places_.clear();
}

}  // namespace spanline::api
