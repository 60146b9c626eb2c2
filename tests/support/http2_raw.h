#pragma once
// A bare HTTP/2 client (RFC 9113 frames, HPACK literals only) for attacks that
// no well-behaved library will send: streams opened and reset at once (rapid
// reset), messages announced and never finished, many streams on one
// connection. It honours flow control (SETTINGS, WINDOW_UPDATE) so the server
// sees a valid peer, just a hostile one.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace spanline::testing {

class Http2Raw {
 public:
  // Connects to 127.0.0.1:port, from `source_address` when given (any
  // 127.0.0.0/8 address: one host, several client addresses), and sends the
  // connection preface and an empty SETTINGS frame.
  explicit Http2Raw(int port, const std::string& source_address = "");
  ~Http2Raw();
  Http2Raw(const Http2Raw&) = delete;
  Http2Raw& operator=(const Http2Raw&) = delete;

  bool connected() const { return fd_ >= 0 && !closed_; }

  // HEADERS for a gRPC TraceService/Export call on a new stream (no END_STREAM).
  uint32_t open_export_stream(const std::string& api_key = "");
  // RST_STREAM with CANCEL.
  void reset(uint32_t stream);
  // Opens and resets `count` streams back to back, written in large batches.
  // With `with_message`, each stream first carries a whole (empty) gRPC
  // message and END_STREAM, so the server dispatches a call before the reset.
  void rapid_reset(int count, bool with_message = false);
  // Sends a gRPC message header announcing `announced` bytes and then up to
  // `bytes` of it, as far as flow control allows within `wait`; never ends the
  // stream. Returns the payload bytes sent.
  size_t send_partial_message(uint32_t stream, uint32_t announced, size_t bytes, std::chrono::milliseconds wait);
  // Reads what the server sent (answering SETTINGS and PING); false once the
  // server closed the connection or sent GOAWAY.
  bool pump(std::chrono::milliseconds wait);
  bool goaway_received() const { return goaway_; }

 private:
  void write_frame(uint8_t type, uint8_t flags, uint32_t stream, const std::string& payload);
  void flush();
  void handle_frame(uint8_t type, uint8_t flags, uint32_t stream, const std::string& payload);

  int fd_ = -1;
  bool closed_ = false;
  bool goaway_ = false;
  uint32_t next_stream_ = 1;
  int64_t connection_window_ = 65535;
  int64_t initial_stream_window_ = 65535;
  std::map<uint32_t, int64_t> stream_windows_;
  std::string out_;
  std::string in_;
};

}  // namespace spanline::testing
