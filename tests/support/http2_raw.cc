#include "tests/support/http2_raw.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace spanline::testing {
namespace {

constexpr uint8_t kData = 0, kHeaders = 1, kRstStream = 3, kSettings = 4, kPing = 6, kGoaway = 7, kWindowUpdate = 8;
constexpr uint8_t kEndStream = 0x1, kEndHeaders = 0x4, kAck = 0x1;
constexpr uint16_t kSettingsInitialWindowSize = 0x4;
constexpr uint32_t kCancel = 0x8;

void put32(std::string& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((value >> shift) & 0xFF);
}

uint32_t get32(const std::string& in, size_t at) {
  uint32_t value = 0;
  for (size_t i = 0; i < 4; ++i) value = (value << 8) | static_cast<uint8_t>(in[at + i]);
  return value;
}

// HPACK "literal header field without indexing, new name", no Huffman coding
// (RFC 7541 6.2.2); names and values here are shorter than 127 bytes.
void literal(std::string& block, const std::string& name, const std::string& value) {
  block += '\0';
  block += static_cast<char>(name.size());
  block += name;
  block += static_cast<char>(value.size());
  block += value;
}

}  // namespace

Http2Raw::Http2Raw(int port, const std::string& source_address) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  timeval timeout{2, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  if (!source_address.empty()) {
    sockaddr_in source{};
    source.sin_family = AF_INET;
    ::inet_pton(AF_INET, source_address.c_str(), &source.sin_addr);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&source), sizeof source);
  }
  sockaddr_in server{};
  server.sin_family = AF_INET;
  server.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&server), sizeof server) != 0) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  out_ = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  write_frame(kSettings, 0, 0, "");
  flush();
}

Http2Raw::~Http2Raw() {
  if (fd_ >= 0) ::close(fd_);
}

void Http2Raw::write_frame(uint8_t type, uint8_t flags, uint32_t stream, const std::string& payload) {
  uint32_t length = static_cast<uint32_t>(payload.size());
  out_ += static_cast<char>((length >> 16) & 0xFF);
  out_ += static_cast<char>((length >> 8) & 0xFF);
  out_ += static_cast<char>(length & 0xFF);
  out_ += static_cast<char>(type);
  out_ += static_cast<char>(flags);
  put32(out_, stream & 0x7FFFFFFF);
  out_ += payload;
}

void Http2Raw::flush() {
  size_t sent = 0;
  while (fd_ >= 0 && sent < out_.size()) {
    ssize_t n = ::send(fd_, out_.data() + sent, out_.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      closed_ = true;
      break;
    }
    sent += static_cast<size_t>(n);
  }
  out_.clear();
}

// The HEADERS block of a gRPC TraceService/Export call.
static std::string export_headers(const std::string& api_key) {
  std::string block;
  literal(block, ":method", "POST");
  literal(block, ":scheme", "http");
  literal(block, ":path", "/opentelemetry.proto.collector.trace.v1.TraceService/Export");
  literal(block, ":authority", "spanline");
  literal(block, "content-type", "application/grpc");
  literal(block, "te", "trailers");
  if (!api_key.empty()) literal(block, "x-junjo-api-key", api_key);
  return block;
}

uint32_t Http2Raw::open_export_stream(const std::string& api_key) {
  uint32_t stream = next_stream_;
  next_stream_ += 2;
  write_frame(kHeaders, kEndHeaders, stream, export_headers(api_key));
  stream_windows_[stream] = initial_stream_window_;
  flush();
  return stream;
}

void Http2Raw::reset(uint32_t stream) {
  std::string code;
  put32(code, kCancel);
  write_frame(kRstStream, 0, stream, code);
  stream_windows_.erase(stream);
  flush();
}

