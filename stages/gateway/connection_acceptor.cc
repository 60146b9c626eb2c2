#include "stages/gateway/connection_acceptor.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "stages/common/log.h"

namespace spanline::gateway {
namespace {

using namespace std::chrono_literals;

constexpr auto kSweepInterval = 1s;
constexpr auto kRefusalLogInterval = 10s;

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

ino_t inode_of(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return 0;
  return st.st_ino;
}

}  // namespace

ConnectionAcceptor::ConnectionAcceptor(AcceptorOptions options, bus::StatsRegistry& stats)
    : options_(std::move(options)),
      accepted_(stats.counter("grpc_connections_accepted")),
      refused_over_cap_(stats.counter("grpc_connections_refused_over_cap")),
      refused_no_descriptors_(stats.counter("grpc_connections_refused_no_descriptors")),
      closed_silent_(stats.counter("grpc_connections_closed_silent")),
      closed_abusive_(stats.counter("grpc_connections_closed_abusive")) {
  stats.gauge("grpc_connections", [this] { return static_cast<double>(open_connections()); });
}

ConnectionAcceptor::~ConnectionAcceptor() {
  stop();
  std::lock_guard lock(mutex_);
  for (auto& [fd, connection] : connections_) ::close(connection.handed_over ? connection.duplicate : fd);
  connections_.clear();
}

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
  return Status::ok();
}

void ConnectionAcceptor::start(Handoff handoff) {
  handoff_ = std::move(handoff);
  thread_ = std::thread([this] { run(); });
}

