#include "stages/api/http/sse_stream.h"

#include <fcntl.h>
#include <linux/sockios.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include <pistache/http.h>
#include <pistache/peer.h>

#include "base/clock.h"

namespace spanline::api {
namespace {

std::string chunk_of(std::string_view text) {
  char size[20];
  int size_length = std::snprintf(size, sizeof(size), "%zx\r\n", text.size());
  std::string chunk(size, static_cast<size_t>(size_length));
  chunk += text;
  chunk += "\r\n";
  return chunk;
}

}  // namespace

Result<std::unique_ptr<SseStream>> SseStream::open(Pistache::Http::ResponseWriter& response, const std::string& cors_origin) {
  std::shared_ptr<Pistache::Tcp::Peer> peer = response.peer();
  if (!peer) return Status(Code::cancelled, "the client left");
  int fd = ::fcntl(peer->fd(), F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return Status(Code::unavailable, "no descriptor free for the event stream; retry shortly");
  auto stream = std::make_unique<SseStream>(fd);
  std::string head =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no\r\n"
      "X-Content-Type-Options: nosniff\r\nTransfer-Encoding: chunked\r\n";
  if (!cors_origin.empty()) head += "Access-Control-Allow-Origin: " + cors_origin + "\r\nVary: Origin\r\n";
  head += "\r\n";
  // A fresh connection's send buffer is empty: the head goes at once or the client is gone.
  if (::send(fd, head.data(), head.size(), MSG_NOSIGNAL | MSG_DONTWAIT) != static_cast<ssize_t>(head.size())) {
    return Status(Code::cancelled, "the client left");
  }
  return stream;
}

SseStream::~SseStream() {
  if (fd_ >= 0) {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
  }
}

std::string SseStream::event(std::string_view name, std::string_view data) {
  std::string text;
  text.reserve(name.size() + data.size() + 16);
  text.append("event: ").append(name).append("\ndata: ").append(data).append("\n\n");
  return text;
}

bool SseStream::send_now(std::string_view text) {
  const std::string chunk = chunk_of(text);
  ssize_t sent = ::send(fd_, chunk.data(), chunk.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  return sent == static_cast<ssize_t>(chunk.size());
}

bool SseStream::send_within(std::string_view text, std::chrono::milliseconds wait) {
  const std::string chunk = chunk_of(text);
  const auto deadline = SteadyClock::now() + wait;
  size_t done = 0;
  while (done < chunk.size()) {
    ssize_t sent = ::send(fd_, chunk.data() + done, chunk.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent > 0) {
      done += static_cast<size_t>(sent);
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (left.count() <= 0) return false;
    pollfd writable{.fd = fd_, .events = POLLOUT, .revents = 0};
    if (::poll(&writable, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) return false;
    if (writable.revents & (POLLHUP | POLLERR)) return false;
  }
  return true;
}

void SseStream::end() {
  const char last_chunk[] = "0\r\n\r\n";
  (void)::send(fd_, last_chunk, sizeof(last_chunk) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
}

bool SseStream::client_gone() const {
  pollfd peer{.fd = fd_, .events = POLLRDHUP, .revents = 0};
  if (::poll(&peer, 1, 0) <= 0) return false;
  return (peer.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

int SseStream::unsent_bytes() const {
  int unsent = 0;
  return ::ioctl(fd_, SIOCOUTQ, &unsent) == 0 ? unsent : 0;
}

}  // namespace spanline::api
