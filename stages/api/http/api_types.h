#pragma once
// The api's view of an HTTP exchange, independent of Pistache: routes take an
// ApiRequest and return an ApiReply, so they read like the OpenAPI file and
// can be tested without a socket.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace spanline::api {

using json = nlohmann::json;

struct ApiRequest {
  std::string method;                          // GET, POST, ...
  std::string path;                            // percent-decoded
  std::vector<std::string> segments;           // path split on '/', decoded
  std::map<std::string, std::string> query;    // decoded; Pistache keeps the first of repeated keys
  std::map<std::string, std::string> raw_query;  // as sent, for parameters with their own separators
  // Every value of each parameter, as sent and in order (`attr` may repeat).
  std::map<std::string, std::vector<std::string>> raw_query_all;
  std::string origin;
  std::string host;        // Host header, to recognise same-origin requests
  std::string fetch_site;  // Sec-Fetch-Site, sent by browsers
  std::string session;     // the spanline_session cookie
  std::string api_key;     // X-API-Key header
  std::string authorization;  // Authorization header, as sent
  std::string content_type;   // Content-Type header, as sent
  std::string address;     // the client's IP address (from X-Forwarded-For behind --trusted-proxies)
  bool from_loopback = false;     // the client is on this host's loopback interface (request_origin.h)
  std::string scheme = "http";    // what the browser used: https in production or as a trusted proxy says
  std::string device;             // the sign-in device cookie
  std::string body;
};

struct ApiReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string cache_control = "no-store";
  std::string allow;  // for 405
  std::string set_cookie;
  std::string device_cookie;  // a new sign-in device cookie's value (request_origin.h), sent as a second Set-Cookie
  std::string retry_after;  // seconds, for 429
  std::string www_authenticate;  // for 401 on routes behind a Bearer token
};

// {"error": {"code": ..., "message": ...}} with the HTTP status for the code.
// A message that names a bus endpoint (a socket path or a host inside the
// deployment) is logged and replaced by a generic one for the code: clients
// never see internals.
ApiReply error_reply(int status, std::string_view code, const std::string& message);
// The HTTP status for a Status code; 500s never carry internals.
ApiReply error_reply(const Status& status);
ApiReply json_reply(const json& body, int status = 200);
// 204 with no body.
ApiReply no_content_reply();
// 405 with Allow for a route that exists but not with this method ("GET, HEAD, POST").
ApiReply method_not_allowed(const ApiRequest& request, const std::string& allowed);

}  // namespace spanline::api
