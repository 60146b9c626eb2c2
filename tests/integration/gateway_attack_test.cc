// The gateway under hostile load (issue 24): each attack client is written
// here, the gateway's threads and memory are read from /proc against the bound
// docs/bad-input.md states, and a well-behaved client keeps exporting while
// the attack runs. All traffic stays on 127.0.0.0/8; every loop is bounded.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <future>
#include <thread>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "tests/support/http2_raw.h"
#include "tests/support/http_client.h"
#include "tests/support/otlp_client.h"
#include "tests/support/otlp_wire.h"
#include "tests/support/pipeline.h"
#include "tests/support/proc_status.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;

// An ExportTraceServiceRequest of `count` empty spans: 2 bytes each on the wire,
// hundreds in memory once parsed. No SDK sends this; an attacker does.
std::string empty_spans_request(size_t count) {
  std::string spans;
  spans.reserve(2 * count);
  for (size_t i = 0; i < count; ++i) spans.append("\x12\x00", 2);
  return length_delimited(1, length_delimited(2, spans));
}

// One valid span with `events` empty events.
std::string one_span_with_events(size_t events) {
  std::string span;
  span += "\x0a\x10" + std::string(15, '\x01') + "\x02";  // trace_id
  span += std::string("\x12\x08", 2) + std::string(7, '\x03') + "\x04";  // span_id
  span += "\x2a\x04" + std::string("bomb");                        // name
  span += std::string("\x39") + std::string("\x01\x00\x00\x00\x00\x00\x00\x00", 8);  // start_time_unix_nano = 1
  span += std::string("\x41") + std::string("\x02\x00\x00\x00\x00\x00\x00\x00", 8);  // end_time_unix_nano = 2
  for (size_t i = 0; i < events; ++i) span.append("\x5a\x00", 2);   // events (field 11), empty
  return length_delimited(1, length_delimited(2, length_delimited(2, span)));
}

