#pragma once
// A stricter request parser for the api's Pistache server. Pistache 0.0.5 turns
// some malformed requests into a 500 carrying a C++ exception's text
// ("Content-Length: -1" reserves 2^64-1 bytes: "basic_string::_M_create";
// twenty digits: "stoull"; a large length: "std::bad_alloc"), and takes the
// first of two differing Content-Length headers (a request smuggling hazard
// behind a proxy that takes the other).
//
// How it works: Pistache's three parse steps (request line, headers, body) are
// wrapped. Before the headers step reads a complete header block, the block is
// checked: every line a "name: value" with a name free of spaces and controls,
// no folded lines, and every Content-Length one to nineteen digits, all equal,
// at most the largest request the server takes (else 413). Anything a step
// still throws becomes an HttpError whose text is a JSON error
// ({"error":{"code","message"}}) without internals; the exception's own text
// goes to the debug log and the malformed-requests counter.
//
// Threads: one parser per connection, used by that connection's Pistache worker.
//
// Limits: Pistache writes the answer to a parse error itself: the body is our
// JSON, but it has no Content-Type nor the security headers, and Pistache keeps
// the connection open. Pistache's own 413 for a request past its buffer
// ("Request exceeded maximum buffer size") is raised outside the steps and
// stays plain text.

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include <pistache/http.h>

namespace spanline::api {

struct StrictParserOptions {
  // Pistache's buffer for one request (headers and body).
  size_t max_request_bytes = 0;
  // Counted for each request refused here (a stats counter), when set.
  std::atomic<uint64_t>* malformed_counter = nullptr;
};

class StrictRequestParser final : public Pistache::Http::RequestParser {
 public:
  explicit StrictRequestParser(const StrictParserOptions& options);
};

// The check run on a complete header block (the bytes after the request line,
// up to and including the blank line): ok, or the HTTP status and message to refuse it with.
struct HeaderBlockVerdict {
  int status = 0;  // 0: acceptable
  std::string message;
};
HeaderBlockVerdict check_header_block(std::string_view block, size_t max_request_bytes);

// The request line this thread parsed last, as sent: Pistache 0.0.5 keeps only
// the first of repeated query parameters, so the handler reads repeated ones
// (`attr`) from here. Pistache parses a request and hands it to the handler on
// the same thread, one request after the other, so the last line parsed on
// the handler's thread is its request's; the handler checks that the method
// and path agree before trusting it.
struct RawRequestLine {
  std::string method;
  std::string path;   // raw, as Pistache's resource()
  std::string query;  // raw, after '?', without the fragment
};
const RawRequestLine& last_request_line();
// The line's parts from "METHOD SP target SP version"; nothing when it is not one.
bool split_request_line(std::string_view line, RawRequestLine& out);

}  // namespace spanline::api
