#include "stages/api/http/api_server.h"

#include "stages/api/http/sse_stream.h"

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/http_header.h>

#include "stages/api/http/query_params.h"
#include "stages/api/http/request_origin.h"
#include "stages/api/http/strict_request_parser.h"
#include "base/http/connection_limits.h"
#include "base/http/pistache_headers.h"
#include "base/log.h"

namespace spanline::api {

using namespace Pistache;

struct ApiServer::Counters {
  std::atomic<uint64_t>& requests;
  std::atomic<uint64_t>& client_errors;
  std::atomic<uint64_t>& server_errors;
  std::atomic<uint64_t>& refused_busy;
  std::atomic<uint64_t>& malformed_requests;
  std::atomic<int64_t> queries_in_flight{0};
};

namespace {

struct ContentSecurityPolicyTag { static constexpr const char kName[] = "Content-Security-Policy"; };
struct FrameOptionsTag { static constexpr const char kName[] = "X-Frame-Options"; };
struct ReferrerPolicyTag { static constexpr const char kName[] = "Referrer-Policy"; };
struct WwwAuthenticateTag { static constexpr const char kName[] = "WWW-Authenticate"; };
using ContentSecurityPolicy = http::TextHeader<ContentSecurityPolicyTag>;
using FrameOptions = http::TextHeader<FrameOptionsTag>;
using ReferrerPolicy = http::TextHeader<ReferrerPolicyTag>;
using WwwAuthenticate = http::TextHeader<WwwAuthenticateTag>;

// The web UI is one module script and one stylesheet from this origin, talking
// to this origin (fetch and the live tail's EventSource): nothing else may load,
// nothing inline runs, no other site may frame it (clickjacking).
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

// On every answer, errors and files alike (the live tail writes its own head: an event stream is never rendered).
void add_security_headers(Http::Header::Collection& headers) {
  headers.add<ContentSecurityPolicy>(kContentSecurityPolicy);
  headers.add<FrameOptions>("DENY");  // frame-ancestors for browsers without CSP 2
  headers.add<http::ContentTypeOptions>("nosniff");
  headers.add<ReferrerPolicy>("no-referrer");
}

// The media type of a Content-Type header, lower-cased, without parameters ("application/json").
std::string media_type(const std::string& content_type) {
  std::string type = http::ascii_lower(content_type.substr(0, content_type.find(';')));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.erase(type.begin());
  return type;
}

std::vector<std::string> split_allowlist(const std::string& list) {
  std::vector<std::string> origins;
  for (size_t begin = 0; begin < list.size();) {
    size_t end = list.find(',', begin);
    if (end == std::string::npos) end = list.size();
    std::string origin = list.substr(begin, end - begin);
    while (!origin.empty() && origin.front() == ' ') origin.erase(origin.begin());
    while (!origin.empty() && (origin.back() == ' ' || origin.back() == '/')) origin.pop_back();
    if (!origin.empty()) origins.push_back(origin);
    begin = end + 1;
  }
  return origins;
}

std::string method_name(Http::Method method) {
  switch (method) {
    case Http::Method::Get: return "GET";
    case Http::Method::Head: return "HEAD";
    case Http::Method::Post: return "POST";
    case Http::Method::Put: return "PUT";
    case Http::Method::Delete: return "DELETE";
    case Http::Method::Options: return "OPTIONS";
    case Http::Method::Patch: return "PATCH";
    default: return "OTHER";
  }
}


// Reads the Pistache request into an ApiRequest; a 400 when the URL does not decode.
Result<ApiRequest> to_api_request(const Http::Request& request) {
  ApiRequest api;
  api.method = method_name(request.method());
  auto path = percent_decode(request.resource(), false);
  if (!path) return Status(Code::invalid_argument, "path: " + path.status().message());
  api.path = *path;
  // Segments come from the raw path, so an encoded '/' stays inside its segment.
  const std::string& raw = request.resource();
  for (size_t begin = 0; begin < raw.size();) {
    size_t end = raw.find('/', begin);
    if (end == std::string::npos) end = raw.size();
    if (end > begin) {
      auto segment = percent_decode(std::string_view(raw).substr(begin, end - begin), false);
      if (!segment) return Status(Code::invalid_argument, "path: " + segment.status().message());
      api.segments.push_back(*segment);
    }
    begin = end + 1;
  }
  for (auto it = request.query().parameters_begin(); it != request.query().parameters_end(); ++it) {
    auto key = percent_decode(it->first, true);
    auto value = percent_decode(it->second, true);
    if (!key) return Status(Code::invalid_argument, "query parameter name: " + key.status().message());
    if (!value) return Status(Code::invalid_argument, "parameter '" + *key + "': " + value.status().message());
    api.query[*key] = *value;
    api.raw_query[*key] = it->second;
  }
  // Repeated parameters, which Pistache's parsed query drops, from the request line as sent.
  const RawRequestLine& line = last_request_line();
  if (line.path == raw && line.method == api.method) {
    std::string_view query = line.query;
    while (!query.empty()) {
      std::string_view pair = query.substr(0, query.find('&'));
      query.remove_prefix(std::min(query.size(), pair.size() + 1));
      size_t equals = pair.find('=');
      auto key = percent_decode(pair.substr(0, equals), true);
      if (!key || pair.empty()) continue;
      api.raw_query_all[*key].emplace_back(equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1));
    }
  }
  for (const auto& [key, value] : api.raw_query) {
    if (!api.raw_query_all.count(key)) api.raw_query_all[key].push_back(value);
  }
  api.origin = http::header_value(request, "Origin").value_or("");
  api.host = http::header_value(request, "Host").value_or("");
  api.fetch_site = http::ascii_lower(http::header_value(request, "Sec-Fetch-Site").value_or(""));
  api.api_key = http::header_value(request, "X-API-Key").value_or("");
  api.authorization = http::header_value(request, "Authorization").value_or("");
  api.content_type = http::header_value(request, "Content-Type").value_or("");
  api.session = cookie_value(request, kSessionCookie);
  api.address = request.address().host();
  api.body = request.body();
  return api;
}

std::vector<Http::Method> methods_of(const std::string& list) {
  std::vector<Http::Method> methods;
  auto has = [&](const char* name) { return list.find(name) != std::string::npos; };
  if (has("GET")) methods.push_back(Http::Method::Get);
  if (has("HEAD")) methods.push_back(Http::Method::Head);
  if (has("POST")) methods.push_back(Http::Method::Post);
  if (has("PUT")) methods.push_back(Http::Method::Put);
  if (has("PATCH")) methods.push_back(Http::Method::Patch);
  if (has("DELETE")) methods.push_back(Http::Method::Delete);
  if (has("OPTIONS")) methods.push_back(Http::Method::Options);
  return methods;
}

}  // namespace

