#pragma once
// A Server-Sent-Events answer written on the api's own duplicate of the
// connection's socket, as HTTP/1.1 chunks: the live tail and the playground's
// runs stream this way.
//
// Why a duplicate: Pistache 0.0.5 aborts the process ("could not find write
// data") when a response stream is written from another thread while its
// transport handles the same socket. Pistache keeps the connection open and
// idle meanwhile (the caller marks the peer idle); shutting our socket down
// ends both.
//
// Threads: one writer at a time; client_gone() and unsent_bytes() from any thread.
// Limits: send_now() never blocks (a client that cannot take a whole chunk at
// once fails it: the live tail drops such readers); send_within() waits at most
// its bound for a slow reader (a playground run's events are few and small).

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace Pistache::Http {
class ResponseWriter;
}

namespace spanline::api {

class SseStream {
 public:
  // Takes over `response`'s connection: duplicates its socket and sends the
  // 200 text/event-stream head (with CORS headers for `cors_origin` when not
  // empty). cancelled when the client left already (answer nothing more);
  // unavailable when no descriptor is free (answer 503).
  static Result<std::unique_ptr<SseStream>> open(Pistache::Http::ResponseWriter& response, const std::string& cors_origin);
  // Over a socket the caller owns no more (tests: one end of a socketpair); sends no head.
  explicit SseStream(int fd) : fd_(fd) {}
  ~SseStream();
  SseStream(const SseStream&) = delete;
  SseStream& operator=(const SseStream&) = delete;

  // One event: "event: <name>\ndata: <data>\n\n" (data on one line, as JSON is).
  static std::string event(std::string_view name, std::string_view data);

  // Sends `text` as one chunk without blocking; false when the client is gone
  // or its socket cannot take the whole chunk now.
  bool send_now(std::string_view text);
  // Sends `text` as one chunk, waiting up to `wait` for the client to read;
  // false when it is gone or still has not taken it all by then.
  bool send_within(std::string_view text, std::chrono::milliseconds wait);
  // The last chunk (the stream's end), without blocking.
  void end();

  // The client closed or reset its side (a browser aborting its fetch):
  // polls the socket for POLLRDHUP/POLLHUP/POLLERR without waiting.
  bool client_gone() const;
  // Bytes the kernel still holds unsent for this client (SIOCOUTQ); 0 when unknown.
  int unsent_bytes() const;

 private:
  int fd_ = -1;
};

}  // namespace spanline::api
