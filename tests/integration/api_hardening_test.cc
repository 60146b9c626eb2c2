// The api's HTTP layer against what an attack pass sent (issue 25, item 6):
// malformed Content-Length headers that Pistache answered with a C++
// exception's text, URL escapes that are not UTF-8 (a UTF-16 surrogate, an
// overlong '/') and ended in 500, two differing Content-Length headers,
// text/plain bodies on JSON routes, errors that named internal socket paths,
// missing security headers, and /metrics with no way to put it behind a token.
// Each test sends the request as an attacker would and checks what comes back.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/http_client.h"
#include "tests/support/pipeline.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr char kMetricsToken[] = "metrics-token-for-the-test";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// What must never reach a client: C++ exception texts and the deployment's insides.
void expect_no_internals(const std::string& body, const std::string& data_dir) {
  for (const char* leak : {"basic_string", "_M_create", "stoull", "stoul", "bad_alloc", "std::", "ipc://", "tcp://", ".sock"}) {
    EXPECT_FALSE(contains(body, leak)) << "the answer shows '" << leak << "': " << body;
  }
  EXPECT_FALSE(contains(body, data_dir)) << "the answer names the data folder: " << body;
}

// {"error":{"code","message"}}: the code, or "" when the body is not such an error.
std::string error_code(const std::string& body) {
  json parsed = json::parse(body, nullptr, false);
  return parsed.is_discarded() ? "" : parsed.value("/error/code"_json_pointer, std::string());
}

// Sends `bytes` as they are on a fresh connection and reads the first answer
// (status 0 when none came within `timeout`).
HttpResponse raw_exchange(int port, const std::string& bytes, std::chrono::milliseconds timeout = 5s) {
  HttpResponse response;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      (!bytes.empty() && ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(bytes.size()))) {
    ::close(fd);
    return response;
  }
  std::string text;
  char buffer[16384];
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t body_at = std::string::npos, length = std::string::npos;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
    if (body_at == std::string::npos && (body_at = text.find("\r\n\r\n")) != std::string::npos) {
      body_at += 4;
      size_t at = 0;
      for (;;) {
        size_t eol = text.find("\r\n", at);
        if (eol == std::string::npos || eol >= body_at - 2) break;
        std::string line = text.substr(at, eol - at);
        at = eol + 2;
        if (line.rfind("HTTP/", 0) == 0) {
          response.status = std::atoi(line.c_str() + 9);
          continue;
        }
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string name = line.substr(0, colon), value = line.substr(colon + 1);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        while (!value.empty() && value.front() == ' ') value.erase(value.begin());
        response.headers[name] = value;
      }
      if (!response.header("content-length").empty()) length = std::stoul(response.header("content-length"));
    }
    if (body_at != std::string::npos && length != std::string::npos && text.size() >= body_at + length) break;
  }
  ::close(fd);
  if (body_at != std::string::npos) response.body = text.substr(body_at, length == std::string::npos ? std::string::npos : length);
  return response;
}

// One pipeline for the file: the api with a metrics token and a short header
// timeout (so the 408 test is quick), one indexer, the first user signed in.
class ApiHardening : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pipeline_ = new Pipeline({.indexers = {"0-3"}, .api = true,
                              .api_args = {"--metrics-token", kMetricsToken, "--header-timeout", "1s"}});
    pipeline_->start();
    bool complete = wait_until([] {
      HttpResponse services = http_get(pipeline_->api_port(), "/api/v1/services", pipeline_->signed_in());
      json body = json::parse(services.body, nullptr, false);
      return services.status == 200 && !body.is_discarded() && body.value("partial", true) == false;
    }, 20s);
    ASSERT_TRUE(complete) << pipeline_->logs();
  }
  static void TearDownTestSuite() {
    delete pipeline_;
    pipeline_ = nullptr;
  }
  void TearDown() override { EXPECT_TRUE(pipeline_->api().running()) << pipeline_->api().log(); }

  static int port() { return pipeline_->api_port(); }
  static std::string head(const std::string& request_line, const std::string& headers) {
    return request_line + "\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + headers + "\r\n";
  }

  static Pipeline* pipeline_;
};

Pipeline* ApiHardening::pipeline_ = nullptr;

TEST_F(ApiHardening, AMalformedContentLengthIsA400InJsonWithoutTheExceptionsText) {
  struct Case {
    const char* content_length;
    int status;
  };
  // -1 used to reserve 2^64-1 bytes ("basic_string::_M_create"), twenty digits
  // overflowed std::stoull ("stoull"), and a length just under that std::bad_alloc.
  for (Case c : {Case{"-1", 400}, Case{"99999999999999999999", 400}, Case{"1e3", 400}, Case{"+5", 400}, Case{"", 400},
                 Case{"999999999999", 413}}) {
    SCOPED_TRACE(std::string("Content-Length: ") + c.content_length);
    HttpResponse answer = raw_exchange(port(), head("POST /api/v1/auth/sign-in HTTP/1.1",
                                                    std::string("Content-Type: application/json\r\nContent-Length: ") +
                                                        c.content_length + "\r\n"));
    EXPECT_EQ(answer.status, c.status) << answer.body;
    EXPECT_EQ(error_code(answer.body), c.status == 413 ? "payload_too_large" : "invalid_argument") << answer.body;
    expect_no_internals(answer.body, pipeline_->data_dir());
  }
  EXPECT_EQ(http_get(port(), "/health").status, 200) << "the api still serves";
}

