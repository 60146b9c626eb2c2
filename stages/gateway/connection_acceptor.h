#pragma once
// The OTLP/gRPC port's own TCP front: gRPC 1.51 can neither cap connections,
// nor survive running out of descriptors, nor defend itself against HTTP/2
// rapid reset (CVE-2023-44487: its core keeps building calls, and memory, from
// reset streams long after the client has gone), and it enables SO_REUSEPORT.
// So the gateway binds and accepts itself, and relays each admitted connection
// to gRPC over a socket pair whose other end it hands to gRPC
// (grpc::AddInsecureChannelFromFd):
//
// - the port is bound without SO_REUSEPORT: a port in use is an error naming it;
// - at most `max_connections` in all and `max_connections_per_address` from one
//   client address; a connection past a cap is closed at once and counted;
// - a connection reaches gRPC only once its client has sent something (the
//   HTTP/2 preface); one silent for `handshake_timeout` is closed;
// - the relay reads the client's HTTP/2 frame headers (9 bytes each; nothing
//   is decoded) and closes a connection that sends more RST_STREAM frames
//   (`max_resets_per_second`) or opens more streams (`max_streams_per_second`,
//   HEADERS frames) in a second than any exporter does. Closing means closing
//   the relay's end too: gRPC reads end-of-file at once and drops the
//   connection's calls, and what the client sent after that is never read;
// - each direction buffers at most `buffer_bytes`; past it the relay stops
//   reading that side (TCP backpressure), so a connection costs bounded memory;
// - out of file descriptors (EMFILE/ENFILE), the pending connection is taken
//   with a spare descriptor kept for that and closed, so the backlog never
//   wedges; if that lasts `accept_failure_exit`, or accepting fails in a way
//   that cannot recover, healthy() turns false and the gateway exits for its
//   supervisor instead of lingering half-alive.
//
// gRPC names a connection's peer "fd:<n>" (its end of the pair); address_of()
// gives the client address that was accepted.
//
// Threads: one thread (epoll over the listener, every client socket and every
// relay end). Public methods are thread-safe.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bus/stats.h"
#include "base/status.h"

namespace spanline::gateway {

struct AcceptorOptions {
  std::string address;  // host:port; port 0 picks a free one
  uint32_t max_connections = 4096;
  uint32_t max_connections_per_address = 256;
  uint32_t max_streams_per_second = 5000;  // HEADERS frames from one connection in one second
  uint32_t max_resets_per_second = 200;    // RST_STREAM frames from one connection in one second
  uint32_t buffer_bytes = 64 << 10;        // relayed bytes held per direction per connection
  std::chrono::milliseconds handshake_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds accept_failure_exit{std::chrono::seconds(30)};
};

class ConnectionAcceptor {
 public:
  // Called on the acceptor's thread with gRPC's end of a connected socket pair,
  // which the callee now owns.
  using Handoff = std::function<void(int fd)>;

  ConnectionAcceptor(AcceptorOptions options, bus::StatsRegistry& stats);
  ~ConnectionAcceptor();
  ConnectionAcceptor(const ConnectionAcceptor&) = delete;
  ConnectionAcceptor& operator=(const ConnectionAcceptor&) = delete;

  // Binds and listens (the error names the address and why, e.g. in use).
  Status bind();
  int port() const { return port_; }
  void start(Handoff handoff);
  // Stops taking new connections; those open keep being relayed (so gRPC can
  // finish its calls on them) until stop().
  void stop_accepting();
  // Closes every connection and joins the thread.
  void stop();

  // The client address ("127.0.0.1:5555") of the connection gRPC calls "fd:<n>".
  std::string address_of(std::string_view grpc_peer) const;
  // False once accepting has failed for good (see above).
  bool healthy() const { return healthy_.load(); }
  size_t open_connections() const;

 private:
  struct Connection;

  void run();
  void accept_ready();
  void on_descriptors_exhausted(int error);
  void hand_over(Connection& connection);
  void on_client_event(Connection& connection, uint32_t events);
  void on_relay_event(Connection& connection, uint32_t events);
  // Moves bytes both ways as far as the sockets and buffers allow; false when
  // the connection is over (both sides done, or an error) and must be closed.
  bool pump(Connection& connection);
  // Counts the client's HTTP/2 frames in `bytes`; false when it abuses HTTP/2.
  bool inspect(Connection& connection, const char* bytes, size_t size);
  void update_interest(Connection& connection);
  void close_connection(Connection& connection, std::string_view why);
  void expire_silent();

  AcceptorOptions options_;
  int listen_fd_ = -1;
  int spare_fd_ = -1;  // kept open so a connection can be taken and closed when out of descriptors
  int epoll_fd_ = -1;
  int wake_pipe_[2] = {-1, -1};
  int port_ = 0;
  Handoff handoff_;
  std::thread thread_;
  std::atomic<bool> healthy_{true};
  std::atomic<bool> accepting_{true};
  std::atomic<bool> stopping_{false};
  std::chrono::steady_clock::time_point exhausted_since_{};
  std::chrono::steady_clock::time_point last_refusal_log_{};

  // Only the acceptor's thread changes the connections; the mutex lets
  // address_of() and open_connections() read them from other threads.
  mutable std::mutex mutex_;
  std::map<int, std::unique_ptr<Connection>> connections_;  // by client socket
  std::map<int, Connection*> by_relay_;                     // by the relay's end of the pair
  std::map<int, std::string> address_by_grpc_fd_;           // gRPC's end -> client address
  std::map<std::string, uint32_t> per_host_;

  std::atomic<uint64_t>& accepted_;
  std::atomic<uint64_t>& refused_over_cap_;
  std::atomic<uint64_t>& refused_no_descriptors_;
  std::atomic<uint64_t>& closed_silent_;
  std::atomic<uint64_t>& closed_abusive_;
};

}  // namespace spanline::gateway
