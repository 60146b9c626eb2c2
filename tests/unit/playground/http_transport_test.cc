// The libcurl transport (stages/api/playground/providers/http_transport.h) against
// a tiny HTTP server inside the test: a whole answer and its status and
// Retry-After, the request as sent, connection refused, a server that stops
// sending (stalled within the bound), the deadline, a cancel noticed within
// ~100 ms, a body over the cap, and a reader that stops the transfer.
#include "stages/api/playground/providers/http_transport.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <thread>

#include <gtest/gtest.h>

namespace spanline::api::playground {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Kind = ProviderFailure::Kind;

// Serves one connection: reads the request (headers and a Content-Length body), then runs `answer` on the socket.
class OneShotServer {
 public:
  using Answer = std::function<void(int fd, const std::atomic<bool>& stopping)>;

  explicit OneShotServer(Answer answer) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::listen(listener_, 4), 0);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this, answer = std::move(answer)] {
      pollfd ready{listener_, POLLIN, 0};
      while (!stopping_ && ::poll(&ready, 1, 50) == 0) {
      }
      if (stopping_) return;
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      request_ = read_request(fd);
      answer(fd, stopping_);
      ::close(fd);
    });
  }

  ~OneShotServer() {
    stopping_ = true;
    thread_.join();
    ::close(listener_);
  }

  std::string url(std::string_view path = "/v1/messages") const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }
  // What the client sent (read once the answer began).
  const std::string& request() const { return request_; }

 private:
  static std::string read_request(int fd) {
    std::string request;
    char buffer[4096];
    size_t wanted = std::string::npos;
    while (wanted == std::string::npos || request.size() < wanted) {
      const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
      if (got <= 0) break;
      request.append(buffer, static_cast<size_t>(got));
      const size_t end = request.find("\r\n\r\n");
      if (end != std::string::npos && wanted == std::string::npos) {
        size_t length = 0;
        const size_t at = request.find("Content-Length: ");
        if (at != std::string::npos && at < end) length = std::stoul(request.substr(at + 16));
        wanted = end + 4 + length;
      }
    }
    return request;
  }

  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::string request_;
  std::thread thread_;
};

void send_text(int fd, std::string_view text) { ::send(fd, text.data(), text.size(), MSG_NOSIGNAL); }

std::string chunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return std::string(size) + std::string(data) + "\r\n";
}

constexpr std::string_view kStreamHead =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";

// Waits until the client goes away or the test ends, sending nothing.
void hold(int fd, const std::atomic<bool>& stopping) {
  char byte;
  while (!stopping) {
    pollfd ready{fd, POLLIN, 0};
    if (::poll(&ready, 1, 20) > 0 && ::recv(fd, &byte, 1, 0) <= 0) return;
  }
}

struct Seen {
  int status = 0;
  std::string retry_after;
  std::string body;
};

TransferCallbacks recording(Seen& seen) {
  TransferCallbacks callbacks;
  callbacks.on_status = [&seen](int status, std::string_view retry_after) {
    seen.status = status;
    seen.retry_after = retry_after;
  };
  callbacks.on_body = [&seen](std::string_view bytes) {
    seen.body.append(bytes);
    return true;
  };
  return callbacks;
}

HttpCall post_to(const std::string& url) {
  HttpCall call;
  call.url = url;
  call.headers = {{"x-api-key", "sk-secret"}, {"Content-Type", "application/json"}};
  call.body = R"({"model":"m","stream":true})";
  return call;
}

TEST(HttpTransport, AWholeChunkedAnswerArrivesWithItsStatusAndTheRequestIsSentAsBuilt) {
  OneShotServer server([](int fd, const std::atomic<bool>&) {
    send_text(fd, kStreamHead);
    send_text(fd, chunk("data: one\n\n"));
    send_text(fd, chunk("data: two\n\n"));
    send_text(fd, "0\r\n\r\n");
  });
  Seen seen;
  const TransferOutcome outcome = perform(post_to(server.url()), {}, recording(seen));
  EXPECT_TRUE(outcome.complete) << outcome.failure.message;
  EXPECT_EQ(seen.status, 200);
  EXPECT_EQ(seen.retry_after, "");
  EXPECT_EQ(seen.body, "data: one\n\ndata: two\n\n");
  EXPECT_EQ(server.request().rfind("POST /v1/messages HTTP/1.1\r\n", 0), 0u) << server.request();
  EXPECT_NE(server.request().find("\r\nx-api-key: sk-secret\r\n"), std::string::npos);
  EXPECT_NE(server.request().find("\r\n\r\n{\"model\":\"m\",\"stream\":true}"), std::string::npos);
  EXPECT_EQ(server.request().find("Expect:"), std::string::npos) << "no 100-continue round trip";
}

TEST(HttpTransport, AnErrorStatusIsACompleteAnswerWithItsRetryAfter) {
  OneShotServer server([](int fd, const std::atomic<bool>&) {
    const std::string body = R"({"type":"error","error":{"type":"rate_limit_error","message":"slow down"}})";
    send_text(fd, "HTTP/1.1 429 Too Many Requests\r\nretry-after: 7\r\nContent-Type: application/json\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n" + body);
  });
  Seen seen;
  HttpCall call = post_to(server.url());
  call.method = "GET";
  const TransferOutcome outcome = perform(call, {}, recording(seen));
  EXPECT_TRUE(outcome.complete);
  EXPECT_EQ(seen.status, 429);
  EXPECT_EQ(seen.retry_after, "7");
  EXPECT_NE(seen.body.find("rate_limit_error"), std::string::npos);
  EXPECT_EQ(server.request().rfind("GET /v1/messages HTTP/1.1\r\n", 0), 0u) << server.request();
}