class ApiServer::Handler final : public http::LimitedHandler {
 public:
  HTTP_PROTOTYPE(Handler)
  Handler(std::shared_ptr<http::ConnectionLimits> limits, const ApiConfig* config, ApiRoutes* routes, const RouteTable* table,
          Counters* counters, std::vector<std::string> origins, RequestOrigin origin)
      : LimitedHandler(std::move(limits)),
        config_(config),
        routes_(routes),
        table_(table),
        counters_(counters),
        origins_(std::move(origins)),
        origin_(std::move(origin)) {}

  void serve(const Http::Request& request, Http::ResponseWriter response) override {
    counters_->requests.fetch_add(1);
    add_security_headers(response.headers());
    ApiReply reply;
    bool cors_allowed = false;
    try {
      auto api = to_api_request(request);
      if (api) origin_.read(request, *api);  // client address, loopback, scheme (request_origin.h)
      if (!api) {
        reply = error_reply(api.status());
      } else if (auto misdirected = origin_.refuse_host(*api)) {
        reply = *misdirected;
      } else {
        cors_allowed = !api->origin.empty() && origin_allowed(api->origin);
        if (cors_allowed) {
          response.headers().add<Http::Header::AccessControlAllowOrigin>(api->origin);
          response.headers().add<http::Vary>("Origin");
        }
        std::vector<std::string> parameters;
        const Route* route = table_->find(api->segments, parameters);
        if (route != nullptr && route->live_stream && api->method == "GET") {
          if (Status allowed = routes_->guard.check(*api); !allowed.is_ok()) {
            reply = error_reply(allowed);
          } else if (auto refused = routes_->live.subscribe(*api, response, cors_allowed); refused) {
            reply = *refused;
          } else {
            // The live tail owns the response now, on its own copy of the socket.
            // Marked idle, Pistache lets go of the connection after
            // --keepalive-timeout without writing to it, instead of answering
            // 408 into the stream once --header-timeout passes.
            try {
              response.peer()->setIdle(true);
            } catch (const std::exception&) {
              // the client left already
            }
            return;
          }
        } else {
          StreamTakeover takeover{[&]() { return SseStream::open(response, cors_allowed ? api->origin : std::string()); }};
          reply = handle(*api, route, parameters, takeover);
          if (takeover.taken) {
            // As the live tail: the route streams on its own copy of the socket; Pistache keeps the connection idle.
            try {
              response.peer()->setIdle(true);
            } catch (const std::exception&) {
              // the client left already
            }
            return;
          }
        }
      }
    } catch (const std::exception& e) {
      log::error("request failed", {{"path", request.resource()}, {"error", e.what()}});
      reply = error_reply(500, "internal", "internal error");
    }
    send(reply, response, request.method() == Http::Method::Head);
  }

