#include "stages/gateway/connection_acceptor.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/log.h"

namespace spanline::gateway {
namespace {

using namespace std::chrono_literals;

constexpr auto kRefusalLogInterval = 10s;
constexpr auto kSilentCheckInterval = 100ms;
// epoll tags: the listener, the wake pipe, and (fd << 1 | 1 for a relay end) a connection.
constexpr uint64_t kListenTag = UINT64_MAX;
constexpr uint64_t kWakeTag = UINT64_MAX - 1;
uint64_t tag_of(int fd, bool relay) { return (static_cast<uint64_t>(fd) << 1) | (relay ? 1 : 0); }

// HTTP/2 (RFC 9113): the client's connection preface, the frame header, and
// the two frame types the relay counts.
constexpr size_t kPrefaceBytes = 24;
constexpr size_t kFrameHeaderBytes = 9;
constexpr uint8_t kHeadersFrame = 0x1;
constexpr uint8_t kRstStreamFrame = 0x3;

// "host:port", "[v6]:port" -> host, port.
bool split_address(const std::string& address, std::string& host, std::string& port) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) return false;
  host = address.substr(0, colon);
  port = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return !port.empty();
}

std::string describe(const sockaddr_storage& peer, std::string* host_out) {
  char host[INET6_ADDRSTRLEN] = {0};
  int port = 0;
  if (peer.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&peer);
    ::inet_ntop(AF_INET, &v4->sin_addr, host, sizeof host);
    port = ntohs(v4->sin_port);
  } else if (peer.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&peer);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof host);
    port = ntohs(v6->sin6_port);
  }
  *host_out = host;
  return peer.ss_family == AF_INET6 ? "[" + std::string(host) + "]:" + std::to_string(port)
                                    : std::string(host) + ":" + std::to_string(port);
}

int descriptor_of(std::string_view grpc_peer) {
  constexpr std::string_view kPrefix = "fd:";
  if (grpc_peer.substr(0, kPrefix.size()) != kPrefix) return -1;
  int fd = 0;
  for (char c : grpc_peer.substr(kPrefix.size())) {
    if (c < '0' || c > '9' || fd > 100'000'000) return -1;
    fd = fd * 10 + (c - '0');
  }
  return fd;
}

}  // namespace

struct ConnectionAcceptor::Connection {
  int client = -1;    // the client's TCP socket
  int relay = -1;     // the acceptor's end of the socket pair (-1 until handed over)
  int grpc_end = -1;  // the end gRPC holds ("fd:<n>")
  std::string address;
  std::string host;
  std::chrono::steady_clock::time_point handshake_deadline;
  std::string to_grpc;
  std::string to_client;
  bool client_done = false;  // the client sent end-of-file
  bool grpc_done = false;    // gRPC closed (or shut down) its end
  bool relay_shut = false;   // end-of-file passed on to gRPC
  uint32_t client_mask = 0;
  uint32_t relay_mask = 0;
  std::string abuse;  // why the relay closes it, when it does
  // The client's byte stream as HTTP/2 frames.
  size_t preface_left = kPrefaceBytes;
  unsigned char header[kFrameHeaderBytes] = {};
  size_t header_have = 0;
  uint64_t payload_left = 0;
  std::chrono::steady_clock::time_point window_start{};
  uint32_t streams = 0;
  uint32_t resets = 0;
};

ConnectionAcceptor::ConnectionAcceptor(AcceptorOptions options, bus::StatsRegistry& stats)
    : options_(std::move(options)),
      accepted_(stats.counter("grpc_connections_accepted")),
      refused_over_cap_(stats.counter("grpc_connections_refused_over_cap")),
      refused_no_descriptors_(stats.counter("grpc_connections_refused_no_descriptors")),
      closed_silent_(stats.counter("grpc_connections_closed_silent")),
      closed_abusive_(stats.counter("grpc_connections_closed_abusive")) {
  stats.gauge("grpc_connections", [this] { return static_cast<double>(open_connections()); });
}

ConnectionAcceptor::~ConnectionAcceptor() { stop(); }

