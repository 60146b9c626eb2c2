#include "tests/support/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace spanline::testing {
namespace {

int connect_local(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
  }
  return fd;
}

void send_all(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) throw std::runtime_error("send failed");
    sent += static_cast<size_t>(n);
  }
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return text;
}

// Parses "HTTP/1.1 200 OK\r\nName: value\r\n...\r\n\r\n"; returns the offset after the blank line.
size_t parse_head(const std::string& text, HttpResponse& response) {
  size_t end = text.find("\r\n\r\n");
  if (end == std::string::npos) return std::string::npos;
  size_t line_end = text.find("\r\n");
  std::string status_line = text.substr(0, line_end);
  auto space = status_line.find(' ');
  response.status = space == std::string::npos ? 0 : std::atoi(status_line.c_str() + space + 1);
  size_t at = line_end + 2;
  while (at < end) {
    size_t next = text.find("\r\n", at);
    std::string line = text.substr(at, next - at);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(value.begin());
      std::string name = lower(line.substr(0, colon));
      // Several Set-Cookie lines (session and device cookie) are kept, one a line, in the order sent.
      if (name == "set-cookie" && response.headers.contains(name)) value = response.headers[name] + "\n" + value;
      response.headers[name] = value;
    }
    at = next + 2;
  }
  return end + 4;
}

// Decodes complete chunks from `raw` into `out`, leaving an incomplete tail in `raw`.
void dechunk(std::string& raw, std::string& out) {
  for (;;) {
    size_t line_end = raw.find("\r\n");
    if (line_end == std::string::npos) return;
    size_t size = std::stoul(raw.substr(0, line_end), nullptr, 16);
    if (raw.size() < line_end + 2 + size + 2) return;
    out += raw.substr(line_end + 2, size);
    raw.erase(0, line_end + 2 + size + 2);
    if (size == 0) return;
  }
}

}  // namespace

HttpResponse http_request(int port, const std::string& method, const std::string& target,
                          const std::map<std::string, std::string>& headers, const std::string& body,
                          std::chrono::milliseconds timeout) {
  int fd = connect_local(port);
  // Host: 127.0.0.1 unless the caller sends its own.
  std::string request = method + " " + target + " HTTP/1.1\r\n" + (headers.contains("Host") ? "" : "Host: 127.0.0.1\r\n") +
                        "Connection: close\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  if (!body.empty() || method == "POST") request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  request += "\r\n" + body;
  send_all(fd, request);
  std::string text;
  char buffer[65536];
  auto deadline = std::chrono::steady_clock::now() + timeout;
  HttpResponse response;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) break;
    ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
    // Pistache may keep the connection open after a complete response: stop at its end.
    size_t body_at = parse_head(text, response);
    if (body_at == std::string::npos) continue;
    std::string length = response.header("content-length");
    if (!length.empty() && text.size() - body_at >= std::stoul(length)) break;
    if (response.header("transfer-encoding") == "chunked" && text.size() >= 5 && text.compare(text.size() - 5, 5, "0\r\n\r\n") == 0) break;
  }
  ::close(fd);
  size_t body_at = parse_head(text, response);
  if (body_at == std::string::npos) throw std::runtime_error("no HTTP response for " + method + " " + target);
  std::string rest = text.substr(body_at);
  if (response.header("transfer-encoding") == "chunked") {
    dechunk(rest, response.body);
  } else {
    response.body = rest;
    std::string length = response.header("content-length");
    if (!length.empty() && response.body.size() > std::stoul(length)) response.body.resize(std::stoul(length));
  }
  return response;
}

SseReader::SseReader(int port, const std::string& target, const std::string& cookie) {
  fd_ = connect_local(port);
  std::string cookie_line = cookie.empty() ? "" : "Cookie: " + cookie + "\r\n";
  send_all(fd_, "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n" + cookie_line +
                    "Connection: keep-alive\r\n\r\n");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!headers_done_ && std::chrono::steady_clock::now() < deadline) read_some(std::chrono::milliseconds(200));
}

SseReader::SseReader(int port, const std::string& target, const std::string& cookie, const std::string& json_body) {
  fd_ = connect_local(port);
  std::string cookie_line = cookie.empty() ? "" : "Cookie: " + cookie + "\r\n";
  send_all(fd_, "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n" + cookie_line +
                    "Content-Type: application/json\r\nContent-Length: " + std::to_string(json_body.size()) +
                    "\r\nConnection: keep-alive\r\n\r\n" + json_body);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!headers_done_ && std::chrono::steady_clock::now() < deadline) read_some(std::chrono::milliseconds(200));
}

SseReader::~SseReader() { close(); }

void SseReader::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

const std::vector<SseEvent>& SseReader::wait_for_any(const std::vector<std::string>& types, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto arrived = [&] {
    for (const SseEvent& e : events_) {
      for (const std::string& type : types) {
        if (e.event == type) return true;
      }
    }
    return false;
  };
  while (fd_ >= 0 && !arrived() && std::chrono::steady_clock::now() < deadline) read_some(std::chrono::milliseconds(100));
  return events_;
}

void SseReader::read_some(std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return;
  char buffer[65536];
  ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
  if (n <= 0) return;
  raw_.append(buffer, static_cast<size_t>(n));
  if (!headers_done_) {
    HttpResponse head;
    size_t body_at = parse_head(raw_, head);
    if (body_at == std::string::npos) return;
    status_ = head.status;
    headers_done_ = true;
    raw_.erase(0, body_at);
  }
  dechunk(raw_, decoded_);
  for (size_t end; (end = decoded_.find("\n\n")) != std::string::npos;) {
    std::string block = decoded_.substr(0, end);
    decoded_.erase(0, end + 2);
    SseEvent event;
    size_t at = 0;
    while (at <= block.size()) {
      size_t next = block.find('\n', at);
      if (next == std::string::npos) next = block.size();
      std::string line = block.substr(at, next - at);
      if (line.rfind("event: ", 0) == 0) event.event = line.substr(7);
      if (line.rfind("data: ", 0) == 0) event.data += line.substr(6);
      at = next + 1;
    }
    if (!event.event.empty()) events_.push_back(event);
  }
}

std::vector<SseEvent> SseReader::wait_for(const std::string& event, size_t count, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto matching = [&] {
    std::vector<SseEvent> found;
    for (const SseEvent& e : events_) {
      if (e.event == event) found.push_back(e);
    }
    return found;
  };
  while (matching().size() < count && std::chrono::steady_clock::now() < deadline) read_some(std::chrono::milliseconds(100));
  return matching();
}

}  // namespace spanline::testing