std::string gzip(const std::string& data) {
  z_stream stream{};
  deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, data.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

// A well-behaved client exporting small batches the whole time an attack runs.
class BystanderClient {
 public:
  BystanderClient(const std::string& target, const std::string& key) : client_(target, key) {
    thread_ = std::thread([this] {
      while (!stop_) {
        auto started = std::chrono::steady_clock::now();
        grpc::Status status = client_.send(client_.make_request(1, 5), nullptr, 5s);
        auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        worst_ms_ = std::max<int>(worst_ms_, static_cast<int>(took.count()));
        (status.ok() ? ok_ : failed_).fetch_add(1);
        if (!status.ok()) last_error_ = status.error_message();
        std::this_thread::sleep_for(50ms);
      }
    });
  }
  ~BystanderClient() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int ok() const { return ok_; }
  int failed() const { return failed_; }
  int worst_ms() const { return worst_ms_; }
  std::string last_error() const { return last_error_; }

 private:
  OtlpClient client_;
  std::atomic<bool> stop_{false};
  std::atomic<int> ok_{0}, failed_{0}, worst_ms_{0};
  std::string last_error_;
  std::thread thread_;
};

// A TCP connection to 127.0.0.1:port from `source` that sends nothing.
int idle_connection(int port, const std::string& source) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in from{};
  from.sin_family = AF_INET;
  ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
  ::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Whether the server has closed this connection (EOF or reset), waiting up to
// `wait`; what it sends first (a 408, say) is read and skipped.
bool closed_by_server(int fd, std::chrono::milliseconds wait) {
  timeval timeout{static_cast<time_t>(wait.count() / 1000), static_cast<suseconds_t>((wait.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  char buffer[4096];
  while (true) {
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n > 0) continue;
    return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
  }
}

void raise_own_fd_limit() {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
}

// The documented bounds (docs/bad-input.md, "Hostile load: the gateway").
constexpr double kGatewayPeakRssMb = 320;
constexpr int kGatewayThreadsOverLimit = 24;  // gRPC's pollers, executor, our bus and HTTP threads

TEST(GatewayAttack, ExpansionBombsWithoutAKeyAreRefusedBeforeAnythingIsInflatedOrParsed) {
  Pipeline pipeline;
  pipeline.start();
  pid_t gateway = pipeline.gateway().pid();
  BystanderClient bystander(pipeline.grpc_target(), pipeline.api_key());
  ProcSampler sampler(gateway);
  const std::string bomb = empty_spans_request(8'000'000);  // 16 MB, 8 M spans
  const std::string gzipped = gzip(bomb);
  ASSERT_LT(gzipped.size(), 100'000u) << "the attacker sends a few KB";
  std::vector<std::future<grpc::Status>> grpc_bombs;
  std::vector<std::future<HttpResponse>> http_bombs;
  for (int i = 0; i < 4; ++i) {
    grpc_bombs.push_back(std::async(std::launch::async, [&] {
      OtlpClient attacker(pipeline.grpc_target());  // no key
      return attacker.send_raw(bomb, 20s, /*gzip=*/true);
    }));
    http_bombs.push_back(std::async(std::launch::async, [&] {
      return http_request(pipeline.http_port(), "POST", "/v1/traces",
                          {{"Content-Type", "application/x-protobuf"}, {"Content-Encoding", "gzip"}}, gzipped, 20s);
    }));
  }
  for (auto& bomb_status : grpc_bombs) {
    grpc::Status status = bomb_status.get();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
  }
  for (auto& bomb_answer : http_bombs) EXPECT_EQ(bomb_answer.get().status, 401);
  std::this_thread::sleep_for(300ms);
  ProcStatus peak = sampler.finish();
  bystander.stop();
  std::printf("[ figures ] unauthenticated expansion bombs (4 gRPC + 4 HTTP, 16 MB of empty spans each): gateway peak "
              "RSS %.0f MB, peak threads %d\n", peak.peak_rss_mb, peak.threads);
  EXPECT_LT(peak.peak_rss_mb, kGatewayPeakRssMb) << pipeline.logs();
  EXPECT_EQ(bystander.failed(), 0) << bystander.last_error();
  EXPECT_GT(bystander.ok(), 0);
}

TEST(GatewayAttack, AnAuthenticatedExpansionBombIsRefusedAsInvalidSoSdksDoNotRetryIt) {
  Pipeline pipeline;
  pipeline.start();
  BystanderClient bystander(pipeline.grpc_target(), pipeline.api_key());
  ProcSampler sampler(pipeline.gateway().pid());
  const std::string bomb = empty_spans_request(8'000'000);
  OtlpClient attacker(pipeline.grpc_target(), pipeline.api_key());
  for (bool compressed : {false, true}) {
    grpc::Status status = attacker.send_raw(bomb, 20s, compressed);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    EXPECT_NE(status.error_message().find("of memory once parsed (--max-request-memory)"), std::string::npos)
        << status.error_message();
  }
  HttpResponse http = http_request(pipeline.http_port(), "POST", "/v1/traces",
                                   {{"Content-Type", "application/x-protobuf"}, {"Content-Encoding", "gzip"},
                                    {"x-junjo-api-key", pipeline.api_key()}},
                                   gzip(bomb), 20s);
  EXPECT_EQ(http.status, 400) << http.body;
  EXPECT_EQ(http.header("retry-after"), "") << "not retryable";
  // One span with two million events: refused the same way, before parsing.
  grpc::Status events = attacker.send_raw(one_span_with_events(2'000'000), 20s);
  EXPECT_EQ(events.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << events.error_message();
  ProcStatus peak = sampler.finish();
  bystander.stop();
  std::printf("[ figures ] authenticated expansion bombs: gateway peak RSS %.0f MB, peak threads %d\n",
              peak.peak_rss_mb, peak.threads);
  EXPECT_LT(peak.peak_rss_mb, kGatewayPeakRssMb);
  EXPECT_EQ(bystander.failed(), 0) << bystander.last_error();
  EXPECT_TRUE(pipeline.wal_spans().size() == static_cast<size_t>(5 * bystander.ok())) << "no bomb span was stored";
}

TEST(GatewayAttack, ASpanPastTheSpanLimitsIsTrimmedCountedAndSaidSo) {
  Pipeline pipeline({.http = false});
  pipeline.start();
  OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  auto request = client.make_request(1, 1);
  auto* span = request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0);
  const int attributes_sent = span->attributes_size() + 1500;
  for (int i = 0; i < 5000; ++i) span->add_events()->set_name("step " + std::to_string(i));
  for (int i = 0; i < 1500; ++i) {
    auto* attribute = span->add_attributes();
    attribute->set_key("a" + std::to_string(i));
    attribute->mutable_value()->set_int_value(i);
  }
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse response;
  grpc::Status status = client.send(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.partial_success().rejected_spans(), 0) << "trimmed, not rejected";
  const std::string& message = response.partial_success().error_message();
  EXPECT_NE(message.find("1 span was trimmed to the span limits"), std::string::npos) << message;
  EXPECT_NE(message.find("3976 events dropped (at most 1024 per span)"), std::string::npos) << message;
  EXPECT_NE(message.find(std::to_string(attributes_sent - 1024) + " attributes dropped"), std::string::npos) << message;
  EXPECT_EQ(pipeline.wal_spans().size(), 1u);
}

TEST(GatewayAttack, UnfinishedMessagesOnManyStreamsAreBounded) {
  Pipeline pipeline({.http = false});
  pipeline.start();
  int port = std::stoi(pipeline.grpc_target().substr(pipeline.grpc_target().rfind(':') + 1));
  BystanderClient bystander(pipeline.grpc_target(), pipeline.api_key());
  ProcSampler sampler(pipeline.gateway().pid());
  // Four connections, each opening 100 streams that announce 16 MiB messages
  // and send 4 MiB of each, no key: 1.6 GB if the gateway held it all.
  std::atomic<size_t> sent{0};
  std::atomic<int> streams{0};
  std::vector<std::thread> attackers;
  for (int a = 0; a < 4; ++a) {
    attackers.emplace_back([&, a] {
      Http2Raw attacker(port, "127.0.0." + std::to_string(2 + a));
      attacker.pump(200ms);
      auto until = std::chrono::steady_clock::now() + 8s;
      for (int i = 0; i < 100 && attacker.connected() && std::chrono::steady_clock::now() < until; ++i) {
        uint32_t stream = attacker.open_export_stream();
        sent += attacker.send_partial_message(stream, 16u << 20, 4u << 20, 100ms);
        streams.fetch_add(1);
      }
      attacker.pump(500ms);
    });
  }
  for (auto& attacker : attackers) attacker.join();
  ProcStatus peak = sampler.finish();
  bystander.stop();
  std::printf("[ figures ] %d streams of unfinished 16 MiB messages over 4 connections (%zu MB sent through HTTP/2 "
              "flow control, none of it read by gRPC): gateway peak RSS %.0f MB, peak threads %d\n",
              streams.load(), sent.load() >> 20, peak.peak_rss_mb, peak.threads);
  EXPECT_LT(peak.peak_rss_mb, kGatewayPeakRssMb) << pipeline.logs();
  EXPECT_EQ(bystander.failed(), 0) << bystander.last_error();
}

// HTTP/2 rapid reset, both ways: streams reset before any message, and streams
// that carry a whole message and END_STREAM before the reset. gRPC 1.51 alone
// kept building calls from them (gigabytes, growing after the attackers left);
// the gateway's relay counts the client's RST_STREAM frames and closes the
// connection past --grpc-max-resets-per-connection-per-second.
void rapid_reset_attack(bool with_message) {
  Pipeline pipeline({.http = false, .gateway_args = {"--grpc-workers", "32"}});
  pipeline.start();
  int port = std::stoi(pipeline.grpc_target().substr(pipeline.grpc_target().rfind(':') + 1));
  pid_t gateway = pipeline.gateway().pid();
  int threads_before = read_proc_status(gateway).threads;
  BystanderClient bystander(pipeline.grpc_target(), pipeline.api_key());
  ProcSampler sampler(gateway);
  std::atomic<int> connections_closed{0};
  std::vector<std::thread> attackers;
  for (int a = 0; a < 2; ++a) {
    attackers.emplace_back([&, a] {
      for (int round = 0; round < 5; ++round) {
        Http2Raw attacker(port, "127.0.0." + std::to_string(2 + a));
        if (!attacker.connected()) continue;
        attacker.rapid_reset(20'000, with_message);
        bool open = true;
        for (auto until = std::chrono::steady_clock::now() + 3s; open && std::chrono::steady_clock::now() < until;) {
          open = attacker.pump(100ms);
        }
        if (!open) connections_closed.fetch_add(1);
      }
    });
  }
  for (auto& attacker : attackers) attacker.join();
  std::this_thread::sleep_for(500ms);
  ProcStatus peak = sampler.finish();
  bystander.stop();
  std::printf("[ figures ] HTTP/2 rapid reset%s (2 attackers, 10 connections x 20k HEADERS+RST_STREAM): gateway threads "
              "%d before, peak %d; peak RSS %.0f MB; attacker connections closed by the gateway %d of 10; bystander %d "
              "Exports OK, %d failed, slowest %d ms\n",
              with_message ? " with whole messages" : "", threads_before, peak.threads, peak.peak_rss_mb,
              connections_closed.load(), bystander.ok(), bystander.failed(), bystander.worst_ms());
  EXPECT_LE(peak.threads, 32 + kGatewayThreadsOverLimit) << pipeline.logs();
  EXPECT_LT(peak.peak_rss_mb, kGatewayPeakRssMb);
  EXPECT_EQ(bystander.failed(), 0) << bystander.last_error();
  EXPECT_GT(bystander.ok(), 0);
  EXPECT_EQ(connections_closed.load(), 10) << "the offenders are cut off";
  EXPECT_NE(pipeline.gateway().log().find("streams in one second (HTTP/2 rapid reset)"), std::string::npos);
}

TEST(GatewayAttack, RapidResetClosesTheOffenderAndKeepsMemoryAndThreadsBounded) { rapid_reset_attack(false); }

TEST(GatewayAttack, RapidResetWithWholeMessagesClosesTheOffender) { rapid_reset_attack(true); }

TEST(GatewayAttack, ACallFloodOnOneConnectionGetsThatConnectionClosed) {
  Pipeline pipeline({.http = false, .gateway_args = {"--grpc-max-streams-per-connection-per-second", "100"}});
  pipeline.start();
  BystanderClient bystander(pipeline.grpc_target(), pipeline.api_key());
  OtlpClient flooder(pipeline.grpc_target());  // one channel, one connection, no key
  std::atomic<int> unauthenticated{0}, cut_off{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        grpc::Status status = flooder.send_raw("", 2s);
        if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED) unauthenticated.fetch_add(1);
        if (status.error_code() == grpc::StatusCode::UNAVAILABLE) cut_off.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  bystander.stop();
  std::printf("[ figures ] call flood on one connection (400 calls, limit 100 a second): %d answered UNAUTHENTICATED, "
              "%d cut off with the connection; bystander %d OK, %d failed\n",
              unauthenticated.load(), cut_off.load(), bystander.ok(), bystander.failed());
  EXPECT_NE(pipeline.gateway().log().find("streams in one second (a call flood)"), std::string::npos) << pipeline.logs();
  EXPECT_GT(cut_off.load(), 0);
  EXPECT_EQ(bystander.failed(), 0) << bystander.last_error();
}

TEST(GatewayAttack, IdleConnectionsPastTheCapsAreClosedAndOthersStillConnect) {
  raise_own_fd_limit();
  Pipeline pipeline({.http = false,
                     .gateway_args = {"--grpc-max-connections-per-address", "100", "--grpc-handshake-timeout", "2s",
                                      "--grpc-max-connection-idle", "2s"}});
  pipeline.start();
  int port = std::stoi(pipeline.grpc_target().substr(pipeline.grpc_target().rfind(':') + 1));
  ProcSampler sampler(pipeline.gateway().pid());
  std::vector<int> idle;
  for (int i = 0; i < 600; ++i) idle.push_back(idle_connection(port, "127.0.0.2"));
  Http2Raw idle_http2(port, "127.0.0.3");  // speaks HTTP/2, then never calls
  idle_http2.pump(200ms);
  std::this_thread::sleep_for(500ms);
  int closed = 0;
  for (int fd : idle) closed += fd < 0 || closed_by_server(fd, 1ms);
  EXPECT_GE(closed, 500) << "past 100 from one address, the gateway closes new connections at once";
  // A client from another address is served all along.
  OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  grpc::Status status = client.send(client.make_request(1, 1), nullptr, 5s);
  EXPECT_TRUE(status.ok()) << status.error_message();
  // The ones it kept are closed once idle for --grpc-max-connection-idle.
  std::this_thread::sleep_for(3s);
  int closed_later = 0;
  for (int fd : idle) {
    if (fd >= 0) closed_later += closed_by_server(fd, 10ms);
  }
  ProcStatus peak = sampler.finish();
  for (int fd : idle) {
    if (fd >= 0) ::close(fd);
  }
  std::printf("[ figures ] 600 idle connections from one address (cap 100): %d closed at once, %d closed after the idle "
              "timeout; gateway peak fds %d, peak threads %d, peak RSS %.0f MB\n",
              closed, closed_later, peak.open_fds, peak.threads, peak.peak_rss_mb);
  EXPECT_EQ(closed_later, 600) << "silent connections are closed after --grpc-handshake-timeout";
  EXPECT_TRUE(!idle_http2.pump(2s) || idle_http2.goaway_received()) << "idle HTTP/2 connections after --grpc-max-connection-idle";
  EXPECT_LT(peak.open_fds, 100 * 2 + 100) << "at most 100 connections held (two descriptors each)";
}

TEST(GatewayAttack, OutOfFileDescriptorsTheListenerRecoversAndALongOutageExitsForTheSupervisor) {
  raise_own_fd_limit();
  TempDir scratch;
  Pipeline pipeline({.http = false, .gateway_args = {"--grpc-accept-failure-exit", "3s"}});
  pipeline.start_auth();
  pipeline.start_wal();
  pipeline.start_gateway();
  pid_t gateway = pipeline.gateway().pid();
  // The gateway as started by a supervisor with a small descriptor table.
  rlimit small{200, 200};
  ASSERT_EQ(::prlimit(gateway, RLIMIT_NOFILE, &small, nullptr), 0);
  int port = std::stoi(pipeline.grpc_target().substr(pipeline.grpc_target().rfind(':') + 1));
  OtlpClient early(pipeline.grpc_target(), pipeline.api_key());
  ASSERT_TRUE(early.send(early.make_request(1, 1)).ok());
  // 8 addresses x 60 connections: under each address's cap, past the table.
  std::vector<int> idle;
  for (int source = 2; source < 10; ++source) {
    for (int i = 0; i < 60; ++i) idle.push_back(idle_connection(port, "127.0.0." + std::to_string(source)));
  }
  std::this_thread::sleep_for(1s);
  EXPECT_TRUE(early.send(early.make_request(1, 1)).ok()) << "a connection made before keeps working";
  for (int fd : idle) {
    if (fd >= 0) ::close(fd);
  }
  idle.clear();
  // Released: the port accepts again (before the fix it never did).
  OtlpClient late(pipeline.grpc_target(), pipeline.api_key());
  EXPECT_TRUE(wait_until([&] { return late.send(late.make_request(1, 1), nullptr, 1s).ok(); }, 10s))
      << pipeline.gateway().log();
  EXPECT_NE(pipeline.gateway().log().find("out of file descriptors"), std::string::npos);
  // Held past --grpc-accept-failure-exit while clients keep trying to connect:
  // the gateway exits 75 for its supervisor.
  for (int source = 2; source < 10; ++source) {
    for (int i = 0; i < 60; ++i) idle.push_back(idle_connection(port, "127.0.0." + std::to_string(source)));
  }
  std::atomic<bool> knocking{true};
  std::thread knocker([&] {
    while (knocking) {
      int fd = idle_connection(port, "127.0.0.1");
      if (fd >= 0) ::close(fd);
      std::this_thread::sleep_for(50ms);
    }
  });
  bool exited = wait_until([&] { return !pipeline.gateway().running(); }, 15s);
  knocking = false;
  knocker.join();
  for (int fd : idle) {
    if (fd >= 0) ::close(fd);
  }
  EXPECT_TRUE(exited) << pipeline.gateway().log();
  EXPECT_NE(pipeline.gateway().log().find("the gateway will exit for its supervisor"), std::string::npos);
}

TEST(GatewayAttack, UnfinishedHttpBodiesAreBoundedAndTimedOut) {
  raise_own_fd_limit();
  Pipeline pipeline({.gateway_args = {"--http-body-timeout", "2s", "--http-max-connections-per-address", "40"}});
  pipeline.start();
  BystanderClient bystander(pipeline.grpc_target(), pipeline.api_key());
  ProcSampler sampler(pipeline.gateway().pid());
  // 60 connections from one address, each announcing 16 MiB and sending 1 MiB
  // of it without a key, then nothing.
  const std::string head = "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
                           "Content-Length: 16777216\r\n\r\n";
  const std::string chunk(1 << 20, 'x');
  std::vector<int> slow;
  for (int i = 0; i < 60; ++i) {
    int fd = idle_connection(pipeline.http_port(), "127.0.0.2");
    if (fd < 0) continue;
    timeval timeout{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    (void)!::send(fd, head.data(), head.size(), MSG_NOSIGNAL);
    (void)!::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
    slow.push_back(fd);
  }
  // Another client is served meanwhile, over HTTP too.
  HttpResponse served = http_request(pipeline.http_port(), "POST", "/v1/traces",
                                     {{"Content-Type", "application/json"}, {"x-junjo-api-key", pipeline.api_key()}},
                                     "{\"resourceSpans\":[]}", 5s);
  EXPECT_EQ(served.status, 200) << served.body;
  auto waited_from = std::chrono::steady_clock::now();
  int closed = 0;
  for (int fd : slow) {
    closed += closed_by_server(fd, 6000ms);
    ::close(fd);
  }
  auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - waited_from);
  ProcStatus peak = sampler.finish();
  bystander.stop();
  std::printf("[ figures ] 60 unfinished 16 MiB OTLP/HTTP bodies from one address (cap 40, body timeout 2 s): %d of %zu "
              "closed by the gateway within %lld ms; peak RSS %.0f MB, peak threads %d\n",
              closed, slow.size(), static_cast<long long>(waited.count()), peak.peak_rss_mb, peak.threads);
  EXPECT_EQ(closed, static_cast<int>(slow.size())) << "past the cap at once, the rest at the body timeout";
  EXPECT_LT(peak.peak_rss_mb, kGatewayPeakRssMb);
  EXPECT_EQ(bystander.failed(), 0) << bystander.last_error();
}

// The gateway stops promptly even with an exporter's connection open (the
// launcher's stop budget is 2 s for an idle pipeline).
TEST(GatewayAttack, StopsWithinTwoSecondsWithAClientConnected) {
  Pipeline pipeline({.http = false});
  pipeline.start();
  OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  ASSERT_TRUE(client.send(client.make_request(1, 5)).ok());
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(pipeline.gateway().stop(), 0);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  std::printf("[ figures ] gateway stop with an idle client connected: %lld ms\n", static_cast<long long>(took.count()));
  EXPECT_LT(took, 2s) << pipeline.gateway().log();
}

TEST(GatewayAttack, APortInUseIsAnErrorNamingThePortNotASharedPort) {
  Pipeline pipeline({.http = false});
  pipeline.start();
  TempDir dir;
  Process second(bin_path("spanline-gateway"),
                 {"--data-dir", dir.path(), "--grpc-address", pipeline.grpc_target(), "--http-address", ""},
                 dir / "second.log");
  second.start();
  ASSERT_TRUE(wait_until([&] { return !second.running(); }, 10s)) << "the second gateway must not start";
  int port = std::stoi(pipeline.grpc_target().substr(pipeline.grpc_target().rfind(':') + 1));
  EXPECT_NE(second.log().find("another process holds port " + std::to_string(port)), std::string::npos) << second.log();
  OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(client.send(client.make_request(1, 1)).ok()) << "every connection reaches the first";
}

TEST(GatewayAttack, TooLargeIsInvalidArgumentAndBusyCarriesRetryInfo) {
  Pipeline pipeline({.http = false, .gateway_args = {"--max-request-bytes", "1MiB"}});
  pipeline.start();
  OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  auto request = client.make_request(1, 1);
  auto* attribute = request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->add_attributes();
  attribute->set_key("big");
  attribute->mutable_value()->set_string_value(std::string(1100 << 10, 'x'));
  grpc::Status status = client.send(request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_NE(status.error_message().find("(--max-request-bytes): send smaller batches"), std::string::npos);
  EXPECT_TRUE(status.error_details().empty()) << "no RetryInfo: the OTLP specification says do not retry";
}

}  // namespace
}  // namespace spanline::testing