 protected:
  std::shared_ptr<Http::RequestParser> make_parser() override {
    return std::make_shared<StrictRequestParser>(
        StrictParserOptions{.max_request_bytes = getMaxRequestSize(), .malformed_counter = &counters_->malformed_requests});
  }

 private:
  bool origin_allowed(const std::string& origin) const {
    for (const std::string& allowed : origins_) {
      if (allowed == origin) return true;
    }
    return false;
  }

  // A streamed route's way to the connection; `taken` once it answered on it (nothing more to send here).
  struct StreamTakeover {
    OpenStream open;
    bool taken = false;
  };

  // The checks every request passes, in order, and its route (route_table.h for the access levels).
  ApiReply handle(const ApiRequest& request, const Route* route, const std::vector<std::string>& parameters, StreamTakeover& takeover) {
    if (request.body.size() > config_->max_body_bytes) {
      return error_reply(413, "payload_too_large", "request body over " + std::to_string(config_->max_body_bytes) + " bytes");
    }
    const auto& s = request.segments;
    if (request.method == "OPTIONS") return preflight(request);
    if (route != nullptr && route->access == Access::open) return dispatch(*route, request, parameters, takeover);
    if (s.empty() || s[0] != "api") return routes_->files.serve(request);
    if (s.size() < 2 || s[1] != "v1") return error_reply(404, "not_found", "no such route: " + request.path);
    if (!same_site_or_allowed(request)) {
      return error_reply(403, "permission_denied", "cross-site request refused: the Origin is not this site nor in SPANLINE_ALLOW_ORIGINS");
    }
    // Every /api/v1 body is JSON. A form or text/plain body is what a cross-site
    // page can send without a CORS preflight, so it is never read as JSON.
    if (!request.body.empty() && media_type(request.content_type) != "application/json") {
      return error_reply(415, "unsupported_media_type", "send the body as JSON, with Content-Type: application/json");
    }
    if (route != nullptr && route->access == Access::visitor) return dispatch(*route, request, parameters, takeover);
    if (Status allowed = routes_->guard.check(request); !allowed.is_ok()) return error_reply(allowed);
    if (route == nullptr) return error_reply(404, "not_found", "no such route: " + request.path);
    return dispatch(*route, request, parameters, takeover);
  }

  ApiReply dispatch(const Route& route, const ApiRequest& request, const std::vector<std::string>& parameters, StreamTakeover& takeover) {
    if (!route.own_methods && !RouteTable::allows(route, request.method)) {
      ApiReply reply = error_reply(405, "method_not_allowed",
                                   request.method + " is not allowed on " + request.path + "; use " + RouteTable::method_list(route));
      reply.allow = RouteTable::method_list(route) + ", HEAD, OPTIONS";
      return reply;
    }
    if (route.stream) {
      if (auto refused = route.stream(request, parameters, takeover.open)) return *refused;
      takeover.taken = true;
      return ApiReply{};
    }
    if (!route.handle) return error_reply(404, "not_found", "no such route: " + request.path);
    if (route.access != Access::index_query) return route.handle(request, parameters);
    // Index queries: bounded in number, so a burst cannot pile up behind the indexers.
    if (counters_->queries_in_flight.fetch_add(1) >= static_cast<int64_t>(config_->max_concurrent_queries)) {
      counters_->queries_in_flight.fetch_sub(1);
      counters_->refused_busy.fetch_add(1);
      return error_reply(503, "unavailable", "too many queries in progress; retry shortly");
    }
    ApiReply reply = route.handle(request, parameters);
    counters_->queries_in_flight.fetch_sub(1);
    return reply;
  }

  // State-changing requests from a browser must come from this site or an
  // allowed origin, so another site cannot act with the user's cookie.
  bool same_site_or_allowed(const ApiRequest& request) const {
    if (request.method == "GET" || request.method == "HEAD" || request.method == "OPTIONS") return true;
    if (request.origin.empty()) return request.fetch_site != "cross-site";
    if (origin_allowed(request.origin)) return true;
    return RequestOrigin::same_origin(request);
  }

  ApiReply preflight(const ApiRequest& request) {
    if (request.origin.empty() || !origin_allowed(request.origin)) {
      return error_reply(403, "permission_denied", "origin not allowed (see SPANLINE_ALLOW_ORIGINS)");
    }
    ApiReply reply = no_content_reply();
    reply.allow = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
    return reply;
  }

