#pragma once
// Connection bounds for the Pistache servers (the api and the gateway's
// OTLP/HTTP): how many connections are open at once, in all and per client
// address, and how long a slow request or an idle keep-alive connection may
// hold one. Without them, thousands of idle connections fill the fd table
// (accept4 then fails for everyone) and each holds a parser until Pistache's
// 60 s / 300 s defaults.
//
// How it works: a handler derives from LimitedHandler instead of
// Pistache::Http::Handler and implements serve() instead of onRequest(). When
// Pistache hands it a new connection, ConnectionLimits::admit() counts it, or,
// past a cap, shuts the socket down so Pistache closes it at once; the refusal
// is counted and logged (one line per 10 s at most). An admitted connection
// holds a slot stored in the Pistache peer, given back when Pistache drops the
// peer, however it goes (client close, timeout, refusal). The timeouts are
// Pistache's own, checked by each worker every 0.5 s: apply_timeouts() sets them
// on the Endpoint options.
//
// Threads: admit() runs on Pistache's worker threads; the counts are shared
// under one mutex (taken once per connection, never per request).
//
// Limits: the caps count TCP connections, not requests; a connection refused
// here has been accepted first (the kernel's backlog is not ours to bound), so
// it costs a descriptor for the moment until Pistache sees the shutdown.

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/peer.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace spanline::http {

struct ConnectionLimitOptions {
  // Connections open at once from all clients; 0: no cap. Default: 4096.
  uint32_t max_connections = 4096;
  // Connections open at once from one client address; 0: no cap. Default: 256.
  uint32_t max_per_address = 256;
  // Names the server in log lines ("api", "otlp-http").
  std::string server = "http";
  // Also counted here when set (a stats counter): connections refused at a cap.
  std::atomic<uint64_t>* refused_counter = nullptr;
};

struct HttpTimeouts {
  // A request's line and headers must arrive within this, from the connection's
  // start or the end of its previous request. Default: 10 s.
  std::chrono::milliseconds header{std::chrono::seconds(10)};
  // The whole request, body included, must arrive within this. Default: 30 s.
  std::chrono::milliseconds body{std::chrono::seconds(30)};
  // A keep-alive connection with no request in progress is closed after this. Default: 60 s.
  std::chrono::milliseconds keepalive{std::chrono::seconds(60)};
};

// Sets Pistache's header, body and keep-alive timeouts on `options`. A request
// that times out is answered 408 and its connection closed; an idle one is closed.
void apply_timeouts(Pistache::Http::Endpoint::Options& options, const HttpTimeouts& timeouts);

class ConnectionLimits {
 public:
  explicit ConnectionLimits(ConnectionLimitOptions options);

  // Counts `peer` in, or refuses it (shuts its socket down and counts the
  // refusal). Call from the handler's onConnection; LimitedHandler does.
  bool admit(const std::shared_ptr<Pistache::Tcp::Peer>& peer);
  // Whether `peer` was refused: its requests are not served.
  static bool refused(const Pistache::Tcp::Peer& peer);

  size_t open() const;
  uint64_t refused_total() const;
  const ConnectionLimitOptions& options() const;

 private:
  struct State;
  struct Slot;
  std::shared_ptr<State> state_;  // shared with every slot, so a peer outliving this object is harmless
};

// A Pistache HTTP handler whose connections are bounded by a ConnectionLimits.
// Derive from it (with HTTP_PROTOTYPE as usual) and implement serve().
class LimitedHandler : public Pistache::Http::Handler {
 public:
  explicit LimitedHandler(std::shared_ptr<ConnectionLimits> limits) : limits_(std::move(limits)) {}

  // Serves one request of an admitted connection.
  virtual void serve(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter response) = 0;

  void onRequest(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter response) final;

 protected:
  // The request parser of a new connection; a server may give its own (a
  // stricter one, see stages/api/http/strict_request_parser.h). Default: Pistache's.
  virtual std::shared_ptr<Pistache::Http::RequestParser> make_parser();

 private:
  void onConnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) override;
  std::shared_ptr<ConnectionLimits> limits_;
};

}  // namespace spanline::http