Status ConnectionAcceptor::bind() {
  std::string host, port;
  if (!split_address(options_.address, host, port)) {
    return Status(Code::invalid_argument, "cannot listen for OTLP/gRPC on '" + options_.address + "': use host:port");
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return Status(Code::invalid_argument,
                  "cannot listen for OTLP/gRPC on " + options_.address + ": " + ::gai_strerror(rc));
  }
  std::string failure;
  for (addrinfo* candidate = found; candidate != nullptr; candidate = candidate->ai_next) {
    int fd = ::socket(candidate->ai_family, candidate->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    // SO_REUSEADDR lets a restarted gateway bind past TIME_WAIT; SO_REUSEPORT is
    // deliberately not set: it lets a second process bind the same port.
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (candidate->ai_family == AF_INET6) {
      int zero = 0;  // "[::]:port" takes IPv4 clients too, as gRPC's own listener did
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    }
    if (::bind(fd, candidate->ai_addr, candidate->ai_addrlen) == 0 && ::listen(fd, 1024) == 0) {
      listen_fd_ = fd;
      break;
    }
    failure = std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(found);
  if (listen_fd_ < 0) {
    return Status(Code::unavailable, "cannot listen for OTLP/gRPC on " + options_.address + ": " +
                                         (failure.empty() ? "no usable address" : failure) +
                                         (failure == std::strerror(EADDRINUSE) ? " (another process holds port " + port + ")" : ""));
  }
  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &length);
  port_ = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                      : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (::pipe2(wake_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) return Status(Code::internal, "pipe2 failed");
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) return Status(Code::internal, std::string("epoll_create1 failed: ") + std::strerror(errno));
  epoll_event listen_event{EPOLLIN, {.u64 = kListenTag}};
  epoll_event wake_event{EPOLLIN, {.u64 = kWakeTag}};
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &listen_event);
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_pipe_[0], &wake_event);
  return Status::ok();
}

void ConnectionAcceptor::start(Handoff handoff) {
  handoff_ = std::move(handoff);
  thread_ = std::thread([this] { run(); });
}

void ConnectionAcceptor::stop_accepting() {
  if (!accepting_.exchange(false) || listen_fd_ < 0 || epoll_fd_ < 0) return;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
}