void ConnectionAcceptor::stop() {
  if (thread_.joinable()) {
    char byte = 1;
    (void)!::write(wake_pipe_[1], &byte, 1);
    thread_.join();
  }
  for (int* fd : {&listen_fd_, &spare_fd_, &wake_pipe_[0], &wake_pipe_[1]}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
}

void ConnectionAcceptor::run() {
  auto next_sweep = std::chrono::steady_clock::now() + kSweepInterval;
  std::vector<pollfd> fds;
  std::vector<int> readable;
  while (true) {
    fds.assign({{listen_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}});
    {
      std::lock_guard lock(mutex_);
      for (const auto& [fd, connection] : connections_) {
        if (!connection.handed_over) fds.push_back({fd, POLLIN, 0});
      }
    }
    int ready = ::poll(fds.data(), fds.size(), 100);
    if (ready < 0 && errno != EINTR) {
      log::error("OTLP/gRPC listener: poll failed; the gateway will exit", {{"error", std::strerror(errno)}});
      healthy_ = false;
      return;
    }
    if (fds[1].revents != 0) return;
    if (fds[0].revents & (POLLERR | POLLNVAL)) {
      log::error("OTLP/gRPC listener socket failed; the gateway will exit");
      healthy_ = false;
      return;
    }
    readable.clear();
    for (size_t i = 2; i < fds.size(); ++i) {
      if (fds[i].revents != 0) readable.push_back(fds[i].fd);
    }
    serve_waiting(readable);
    if (fds[0].revents & POLLIN) accept_ready();
    if (std::chrono::steady_clock::now() >= next_sweep) {
      sweep();
      next_sweep = std::chrono::steady_clock::now() + kSweepInterval;
    }
    if (!healthy_) return;
  }
}

void ConnectionAcceptor::accept_ready() {
  // A bounded batch per wake-up, so waiting connections, the sweep and a stop
  // are never starved.
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
    std::string host;
    std::string address = describe(peer, &host);
    auto over_cap = [&] {
      auto per_host = per_host_.find(host);
      return connections_.size() >= options_.max_connections ||
             (per_host != per_host_.end() && per_host->second >= options_.max_connections_per_address);
    };
    bool refused = false;
    {
      std::lock_guard lock(mutex_);
      refused = over_cap();
    }
    if (refused) sweep();  // connections gRPC closed since the last sweep no longer count
    {
      std::lock_guard lock(mutex_);
      refused = over_cap();
      if (!refused) {
        auto existing = connections_.find(fd);
        if (existing != connections_.end()) forget(existing);  // gRPC closed it; the number came back to us
        connections_[fd] = Connection{-1, 0, address, host, false,
                                      std::chrono::steady_clock::now() + options_.handshake_timeout};
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
    exhausted_since_ = {};
    accepted_.fetch_add(1, std::memory_order_relaxed);
    int no_delay = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &no_delay, sizeof no_delay);
  }
}

void ConnectionAcceptor::serve_waiting(const std::vector<int>& readable) {
  auto now = std::chrono::steady_clock::now();
  std::vector<int> speak;
  int dup_error = 0;
  {
    std::lock_guard lock(mutex_);
    for (int fd : readable) {
      auto it = connections_.find(fd);
      if (it == connections_.end() || it->second.handed_over) continue;
      int duplicate = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
      if (duplicate < 0) {  // out of descriptors: it waits (and times out) like a silent one
        dup_error = errno;
        continue;
      }
      it->second.duplicate = duplicate;
      it->second.inode = inode_of(fd);
      it->second.handed_over = true;
      speak.push_back(fd);
    }
    for (auto it = connections_.begin(); it != connections_.end();) {
      auto next = std::next(it);
      if (!it->second.handed_over && now >= it->second.handshake_deadline) {
        ::close(it->first);
        closed_silent_.fetch_add(1, std::memory_order_relaxed);
        auto host = per_host_.find(it->second.host);
        if (host != per_host_.end() && --host->second == 0) per_host_.erase(host);
        connections_.erase(it);
      }
      it = next;
    }
  }
  if (dup_error != 0) note_exhausted(dup_error);
  else if (!speak.empty()) exhausted_since_ = {};
  // A client that closed before speaking is handed over too: gRPC reads EOF and
  // lets it go, which is simpler than telling the two apart here.
  for (int fd : speak) handoff_(fd);
}

// Out of descriptors: take the waiting connection with the spare descriptor and
// close it, so the backlog keeps moving and clients are told at once.
void ConnectionAcceptor::on_descriptors_exhausted(int error) {
  if (spare_fd_ >= 0) {
    ::close(spare_fd_);
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) ::close(fd);
    spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  note_exhausted(error);
  // Nothing can be accepted until a descriptor frees up: do not spin.
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

void ConnectionAcceptor::note_exhausted(int error) {
  auto now = std::chrono::steady_clock::now();
  if (exhausted_since_ == std::chrono::steady_clock::time_point{}) exhausted_since_ = now;
  refused_no_descriptors_.fetch_add(1, std::memory_order_relaxed);
  if (now - last_refusal_log_ >= kRefusalLogInterval) {
    last_refusal_log_ = now;
    log::warn("OTLP/gRPC connection refused: the process is out of file descriptors",
              {{"error", std::strerror(error)}, {"open_connections", open_connections()}});
  }
  if (now - exhausted_since_ >= options_.accept_failure_exit) {
    log::error("OTLP/gRPC listener: out of file descriptors for too long; the gateway will exit for its supervisor",
               {{"seconds", std::chrono::duration_cast<std::chrono::seconds>(options_.accept_failure_exit).count()}});
    healthy_ = false;
  }
}

// Forgets connections that gRPC has closed: their number is closed or now
// names another file. Closing the duplicate then lets the socket go.
void ConnectionAcceptor::sweep() {
  std::lock_guard lock(mutex_);
  for (auto it = connections_.begin(); it != connections_.end();) {
    auto next = std::next(it);
    if (it->second.handed_over && inode_of(it->first) != it->second.inode) forget(it);
    it = next;
  }
}

void ConnectionAcceptor::forget(std::map<int, Connection>::iterator it) {
  ::close(it->second.duplicate);
  auto host = per_host_.find(it->second.host);
  if (host != per_host_.end() && --host->second == 0) per_host_.erase(host);
  connections_.erase(it);
}

std::string ConnectionAcceptor::address_of(std::string_view grpc_peer) const {
  int fd = descriptor_of(grpc_peer);
  std::lock_guard lock(mutex_);
  auto it = connections_.find(fd);
  return it == connections_.end() ? std::string(grpc_peer) : it->second.address;
}

void ConnectionAcceptor::close_connection(std::string_view grpc_peer, std::string_view why) {
  int fd = descriptor_of(grpc_peer);
  std::lock_guard lock(mutex_);
  auto it = connections_.find(fd);
  if (it == connections_.end() || !it->second.handed_over) return;
  // Through the acceptor's own duplicate: always the right socket.
  ::shutdown(it->second.duplicate, SHUT_RDWR);
  closed_abusive_.fetch_add(1, std::memory_order_relaxed);
  log::warn("OTLP/gRPC connection closed", {{"peer", it->second.address}, {"why", why}});
}

size_t ConnectionAcceptor::open_connections() const {
  std::lock_guard lock(mutex_);
  return connections_.size();
}

}  // namespace spanline::gateway