TEST_F(ApiHardening, ACookieHeaderPistacheCannotParseIsA400InJson) {
  // Pistache's cookie parser throws while it reads the headers; that was a plain-text 500 "Invalid cookie, missing value".
  for (const std::string& cookie : {std::string("=;;; spanline_session"), std::string(";"), std::string("spanline_session")}) {
    SCOPED_TRACE(cookie);
    HttpResponse answer = http_get(port(), "/api/v1/services", {{"Cookie", cookie}});
    EXPECT_TRUE(answer.status == 400 || answer.status == 401) << answer.status << " " << answer.body;
    EXPECT_FALSE(error_code(answer.body).empty()) << "a JSON error: " << answer.body;
    expect_no_internals(answer.body, pipeline_->data_dir());
  }
}

TEST_F(ApiHardening, TwoDifferentContentLengthHeadersAreRefused) {
  // A proxy that reads the second length and an api that reads the first would split one request into two.
  const std::string body = R"({"email":"a@example.com","password":"x"})";
  HttpResponse answer = raw_exchange(
      port(), head("POST /api/v1/auth/sign-in HTTP/1.1", "Content-Type: application/json\r\nContent-Length: " +
                                                             std::to_string(body.size()) + "\r\nContent-Length: 5\r\n") +
                  body);
  EXPECT_EQ(answer.status, 400) << answer.body;
  EXPECT_TRUE(contains(answer.body, "two different Content-Length headers")) << answer.body;
  // The same length twice is one length (RFC 9112 allows it), and a header name with a space is refused.
  HttpResponse same = raw_exchange(port(), head("GET /health HTTP/1.1", "Content-Length: 0\r\nContent-Length: 0\r\n"));
  EXPECT_EQ(same.status, 200) << same.body;
  HttpResponse spaced = raw_exchange(port(), head("GET /health HTTP/1.1", "Content-Length : 5\r\n"));
  EXPECT_EQ(spaced.status, 400) << spaced.body;
}

TEST_F(ApiHardening, ASurrogateOrAnOverlongEscapeIsRefusedByTheUtf8Check) {
  // ED A0 80 is U+D800 (a UTF-16 surrogate) and C0 AF an overlong '/': neither is UTF-8, both passed before and ended in 500.
  for (const char* target : {"/api/v1/traces?service=%ed%a0%80", "/api/v1/traces?q=%c0%af%c0%af%c0%af",
                             "/api/v1/traces?service=%f4%90%80%80", "/api/v1/services/%ed%a0%80/operations"}) {
    SCOPED_TRACE(target);
    HttpResponse answer = http_get(port(), target, pipeline_->signed_in());
    EXPECT_EQ(answer.status, 400) << answer.body;
    EXPECT_TRUE(contains(answer.body, "not valid UTF-8")) << answer.body;
  }
  // Real four-byte characters still pass.
  EXPECT_EQ(http_get(port(), "/api/v1/traces?service=%f0%9f%98%80", pipeline_->signed_in()).status, 200);
}

TEST_F(ApiHardening, ABodyThatIsNotJsonOnAJsonRouteIsRefused415) {
  // text/plain (and a form) is what another site can POST without a CORS preflight.
  auto headers = pipeline_->signed_in();
  for (const char* type : {"text/plain", "application/x-www-form-urlencoded", "text/plain; charset=application/json"}) {
    SCOPED_TRACE(type);
    headers["Content-Type"] = type;
    HttpResponse answer = http_request(port(), "POST", "/api/v1/api-keys", headers, R"({"name":"smuggled"})");
    EXPECT_EQ(answer.status, 415) << answer.body;
    EXPECT_EQ(error_code(answer.body), "unsupported_media_type");
  }
  HttpResponse listed = http_get(port(), "/api/v1/api-keys", pipeline_->signed_in());
  EXPECT_FALSE(contains(listed.body, "smuggled")) << "no key was made: " << listed.body;
  headers["Content-Type"] = "Application/JSON; charset=utf-8";
  EXPECT_EQ(http_request(port(), "POST", "/api/v1/api-keys", headers, R"({"name":"json"})").status, 201);
}