void ConnectionAcceptor::stop() {
  stop_accepting();
  stopping_ = true;
  if (thread_.joinable()) {
    char byte = 1;
    (void)!::write(wake_pipe_[1], &byte, 1);
    thread_.join();
  }
  {
    std::lock_guard lock(mutex_);
    for (auto& [fd, connection] : connections_) {
      ::close(connection->client);
      if (connection->relay >= 0) ::close(connection->relay);
    }
    connections_.clear();
    by_relay_.clear();
    address_by_grpc_fd_.clear();
    per_host_.clear();
  }
  for (int* fd : {&listen_fd_, &spare_fd_, &epoll_fd_, &wake_pipe_[0], &wake_pipe_[1]}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
}

void ConnectionAcceptor::run() {
  epoll_event events[256];
  auto next_silent_check = std::chrono::steady_clock::now() + kSilentCheckInterval;
  while (!stopping_) {
    int ready = ::epoll_wait(epoll_fd_, events, 256, static_cast<int>(kSilentCheckInterval.count()));
    if (ready < 0 && errno != EINTR) {
      log::error("OTLP/gRPC listener: epoll_wait failed; the gateway will exit", {{"error", std::strerror(errno)}});
      healthy_ = false;
      return;
    }
    for (int i = 0; i < ready && !stopping_; ++i) {
      const uint64_t tag = events[i].data.u64;
      if (tag == kWakeTag) continue;  // stop() or stop_accepting(): the loop condition decides
      if (tag == kListenTag) {
        if (events[i].events & (EPOLLERR | EPOLLHUP)) {
          log::error("OTLP/gRPC listener socket failed; the gateway will exit");
          healthy_ = false;
          return;
        }
        if (accepting_) accept_ready();
        continue;
      }
      const int fd = static_cast<int>(tag >> 1);
      if (tag & 1) {
        auto it = by_relay_.find(fd);
        if (it != by_relay_.end()) on_relay_event(*it->second, events[i].events);
      } else {
        auto it = connections_.find(fd);
        if (it != connections_.end()) on_client_event(*it->second, events[i].events);
      }
    }
    if (std::chrono::steady_clock::now() >= next_silent_check) {
      expire_silent();
      next_silent_check = std::chrono::steady_clock::now() + kSilentCheckInterval;
    }
    if (!healthy_) return;
  }
}

void ConnectionAcceptor::accept_ready() {
  // A bounded batch per wake-up, so relaying is never starved by a flood of connects.
  for (int taken = 0; taken < 256; ++taken) {
    sockaddr_storage peer{};
    socklen_t length = sizeof peer;
    int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      int error = errno;
      if (error == EAGAIN || error == EWOULDBLOCK) return;
      if (error == EINTR || error == ECONNABORTED || error == EPROTO) continue;
      if (error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM) {
        on_descriptors_exhausted(error);
        return;
      }
      log::error("OTLP/gRPC listener: accept failed; the gateway will exit", {{"error", std::strerror(error)}});
      healthy_ = false;
      return;
    }
    exhausted_since_ = {};
    std::string host;
    std::string address = describe(peer, &host);
    bool refused = false;
    {
      std::lock_guard lock(mutex_);
      auto per_host = per_host_.find(host);
      refused = connections_.size() >= options_.max_connections ||
                (per_host != per_host_.end() && per_host->second >= options_.max_connections_per_address);
      if (!refused) {
        auto connection = std::make_unique<Connection>();
        connection->client = fd;
        connection->address = address;
        connection->host = host;
        connection->handshake_deadline = std::chrono::steady_clock::now() + options_.handshake_timeout;
        connections_[fd] = std::move(connection);
        ++per_host_[host];
      }
    }
    if (refused) {
      ::close(fd);
      refused_over_cap_.fetch_add(1, std::memory_order_relaxed);
      auto now = std::chrono::steady_clock::now();
      if (now - last_refusal_log_ >= kRefusalLogInterval) {
        last_refusal_log_ = now;
        log::warn("OTLP/gRPC connection refused: too many connections",
                  {{"peer", address}, {"max_connections", options_.max_connections},
                   {"max_connections_per_address", options_.max_connections_per_address},
                   {"refused_so_far", refused_over_cap_.load()}});
      }
      continue;
    }
    accepted_.fetch_add(1, std::memory_order_relaxed);
    int no_delay = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &no_delay, sizeof no_delay);
    Connection& connection = *connections_[fd];
    connection.client_mask = EPOLLIN;
    epoll_event event{connection.client_mask, {.u64 = tag_of(fd, false)}};
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event);
  }
}

// Out of descriptors: take the waiting connection with the spare descriptor and
// close it, so the backlog keeps moving and clients are told at once.
void ConnectionAcceptor::on_descriptors_exhausted(int error) {
  auto now = std::chrono::steady_clock::now();
  if (exhausted_since_ == std::chrono::steady_clock::time_point{}) exhausted_since_ = now;
  if (spare_fd_ >= 0) {
    ::close(spare_fd_);
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) ::close(fd);
    spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  refused_no_descriptors_.fetch_add(1, std::memory_order_relaxed);
  if (now - last_refusal_log_ >= kRefusalLogInterval) {
    last_refusal_log_ = now;
    log::warn("OTLP/gRPC connection refused: the process is out of file descriptors",
              {{"error", std::strerror(error)}, {"open_connections", connections_.size()}});
  }
  if (now - exhausted_since_ >= options_.accept_failure_exit) {
    log::error("OTLP/gRPC listener: out of file descriptors for too long; the gateway will exit for its supervisor",
               {{"seconds", std::chrono::duration_cast<std::chrono::seconds>(options_.accept_failure_exit).count()}});
    healthy_ = false;
  }
  // Nothing can be accepted until a descriptor frees up: do not spin.
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

// The client has spoken: a socket pair, gRPC gets one end.
void ConnectionAcceptor::hand_over(Connection& connection) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) != 0) {
    on_descriptors_exhausted(errno);
    close_connection(connection, "");
    return;
  }
  {
    std::lock_guard lock(mutex_);
    connection.relay = pair[0];
    connection.grpc_end = pair[1];
    by_relay_[pair[0]] = &connection;
    address_by_grpc_fd_[pair[1]] = connection.address;
  }
  connection.relay_mask = EPOLLIN;
  epoll_event event{connection.relay_mask, {.u64 = tag_of(pair[0], true)}};
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, pair[0], &event);
  handoff_(pair[1]);
}

