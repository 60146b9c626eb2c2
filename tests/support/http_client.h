#pragma once
// A minimal HTTP/1.1 client over a plain socket for tests of the api: GET (or
// any method) with Connection: close, chunked bodies decoded, headers kept as
// sent so a test sees exactly what a browser would. And a Server-Sent Events
// reader that keeps the connection open and collects events as they arrive.

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace spanline::testing {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string header(const std::string& name) const {
    auto found = headers.find(name);
    return found == headers.end() ? "" : found->second;
  }
};

// `target` is sent as is ("/api/v1/traces?service=a"), so tests can send raw, hostile bytes.
HttpResponse http_request(int port, const std::string& method, const std::string& target,
                          const std::map<std::string, std::string>& headers = {}, const std::string& body = "",
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));
inline HttpResponse http_get(int port, const std::string& target, const std::map<std::string, std::string>& headers = {}) {
  return http_request(port, "GET", target, headers);
}

struct SseEvent {
  std::string event;
  std::string data;
};

class SseReader {
 public:
  // `cookie` ("name=value") is sent when not empty.
  SseReader(int port, const std::string& target, const std::string& cookie = "");
  // POSTs `json_body` (Content-Type: application/json) and reads the answer as events (a playground run).
  SseReader(int port, const std::string& target, const std::string& cookie, const std::string& json_body);
  ~SseReader();
  int status() const { return status_; }
  // Every event so far, in order.
  const std::vector<SseEvent>& events() const { return events_; }
  // Reads until an event of one of `types` arrived or `timeout`; every event so far.
  const std::vector<SseEvent>& wait_for_any(const std::vector<std::string>& types, std::chrono::milliseconds timeout);
  // Closes the connection now (a browser aborting its fetch).
  void close();
  // Reads until `count` events of type `event` arrived or `timeout`; returns all of that type so far.
  std::vector<SseEvent> wait_for(const std::string& event, size_t count, std::chrono::milliseconds timeout);

 private:
  void read_some(std::chrono::milliseconds timeout);
  int fd_ = -1;
  int status_ = 0;
  bool headers_done_ = false;
  std::string raw_;      // bytes after the headers, still chunk-framed
  std::string decoded_;  // de-chunked text not yet split into events
  std::vector<SseEvent> events_;
};

}  // namespace spanline::testing