TEST_F(ApiHardening, EveryAnswerCarriesTheSecurityHeaders) {
  std::vector<std::pair<std::string, HttpResponse>> answers = {
      {"the UI", http_get(port(), "/")},
      {"an API route", http_get(port(), "/api/v1/services", pipeline_->signed_in())},
      {"a 401", http_get(port(), "/api/v1/services")},
      {"a 404", http_get(port(), "/api/v1/nothing-here", pipeline_->signed_in())},
      {"/health", http_get(port(), "/health")},
      {"a parse error answered by us", http_get(port(), "/api/v1/traces?service=%ff", pipeline_->signed_in())},
  };
  for (const auto& [what, answer] : answers) {
    SCOPED_TRACE(what);
    EXPECT_NE(answer.status, 0);
    std::string csp = answer.header("content-security-policy");
    EXPECT_TRUE(contains(csp, "default-src 'self'")) << csp;
    EXPECT_TRUE(contains(csp, "frame-ancestors 'none'")) << csp;
    EXPECT_FALSE(contains(csp, "unsafe-inline")) << csp;
    EXPECT_EQ(answer.header("x-frame-options"), "DENY");
    EXPECT_EQ(answer.header("x-content-type-options"), "nosniff");
    EXPECT_EQ(answer.header("referrer-policy"), "no-referrer");
  }
}

TEST_F(ApiHardening, ARequestThatNeverFinishesGetsABare408) {
  // Pistache's transport writes this one itself (no handler is asked): an empty
  // 408 without our headers, which shows nothing either. The strict parser must
  // keep the header timeout working: its steps keep Pistache's step ids.
  HttpResponse answer = raw_exchange(port(), "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", 6s);
  EXPECT_EQ(answer.status, 408) << answer.body;
  expect_no_internals(answer.body, pipeline_->data_dir());
}

TEST_F(ApiHardening, MetricsNeedTheTokenAndHealthShowsDetailsOnlyWithIt) {
  HttpResponse anonymous = http_get(port(), "/metrics");
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  EXPECT_TRUE(contains(anonymous.header("www-authenticate"), "Bearer")) << anonymous.header("www-authenticate");
  EXPECT_FALSE(contains(anonymous.body, "spanline_up"));
  EXPECT_EQ(http_get(port(), "/metrics", {{"Authorization", "Bearer wrong-token"}}).status, 401);
  EXPECT_EQ(http_get(port(), "/metrics", {{"Authorization", std::string("Bearer ") + kMetricsToken + "x"}}).status, 401);
  EXPECT_EQ(http_get(port(), "/metrics", {{"Authorization", std::string("Basic ") + kMetricsToken}}).status, 401);
  HttpResponse scraped = http_get(port(), "/metrics", {{"Authorization", std::string("Bearer ") + kMetricsToken}});
  EXPECT_EQ(scraped.status, 200) << scraped.body;
  EXPECT_TRUE(contains(scraped.body, "spanline_up{stage=\"indexer\"")) << scraped.body;

  // A load balancer still learns whether to send traffic, and nothing else.
  HttpResponse plain = http_get(port(), "/health");
  ASSERT_EQ(plain.status, 200) << plain.body;
  EXPECT_EQ(json::parse(plain.body), json({{"status", "ok"}}));
  HttpResponse detailed = http_get(port(), "/health", {{"Authorization", std::string("Bearer ") + kMetricsToken}});
  ASSERT_EQ(detailed.status, 200);
  json details = json::parse(detailed.body);
  EXPECT_EQ(details["status"], "ok");
  EXPECT_FALSE(details["stages"].empty()) << detailed.body;
}

// Its own pipeline: the test stops the stages the api asks.
TEST(ApiErrors, WhenTheAuthResponderOrTheIndexersAreDownErrorsDoNotNameInternalSockets) {
  Pipeline pipeline({.indexers = {"0-3"}, .api = true, .api_args = {"--auth-timeout", "300ms", "--query-timeout", "300ms"}});
  pipeline.start();
  ASSERT_TRUE(wait_until([&] { return http_get(pipeline.api_port(), "/api/v1/services", pipeline.signed_in()).status == 200; }, 20s))
      << pipeline.logs();

  pipeline.indexer(0).stop();
  HttpResponse no_indexer = http_get(pipeline.api_port(), "/api/v1/services", pipeline.signed_in());
  EXPECT_EQ(no_indexer.status, 503) << no_indexer.body;
  EXPECT_EQ(error_code(no_indexer.body), "unavailable");
  expect_no_internals(no_indexer.body, pipeline.data_dir());

  pipeline.auth().process().stop();
  // A session the api has not cached yet must be checked with the auth-responder, which is gone.
  HttpResponse no_auth = http_get(pipeline.api_port(), "/api/v1/auth/me", {{"Cookie", "spanline_session=not-cached-anywhere"}});
  EXPECT_GE(no_auth.status, 500) << no_auth.body;
  EXPECT_EQ(error_code(no_auth.body), "unavailable") << no_auth.body;
  expect_no_internals(no_auth.body, pipeline.data_dir());
  HttpResponse sign_in = http_request(pipeline.api_port(), "POST", "/api/v1/auth/sign-in", {{"Content-Type", "application/json"}},
                                      R"({"email":"someone@example.com","password":"whatever it is"})");
  EXPECT_GE(sign_in.status, 500) << sign_in.body;
  expect_no_internals(sign_in.body, pipeline.data_dir());
  // The details are in the api's log, for the operator.
  EXPECT_TRUE(contains(pipeline.api().log(), "auth.sock")) << pipeline.api().log();
}

}  // namespace
}  // namespace spanline::testing