void Http2Raw::rapid_reset(int count, bool with_message) {
  const std::string block = export_headers("");
  std::string code;
  put32(code, kCancel);
  for (int i = 0; i < count && connected(); ++i) {
    uint32_t stream = next_stream_;
    next_stream_ += 2;
    write_frame(kHeaders, kEndHeaders, stream, block);
    if (with_message) write_frame(kData, kEndStream, stream, std::string(5, '\0'));
    write_frame(kRstStream, 0, stream, code);
    if (out_.size() > (64 << 10)) {
      flush();
      pump(std::chrono::milliseconds(0));
    }
  }
  flush();
}

size_t Http2Raw::send_partial_message(uint32_t stream, uint32_t announced, size_t bytes, std::chrono::milliseconds wait) {
  auto deadline = std::chrono::steady_clock::now() + wait;
  size_t sent = 0;
  bool header_sent = false;
  while (sent < bytes && connected() && std::chrono::steady_clock::now() < deadline) {
    int64_t window = std::min(connection_window_, stream_windows_[stream]);
    if (window <= 5) {
      if (!pump(std::chrono::milliseconds(20))) break;
      continue;
    }
    std::string payload;
    if (!header_sent) {
      payload += '\0';
      put32(payload, announced);
      header_sent = true;
    }
    size_t chunk = std::min<size_t>({bytes - sent, static_cast<size_t>(window) - payload.size(), 16384 - payload.size()});
    payload.append(chunk, 'x');
    write_frame(kData, 0, stream, payload);
    connection_window_ -= static_cast<int64_t>(payload.size());
    stream_windows_[stream] -= static_cast<int64_t>(payload.size());
    sent += chunk;
    flush();
  }
  return sent;
}

bool Http2Raw::pump(std::chrono::milliseconds wait) {
  if (fd_ < 0 || closed_) return false;
  pollfd p{fd_, POLLIN, 0};
  int timeout = static_cast<int>(wait.count());
  while (::poll(&p, 1, timeout) > 0) {
    char buffer[65536];
    ssize_t n = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      closed_ = true;
      return false;
    }
    if (n > 0) in_.append(buffer, static_cast<size_t>(n));
    while (in_.size() >= 9) {
      uint32_t length = (static_cast<uint8_t>(in_[0]) << 16) | (static_cast<uint8_t>(in_[1]) << 8) | static_cast<uint8_t>(in_[2]);
      if (in_.size() < 9 + length) break;
      handle_frame(static_cast<uint8_t>(in_[3]), static_cast<uint8_t>(in_[4]), get32(in_, 5) & 0x7FFFFFFF,
                   in_.substr(9, length));
      in_.erase(0, 9 + length);
    }
    flush();
    timeout = 0;
  }
  return connected() && !goaway_;
}

void Http2Raw::handle_frame(uint8_t type, uint8_t flags, uint32_t stream, const std::string& payload) {
  if (type == kSettings && !(flags & kAck)) {
    for (size_t at = 0; at + 6 <= payload.size(); at += 6) {
      uint16_t id = static_cast<uint16_t>((static_cast<uint8_t>(payload[at]) << 8) | static_cast<uint8_t>(payload[at + 1]));
      uint32_t value = get32(payload, at + 2);
      if (id == kSettingsInitialWindowSize) {
        for (auto& [s, window] : stream_windows_) window += static_cast<int64_t>(value) - initial_stream_window_;
        initial_stream_window_ = value;
      }
    }
    write_frame(kSettings, kAck, 0, "");
  } else if (type == kPing && !(flags & kAck)) {
    write_frame(kPing, kAck, 0, payload);
  } else if (type == kWindowUpdate && payload.size() == 4) {
    int64_t increment = get32(payload, 0) & 0x7FFFFFFF;
    if (stream == 0) connection_window_ += increment;
    else if (stream_windows_.count(stream)) stream_windows_[stream] += increment;
  } else if (type == kRstStream) {
    stream_windows_.erase(stream);
  } else if (type == kGoaway) {
    goaway_ = true;
  }
}

}  // namespace spanline::testing