  void send(const ApiReply& reply, Http::ResponseWriter& response, bool head_only) {
    if (reply.status >= 500) counters_->server_errors.fetch_add(1);
    else if (reply.status >= 400) counters_->client_errors.fetch_add(1);
    auto& headers = response.headers();
    if (!reply.allow.empty()) {
      if (reply.status == 204) {
        headers.add<Http::Header::AccessControlAllowMethods>(reply.allow);
        headers.add<Http::Header::AccessControlAllowHeaders>("Content-Type, Authorization, X-API-Key");
        headers.add<http::AccessControlMaxAge>("600");
      } else {
        headers.add<Http::Header::Allow>(methods_of(reply.allow));
      }
    }
    if (!reply.set_cookie.empty()) headers.add<http::SetCookie>(reply.set_cookie);
    if (!reply.device_cookie.empty()) response.cookies().add(device_cookie(reply.device_cookie, config_->env == "production"));
    if (!reply.retry_after.empty()) headers.add<http::RetryAfter>(reply.retry_after);
    if (!reply.www_authenticate.empty()) headers.add<WwwAuthenticate>(reply.www_authenticate);
    headers.add<http::CacheControlText>(reply.cache_control);
    if (!reply.content_type.empty()) response.setMime(Http::Mime::MediaType::fromString(reply.content_type));
    auto code = static_cast<Http::Code>(reply.status);
    if (head_only || reply.status == 204) {
      response.send(code);
    } else {
      response.send(code, reply.body);
    }
  }

  const ApiConfig* config_;
  ApiRoutes* routes_;
  const RouteTable* table_;
  Counters* counters_;
  std::vector<std::string> origins_;
  RequestOrigin origin_;
};

ApiServer::ApiServer(const ApiConfig& config, ApiRoutes routes, bus::StatsRegistry& stats)
    : config_(config),
      routes_(routes),
      table_(ApiHandlers{&routes.traces, &routes.workflows, &routes.llm, &routes.pipeline, &routes.files, &routes.auth, &routes.resolve, &routes.prices, &routes.logs, &routes.sessions, routes.playground, routes.providers}),
      stats_(stats),
      limits_(std::make_shared<http::ConnectionLimits>(http::ConnectionLimitOptions{
          .max_connections = config.max_connections,
          .max_per_address = config.max_connections_per_address,
          .server = "api",
          .refused_counter = &stats.counter("http_connections_refused")})) {
  stats_.gauge("http_connections", [limits = limits_] { return static_cast<double>(limits->open()); });
}

ApiServer::~ApiServer() { stop(); }

Status ApiServer::start() {
  // The counters outlive every handler clone: they belong to the server.
  counters_.reset(new Counters{stats_.counter("http_requests"), stats_.counter("http_client_errors"),
                               stats_.counter("http_server_errors"), stats_.counter("queries_refused_busy"),
                               stats_.counter("http_malformed_requests")});
  auto origin = RequestOrigin::from(config_);
  if (!origin) return origin.status();
  try {
    Address address(config_.listen);
    endpoint_ = std::make_unique<Http::Endpoint>(address);
    auto options = Http::Endpoint::options()
                       .threads(static_cast<int>(config_.threads))
                       .flags(Tcp::Options::ReuseAddr)
                       // Our own cap answers 413 in JSON; Pistache's (plain text) only guards far above it.
                       .maxRequestSize(config_.max_body_bytes + (1 << 20))
                       .maxResponseSize(config_.max_answer_bytes * 2 + (16 << 20));
    http::apply_timeouts(options, {.header = config_.header_timeout, .body = config_.body_timeout, .keepalive = config_.keepalive_timeout});
    endpoint_->init(options);
    endpoint_->setHandler(
        Http::make_handler<Handler>(limits_, &config_, &routes_, &table_, counters_.get(), split_allowlist(config_.allow_origins), *origin));
    endpoint_->serveThreaded();
  } catch (const std::exception& e) {
    endpoint_.reset();
    return Status(Code::unavailable, "cannot listen on " + config_.listen + ": " + e.what());
  }
  log::info("api listening", {{"address", config_.listen},
                              {"port", static_cast<unsigned>(port())},
                              {"max_connections", config_.max_connections},
                              {"max_connections_per_address", config_.max_connections_per_address},
                              {"header_timeout_ms", static_cast<int64_t>(config_.header_timeout.count())},
                              {"body_timeout_ms", static_cast<int64_t>(config_.body_timeout.count())},
                              {"keepalive_timeout_ms", static_cast<int64_t>(config_.keepalive_timeout.count())}});
  return Status::ok();
}

void ApiServer::stop() {
  if (!endpoint_) return;
  endpoint_->shutdown();
  endpoint_.reset();
}

uint16_t ApiServer::port() const { return endpoint_ ? static_cast<uint16_t>(endpoint_->getPort()) : 0; }

}  // namespace spanline::api