void ConnectionAcceptor::on_client_event(Connection& connection, uint32_t events) {
  if (events & EPOLLERR) {
    close_connection(connection, "");
    return;
  }
  if (connection.relay < 0) {
    hand_over(connection);
    if (connection.relay < 0) return;  // closed: no descriptors for the pair
  }
  if (!pump(connection)) {
    close_connection(connection, connection.abuse);
    return;
  }
  if ((events & EPOLLHUP) && connection.to_client.size() > 0) {
    close_connection(connection, "");  // nobody left to read the answers
    return;
  }
  update_interest(connection);
}

void ConnectionAcceptor::on_relay_event(Connection& connection, uint32_t events) {
  (void)events;
  if (!pump(connection)) {
    close_connection(connection, connection.abuse);
    return;
  }
  update_interest(connection);
}

bool ConnectionAcceptor::pump(Connection& connection) {
  char buffer[16384];
  const size_t cap = options_.buffer_bytes;
  // Client -> gRPC.
  if (!connection.client_done && connection.to_grpc.size() < cap) {
    ssize_t n = ::recv(connection.client, buffer, std::min(sizeof buffer, cap - connection.to_grpc.size()), 0);
    if (n > 0) {
      if (!inspect(connection, buffer, static_cast<size_t>(n))) return false;
      connection.to_grpc.append(buffer, static_cast<size_t>(n));
    } else if (n == 0) {
      connection.client_done = true;
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      return false;
    }
  }
  if (!connection.to_grpc.empty() && !connection.grpc_done) {
    ssize_t n = ::send(connection.relay, connection.to_grpc.data(), connection.to_grpc.size(), MSG_NOSIGNAL);
    if (n > 0) connection.to_grpc.erase(0, static_cast<size_t>(n));
    else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) connection.grpc_done = true;
  }
  if (connection.client_done && connection.to_grpc.empty() && !connection.relay_shut) {
    ::shutdown(connection.relay, SHUT_WR);  // gRPC sees the client's end of file
    connection.relay_shut = true;
  }
  // gRPC -> client.
  if (!connection.grpc_done && connection.to_client.size() < cap) {
    ssize_t n = ::recv(connection.relay, buffer, std::min(sizeof buffer, cap - connection.to_client.size()), 0);
    if (n > 0) connection.to_client.append(buffer, static_cast<size_t>(n));
    else if (n == 0) connection.grpc_done = true;
    else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) connection.grpc_done = true;
  }
  if (!connection.to_client.empty()) {
    ssize_t n = ::send(connection.client, connection.to_client.data(), connection.to_client.size(), MSG_NOSIGNAL);
    if (n > 0) connection.to_client.erase(0, static_cast<size_t>(n));
    else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
  }
  // Over once gRPC is done with it and everything it said has been passed on.
  if (connection.grpc_done && connection.to_client.empty()) return false;
  return true;
}

