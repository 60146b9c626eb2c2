#pragma once
// GET /api/v1/traces/live: Server-Sent Events of traces indexed after the
// client subscribed that match the same filters as a search.
//
// How it works: each subscriber keeps a watermark per partition (the newest
// `indexed_ns` it has seen there; each shard's clock is its own indexer's).
// One thread asks the indexers, every --live-interval, for traces indexed after
// each subscriber's watermarks and writes them as `trace` events. A trace that
// gains spans is sent again with its new summary; clients upsert by trace_id.
//
// Sessions: a stream belongs to the session that opened it, re-checked every
// --live-session-check (the session guard's cache is cleared at once by
// sign-out and user deletion), and closed with an `end` event once the session
// is gone; an auth-responder that does not answer keeps the stream open.
//
// Bounds: at most --live-max-clients subscribers (503 beyond), at most
// --live-max-clients-per-user of them for one user (429 beyond); a client whose
// socket has more than 1 MiB unsent (it reads too slowly) is disconnected
// rather than buffered without limit; a heartbeat comment every 15 s lets
// both sides notice a dead connection.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <pistache/http.h>

#include "stages/api/config/api_config.h"
#include "stages/api/auth/session_guard.h"
#include "stages/api/http/api_types.h"
#include "stages/api/http/user_places.h"
#include "stages/api/query/query_service.h"
#include "bus/stats.h"

namespace spanline::api {

class LiveTail {
 public:
  LiveTail(const ApiConfig& config, QueryService& queries, SessionGuard& guard, bus::StatsRegistry& stats);
  ~LiveTail();

  // Takes over `response` and answers nothing, or returns the refusal to send.
  // `cors_allowed`: the request's Origin is allowed, so the stream carries CORS headers.
  std::optional<ApiReply> subscribe(const ApiRequest& request, Pistache::Http::ResponseWriter& response, bool cors_allowed);
  void stop();

 private:
  struct Subscriber;
  void run();
  bool poll(Subscriber& subscriber);
  // False (after an `end` event) once the subscriber's session is signed out or its user deleted.
  bool session_alive(Subscriber& subscriber);

  const ApiConfig& config_;
  QueryService& queries_;
  SessionGuard& guard_;
  std::atomic<uint64_t>& closed_signed_out_;
  std::atomic<uint64_t>& events_sent_;
  std::atomic<uint64_t>& dropped_slow_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<std::unique_ptr<Subscriber>> subscribers_;
  UserPlaces places_;  // taken before a stream starts, streams starting included
  std::thread thread_;
};

}  // namespace spanline::api
