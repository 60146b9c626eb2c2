#include "stages/api/http/strict_request_parser.h"

#include <cstring>
#include <memory>
#include <new>

#include "stages/api/http/api_types.h"
#include "base/log.h"

namespace spanline::api {
namespace {

// The request line last parsed on this thread (see last_request_line()).
RawRequestLine& current_line() {
  thread_local RawRequestLine line;
  return line;
}

using Pistache::Http::HttpError;
using Pistache::Http::Private::State;
using Pistache::Http::Private::Step;
using Pistache::Http::Private::StepId;

std::string_view code_name(int status) {
  switch (status) {
    case 400: return "invalid_argument";
    case 405: return "method_not_allowed";
    case 408: return "request_timeout";
    case 413: return "payload_too_large";
    case 501: return "not_implemented";
    default: return status >= 500 ? "internal" : "invalid_argument";
  }
}

HttpError json_error(int status, const std::string& message) {
  return HttpError(status, error_reply(status, code_name(status), message).body);
}

bool ascii_iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// RFC 9110 token characters: what a header name may be made of.
bool token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

std::string_view trim_ows(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// One of Pistache's parse steps, with what it throws made clean (see the header).
class GuardedStep final : public Step {
 public:
  GuardedStep(Pistache::Http::Message* parsed, std::unique_ptr<Step> inner, bool request_line, bool headers,
              const StrictParserOptions& options)
      : Step(parsed), inner_(std::move(inner)), request_line_(request_line), headers_(headers), options_(options) {}

  StepId id() const override { return inner_->id(); }  // Pistache picks the header or body timeout by it

  State apply(Pistache::StreamCursor& cursor) override {
    try {
      if (request_line_) remember_request_line(cursor);
      if (headers_) check_headers(cursor);
      return inner_->apply(cursor);
    } catch (const HttpError& error) {
      count();
      // Ours are JSON already; Pistache's own reasons ("Unknown HTTP request method") say nothing internal.
      if (!error.reason().empty() && error.reason().front() == '{') throw;
      throw json_error(error.code(), error.reason().empty() ? "malformed HTTP request" : error.reason());
    } catch (const std::bad_alloc&) {
      count();
      log::warn("out of memory while parsing a request");
      throw json_error(500, "internal error");
    } catch (const std::exception& e) {
      count();
      log::debug("malformed HTTP request refused", {{"error", e.what()}});
      throw json_error(400, "malformed HTTP request");
    }
  }

 private:
  void count() {
    if (options_.malformed_counter != nullptr) options_.malformed_counter->fetch_add(1, std::memory_order_relaxed);
  }

  // Checks the header block once it has fully arrived; until then Pistache waits for more.
  void check_headers(Pistache::StreamCursor& cursor) {
    const char* begin = cursor.offset();
    const size_t available = cursor.remaining();
    std::string_view rest(begin, available);
    size_t end = rest.substr(0, 2) == "\r\n" ? 0 : rest.find("\r\n\r\n");
    if (end == std::string_view::npos) return;
    HeaderBlockVerdict verdict = check_header_block(rest.substr(0, end + (end == 0 ? 2 : 4)), options_.max_request_bytes);
    if (verdict.status != 0) throw json_error(verdict.status, verdict.message);
  }

  // Keeps the request line for last_request_line() once it has fully arrived.
  void remember_request_line(Pistache::StreamCursor& cursor) {
    std::string_view rest(cursor.offset(), cursor.remaining());
    size_t end = rest.find("\r\n");
    if (end == std::string_view::npos) return;
    RawRequestLine& line = current_line();
    if (!split_request_line(rest.substr(0, end), line)) line = RawRequestLine{};
  }

  std::unique_ptr<Step> inner_;
  bool request_line_;
  bool headers_;
  StrictParserOptions options_;
};

}  // namespace

const RawRequestLine& last_request_line() { return current_line(); }

bool split_request_line(std::string_view line, RawRequestLine& out) {
  size_t first = line.find(' ');
  if (first == std::string_view::npos) return false;
  size_t second = line.find(' ', first + 1);
  if (second == std::string_view::npos) return false;
  std::string_view target = line.substr(first + 1, second - first - 1);
  target = target.substr(0, target.find('#'));
  size_t question = target.find('?');
  out.method = std::string(line.substr(0, first));
  out.path = std::string(target.substr(0, question));
  out.query = question == std::string_view::npos ? std::string() : std::string(target.substr(question + 1));
  return true;
}

HeaderBlockVerdict check_header_block(std::string_view block, size_t max_request_bytes) {
  std::string_view content_length;
  bool has_content_length = false;
  while (!block.empty()) {
    size_t eol = block.find("\r\n");
    if (eol == std::string_view::npos) return {400, "malformed HTTP request: a header line does not end in CRLF"};
    std::string_view line = block.substr(0, eol);
    block.remove_prefix(eol + 2);
    if (line.empty()) break;  // the blank line that ends the headers
    if (line.front() == ' ' || line.front() == '\t') return {400, "malformed HTTP request: folded header lines are not accepted"};
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return {400, "malformed HTTP request: a header line is not 'name: value'"};
    std::string_view name = line.substr(0, colon);
    for (char c : name) {
      if (!token_char(c)) return {400, "malformed HTTP request: a header name has a space or a character names may not have"};
    }
    if (!ascii_iequal(name, "content-length")) continue;
    std::string_view value = trim_ows(line.substr(colon + 1));
    if (value.empty() || value.size() > 19 || value.find_first_not_of("0123456789") != std::string_view::npos) {
      return {400, "Content-Length must be a number of bytes (digits only)"};
    }
    if (has_content_length && value != content_length) return {400, "two different Content-Length headers"};
    has_content_length = true;
    content_length = value;
  }
  if (has_content_length) {
    uint64_t length = 0;
    for (char c : content_length) length = length * 10 + static_cast<uint64_t>(c - '0');  // 19 digits fit
    if (max_request_bytes != 0 && length > max_request_bytes) {
      return {413, "request body over " + std::to_string(max_request_bytes) + " bytes"};
    }
  }
  return {};
}

StrictRequestParser::StrictRequestParser(const StrictParserOptions& options)
    : Pistache::Http::RequestParser(options.max_request_bytes) {
  for (size_t i = 0; i < allSteps.size(); ++i) {
    allSteps[i] = std::make_unique<GuardedStep>(&request, std::move(allSteps[i]), i == 0, i == 1, options);
  }
}

}  // namespace spanline::api