bool ConnectionAcceptor::inspect(Connection& connection, const char* bytes, size_t size) {
  size_t at = 0;
  while (at < size) {
    if (connection.preface_left > 0) {
      size_t skip = std::min(connection.preface_left, size - at);
      connection.preface_left -= skip;
      at += skip;
      continue;
    }
    if (connection.payload_left > 0) {
      size_t skip = static_cast<size_t>(std::min<uint64_t>(connection.payload_left, size - at));
      connection.payload_left -= skip;
      at += skip;
      continue;
    }
    size_t take = std::min(kFrameHeaderBytes - connection.header_have, size - at);
    std::memcpy(connection.header + connection.header_have, bytes + at, take);
    connection.header_have += take;
    at += take;
    if (connection.header_have < kFrameHeaderBytes) break;
    connection.header_have = 0;
    connection.payload_left = (static_cast<uint64_t>(connection.header[0]) << 16) |
                              (static_cast<uint64_t>(connection.header[1]) << 8) | connection.header[2];
    const uint8_t type = connection.header[3];
    if (type != kHeadersFrame && type != kRstStreamFrame) continue;
    auto now = std::chrono::steady_clock::now();
    if (now - connection.window_start >= std::chrono::seconds(1)) {
      connection.window_start = now;
      connection.streams = 0;
      connection.resets = 0;
    }
    if (type == kHeadersFrame && ++connection.streams > options_.max_streams_per_second) {
      connection.abuse = "opened more than " + std::to_string(options_.max_streams_per_second) +
                         " streams in one second (a call flood)";
      return false;
    }
    if (type == kRstStreamFrame && ++connection.resets > options_.max_resets_per_second) {
      connection.abuse = "reset more than " + std::to_string(options_.max_resets_per_second) +
                         " streams in one second (HTTP/2 rapid reset)";
      return false;
    }
  }
  return true;
}

void ConnectionAcceptor::update_interest(Connection& connection) {
  const size_t cap = options_.buffer_bytes;
  uint32_t client_mask = 0;
  if (!connection.client_done && connection.to_grpc.size() < cap) client_mask |= EPOLLIN;
  if (!connection.to_client.empty()) client_mask |= EPOLLOUT;
  if (client_mask != connection.client_mask) {
    connection.client_mask = client_mask;
    epoll_event event{client_mask, {.u64 = tag_of(connection.client, false)}};
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, connection.client, &event);
  }
  if (connection.relay < 0) return;
  uint32_t relay_mask = 0;
  if (!connection.grpc_done && connection.to_client.size() < cap) relay_mask |= EPOLLIN;
  if (!connection.to_grpc.empty() && !connection.grpc_done) relay_mask |= EPOLLOUT;
  if (relay_mask != connection.relay_mask) {
    connection.relay_mask = relay_mask;
    epoll_event event{relay_mask, {.u64 = tag_of(connection.relay, true)}};
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, connection.relay, &event);
  }
}

void ConnectionAcceptor::close_connection(Connection& connection, std::string_view why) {
  if (!why.empty()) {
    closed_abusive_.fetch_add(1, std::memory_order_relaxed);
    log::warn("OTLP/gRPC connection closed", {{"peer", connection.address}, {"why", why}});
    // An abortive close: the client is reset, and what it sent after is dropped.
    linger abort{1, 0};
    ::setsockopt(connection.client, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
  }
  const int client = connection.client;
  std::lock_guard lock(mutex_);
  ::close(client);
  if (connection.relay >= 0) {
    ::close(connection.relay);  // gRPC reads end-of-file and drops the connection's calls
    by_relay_.erase(connection.relay);
    auto mapped = address_by_grpc_fd_.find(connection.grpc_end);
    // gRPC may already have closed its end and the number gone to a newer connection.
    if (mapped != address_by_grpc_fd_.end() && mapped->second == connection.address) address_by_grpc_fd_.erase(mapped);
  }
  auto host = per_host_.find(connection.host);
  if (host != per_host_.end() && --host->second == 0) per_host_.erase(host);
  connections_.erase(client);  // destroys `connection`
}

void ConnectionAcceptor::expire_silent() {
  auto now = std::chrono::steady_clock::now();
  std::vector<Connection*> silent;
  for (auto& [fd, connection] : connections_) {
    if (connection->relay < 0 && now >= connection->handshake_deadline) silent.push_back(connection.get());
  }
  for (Connection* connection : silent) {
    closed_silent_.fetch_add(1, std::memory_order_relaxed);
    close_connection(*connection, "");
  }
}

std::string ConnectionAcceptor::address_of(std::string_view grpc_peer) const {
  int fd = descriptor_of(grpc_peer);
  std::lock_guard lock(mutex_);
  auto it = address_by_grpc_fd_.find(fd);
  return it == address_by_grpc_fd_.end() ? std::string(grpc_peer) : it->second;
}

size_t ConnectionAcceptor::open_connections() const {
  std::lock_guard lock(mutex_);
  return connections_.size();
}

}  // namespace spanline::gateway
