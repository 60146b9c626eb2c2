#pragma once
// The OTLP/gRPC port's own TCP listener. gRPC 1.51's listener cannot cap
// connections, enables SO_REUSEPORT (two gateways silently share a port), and
// stops accepting for good after running out of file descriptors. So the
// gateway binds and accepts itself and hands each admitted connection to gRPC
// (grpc::AddInsecureChannelFromFd):
//
// - the port is bound without SO_REUSEPORT: a port in use is an error naming it;
// - at most `max_connections` in all and `max_connections_per_address` from one
//   client address; a connection past a cap is closed at once and counted;
// - a connection is handed to gRPC only once its client has sent something
//   (the HTTP/2 preface); one silent for `handshake_timeout` is closed, so idle
//   TCP connections cost no gRPC transport and cannot pile up (gRPC's own idle
//   timer only starts after the HTTP/2 handshake);
// - out of file descriptors (EMFILE/ENFILE), the pending connection is taken
//   with a spare descriptor kept for that and closed, so the backlog never
//   wedges; if that lasts `accept_failure_exit`, or accept fails in a way that
//   cannot recover, healthy() turns false and the gateway exits for its
//   supervisor instead of lingering half-alive;
// - a connection can be closed on purpose (an abusive HTTP/2 client), safely:
//   the acceptor keeps its own duplicate of every descriptor it handed over, so
//   it never touches a descriptor number that gRPC has closed and the process
//   reused.
//
// gRPC names such a connection's peer "fd:<n>"; address_of(n) gives the client
// address that was accepted.
//
// Threads: one accept thread (poll on the socket, once a second a sweep that
// forgets connections gRPC has closed). Every public method is thread-safe.

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bus/stats.h"
#include "stages/common/status.h"

namespace spanline::gateway {

struct AcceptorOptions {
  std::string address;  // host:port; port 0 picks a free one
  uint32_t max_connections = 4096;
  uint32_t max_connections_per_address = 256;
  std::chrono::milliseconds handshake_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds accept_failure_exit{std::chrono::seconds(30)};
};

class ConnectionAcceptor {
 public:
  // Called on the accept thread with a connected, non-blocking socket that the
  // callee now owns.
  using Handoff = std::function<void(int fd)>;

  ConnectionAcceptor(AcceptorOptions options, bus::StatsRegistry& stats);
  ~ConnectionAcceptor();
  ConnectionAcceptor(const ConnectionAcceptor&) = delete;
  ConnectionAcceptor& operator=(const ConnectionAcceptor&) = delete;

  // Binds and listens (the error names the address and why, e.g. in use).
  Status bind();
  int port() const { return port_; }
  void start(Handoff handoff);
  // Stops accepting; connections already handed over stay with gRPC.
  void stop();

  // The client address ("127.0.0.1:5555") of a connection gRPC calls "fd:<n>".
  std::string address_of(std::string_view grpc_peer) const;
  // Shuts the connection down (gRPC then sees it closed and drops its calls).
  void close_connection(std::string_view grpc_peer, std::string_view why);
  // False once accepting has failed for good (see above).
  bool healthy() const { return healthy_.load(); }
  size_t open_connections() const;

 private:
  struct Connection {
    int duplicate = -1;  // the acceptor's own descriptor of the socket, once handed over
    ino_t inode = 0;     // tells the handed-over number apart from a reused one
    std::string address;
    std::string host;
    bool handed_over = false;
    std::chrono::steady_clock::time_point handshake_deadline;
  };

  void run();
  void accept_ready();
  // Hands over the waiting connections whose client spoke, closes those past the deadline.
  void serve_waiting(const std::vector<int>& readable);
  void on_descriptors_exhausted(int error);
  void note_exhausted(int error);
  void sweep();
  void forget(std::map<int, Connection>::iterator it);

  AcceptorOptions options_;
  int listen_fd_ = -1;
  int spare_fd_ = -1;  // kept open so a connection can be taken and closed when out of descriptors
  int wake_pipe_[2] = {-1, -1};
  int port_ = 0;
  Handoff handoff_;
  std::thread thread_;
  std::atomic<bool> healthy_{true};
  std::chrono::steady_clock::time_point exhausted_since_{};
  std::chrono::steady_clock::time_point last_refusal_log_{};

  mutable std::mutex mutex_;
  std::map<int, Connection> connections_;  // by the descriptor number handed to gRPC
  std::map<std::string, uint32_t> per_host_;

  std::atomic<uint64_t>& accepted_;
  std::atomic<uint64_t>& refused_over_cap_;
  std::atomic<uint64_t>& refused_no_descriptors_;
  std::atomic<uint64_t>& closed_silent_;
  std::atomic<uint64_t>& closed_abusive_;
};

}  // namespace spanline::gateway