TEST(HttpTransport, AClosedPortIsUnreachable) {
  const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t length = sizeof address;
  ::getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(probe);  // nothing listens there now
  Seen seen;
  const TransferOutcome outcome = perform(post_to("http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/v1"), {}, recording(seen));
  EXPECT_FALSE(outcome.complete);
  EXPECT_EQ(outcome.failure.kind, Kind::unreachable) << outcome.failure.message;
  EXPECT_EQ(seen.status, 0) << "no status without an answer";
  EXPECT_EQ(outcome.failure.message.find("sk-secret"), std::string::npos);
}

TEST(HttpTransport, AServerThatStopsSendingIsStalledWithinTheBound) {
  OneShotServer server([](int fd, const std::atomic<bool>& stopping) {
    send_text(fd, kStreamHead);
    send_text(fd, chunk("data: first\n\n"));
    hold(fd, stopping);
  });
  Seen seen;
  TransferLimits limits;
  limits.stall = 300ms;
  const auto start = Clock::now();
  const TransferOutcome outcome = perform(post_to(server.url()), limits, recording(seen));
  const auto took = Clock::now() - start;
  EXPECT_FALSE(outcome.complete);
  EXPECT_EQ(outcome.failure.kind, Kind::stalled) << outcome.failure.message;
  EXPECT_EQ(seen.body, "data: first\n\n");
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 1500ms);
}

TEST(HttpTransport, AnAnswerStillFlowingAtTheDeadlineIsATimeout) {
  OneShotServer server([](int fd, const std::atomic<bool>& stopping) {
    send_text(fd, kStreamHead);
    while (!stopping) {  // never ends, never stalls
      send_text(fd, chunk(": keep-alive\n\n"));
      std::this_thread::sleep_for(50ms);
    }
  });
  Seen seen;
  TransferLimits limits;
  limits.deadline = 500ms;
  limits.stall = 400ms;
  const auto start = Clock::now();
  const TransferOutcome outcome = perform(post_to(server.url()), limits, recording(seen));
  const auto took = Clock::now() - start;
  EXPECT_EQ(outcome.failure.kind, Kind::timeout) << outcome.failure.message;
  EXPECT_GE(took, 450ms) << "libcurl's own timer may fire a millisecond early";
  EXPECT_LT(took, 1500ms);
}

TEST(HttpTransport, ACancelIsNoticedWithinAboutAHundredMilliseconds) {
  OneShotServer server([](int fd, const std::atomic<bool>& stopping) {
    send_text(fd, kStreamHead);
    send_text(fd, chunk("data: first\n\n"));
    hold(fd, stopping);
  });
  std::atomic<bool> cancel{false};
  std::atomic<int64_t> cancelled_at{0};
  Seen seen;
  TransferCallbacks callbacks = recording(seen);
  callbacks.cancelled = [&cancel] { return cancel.load(); };
  std::thread canceller([&] {
    std::this_thread::sleep_for(300ms);
    cancelled_at = Clock::now().time_since_epoch().count();
    cancel = true;
  });
  const TransferOutcome outcome = perform(post_to(server.url()), {}, callbacks);
  const auto returned = Clock::now();
  canceller.join();
  EXPECT_EQ(outcome.failure.kind, Kind::cancelled) << outcome.failure.message;
  const auto noticed = returned - Clock::time_point(Clock::duration(cancelled_at.load()));
  EXPECT_LT(noticed, 150ms) << std::chrono::duration_cast<std::chrono::milliseconds>(noticed).count() << " ms";
}

TEST(HttpTransport, AConnectionClosedInsideAChunkedAnswerIsAProviderErrorSayingSo) {
  OneShotServer server([](int fd, const std::atomic<bool>&) {
    send_text(fd, kStreamHead);
    send_text(fd, chunk("data: first\n\n"));
  });  // closed without the last chunk
  Seen seen;
  const TransferOutcome outcome = perform(post_to(server.url()), {}, recording(seen));
  EXPECT_FALSE(outcome.complete);
  EXPECT_EQ(outcome.failure.kind, Kind::provider_error);
  EXPECT_NE(outcome.failure.message.find("closed the connection before its answer ended"), std::string::npos) << outcome.failure.message;
  EXPECT_EQ(seen.body, "data: first\n\n") << "what came before is handed over";
}

TEST(HttpTransport, ABodyOverTheCapIsAProviderError) {
  OneShotServer server([](int fd, const std::atomic<bool>&) {
    send_text(fd, kStreamHead);
    for (int i = 0; i < 10; ++i) send_text(fd, chunk(std::string(1000, 'x')));
    send_text(fd, "0\r\n\r\n");
  });
  Seen seen;
  TransferLimits limits;
  limits.max_body_bytes = 2500;
  const TransferOutcome outcome = perform(post_to(server.url()), limits, recording(seen));
  EXPECT_FALSE(outcome.complete);
  EXPECT_EQ(outcome.failure.kind, Kind::provider_error);
  EXPECT_NE(outcome.failure.message.find("exceeded 2500 bytes"), std::string::npos) << outcome.failure.message;
  EXPECT_LE(seen.body.size(), 2500u);
}

TEST(HttpTransport, AReaderThatStopsEndsTheTransfer) {
  OneShotServer server([](int fd, const std::atomic<bool>& stopping) {
    send_text(fd, kStreamHead);
    send_text(fd, chunk("data: bad\n\n"));
    hold(fd, stopping);
  });
  TransferCallbacks callbacks;
  callbacks.on_body = [](std::string_view) { return false; };
  const auto start = Clock::now();
  const TransferOutcome outcome = perform(post_to(server.url()), {}, callbacks);
  EXPECT_EQ(outcome.failure.kind, Kind::provider_error);
  EXPECT_LT(Clock::now() - start, 1s);
}

}  // namespace
}  // namespace spanline::api::playground
