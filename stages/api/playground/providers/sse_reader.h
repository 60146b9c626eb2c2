#pragma once
// Server-Sent Events decoding as the WHATWG HTML standard defines it, for the
// playground's provider answers (every provider streams this way). Bytes arrive
// cut anywhere (mid-line, between a CR and its LF); the reader keeps the unfinished
// line and yields each event when its blank line arrives.
//
// Lines end in LF, CRLF or CR; `event:` names the event (default "message"),
// `data:` lines are joined with LF, one space after the colon is dropped, lines
// starting with ':' are comments (keep-alives), `id:`/`retry:` and unknown fields
// are ignored. An event without data is not dispatched (as the standard says).
//
// Threads: one reader per stream, used by one thread at a time.

#include <string>
#include <string_view>
#include <vector>

namespace spanline::api::playground {

struct SseEvent {
  std::string event = "message";
  std::string data;
};

class SseReader {
 public:
  // Appends the events these bytes complete to `out`.
  void feed(std::string_view bytes, std::vector<SseEvent>& out);
  // True when the stream so far ends inside an event (a line or fields without
  // their blank line): a stream cut there lost that event.
  bool inside_event() const { return !line_.empty() || has_fields_; }

 private:
  void take_line(std::vector<SseEvent>& out);

  std::string line_;
  bool skip_lf_ = false;      // the last byte was a CR: an LF right after it ends the same line
  bool at_start_ = true;      // a UTF-8 byte order mark at the very start is dropped
  bool has_fields_ = false;   // a field line arrived since the last blank line
  bool has_data_ = false;
  SseEvent pending_;
};

}  // namespace spanline::api::playground
