// CURVE on the bus, with real processes: a pipeline whose stages share a bus
// key (from `spanline keygen`) indexes what clients send; a stage holding
// another key, or none, is refused, both sides say so in their logs, and
// nothing it was sent reaches the WAL.
#include <gtest/gtest.h>

#include <cstdlib>

#include "tests/support/http_client.h"
#include "tests/support/otlp_client.h"
#include "tests/support/pipeline.h"

namespace spanline::testing {
namespace {

// Every process started while it lives inherits the key through the environment.
class BusKeyInEnvironment {
 public:
  explicit BusKeyInEnvironment(const std::string& value) { ::setenv("SPANLINE_CURVE_SECRET_KEY", value.c_str(), 1); }
  ~BusKeyInEnvironment() { ::unsetenv("SPANLINE_CURVE_SECRET_KEY"); }
};

std::string keygen(const std::string& path) {
  std::string out;
  EXPECT_EQ(run_command({bin_path("spanline"), "keygen", "--out", path}, &out), 0);
  return out;
}

TEST(BusSecurity, APipelineSharingABusKeyWorksAndStrangersAreRefused) {
  TempDir keys;
  keygen(keys / "bus.key");
  keygen(keys / "other.key");
  BusKeyInEnvironment env(keys / "bus.key");

  Pipeline pipeline({.http = false, .indexers = {"0-3"}, .api = true});
  pipeline.start();
  OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  auto request = client.make_request(5, 4);
  ASSERT_TRUE(client.send(request).ok());
  ASSERT_TRUE(pipeline.wait_indexed(20)) << pipeline.logs();
  // The api learns every stage from stats sent over the secured bus.
  ASSERT_TRUE(wait_until([&] {
    return http_get(pipeline.api_port(), "/health").status == 200;
  })) << pipeline.logs();

  size_t wal_spans = pipeline.wal_spans().size();
  auto stranger = [&](const std::string& name, const std::string& key_value) {
    int port = free_port();
    auto gateway = std::make_unique<Process>(
        bin_path("spanline-gateway"),
        std::vector<std::string>{"--data-dir", pipeline.data_dir(), "--grpc-address", "127.0.0.1:" + std::to_string(port),
                                 "--http-address", "", "--instance", name, "--wal-timeout", "1s", "--auth-timeout", "1s"},
        pipeline.data_dir() + "/" + name + ".log", std::map<std::string, std::string>{{"SPANLINE_CURVE_SECRET_KEY", key_value}});
    gateway->start();
    EXPECT_TRUE(wait_until([&] { return port_open(port); })) << gateway->log();
    return std::make_pair(std::move(gateway), "127.0.0.1:" + std::to_string(port));
  };

  {
    auto [gateway, target] = stranger("gateway-other-key", keys / "other.key");
    OtlpClient other(target, pipeline.api_key());
    grpc::Status status = other.send(other.make_request(1, 2));
    // The API key cannot even be checked: the auth-responder refuses the gateway.
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
    EXPECT_TRUE(wait_until([&] { return gateway->log().find("bus handshake failed") != std::string::npos; }))
        << gateway->log();
    EXPECT_TRUE(wait_until([&] { return pipeline.wal().log().find("the peer uses a different bus key") != std::string::npos; }))
        << pipeline.wal().log();
  }
  {
    const size_t wal_log_before = pipeline.wal().log().size();
    auto [gateway, target] = stranger("gateway-no-key", "");
    OtlpClient plain(target, pipeline.api_key());
    grpc::Status status = plain.send(plain.make_request(1, 2));
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
    // Which side notices the mechanism mismatch first is a race: the WAL either
    // names it, or sees the plain peer hang up first, a cause it logs at most
    // once per 10 s (the other-key gateway above may just have used that). Both
    // are refusals; that the WAL gained no span is checked below.
    EXPECT_TRUE(wait_until([&] {
      const std::string log = pipeline.wal().log();
      return log.substr(wal_log_before).find("one side has a bus key") != std::string::npos ||
             log.find("(the peer closed the connection: a different bus key, or no key)") != std::string::npos;
    })) << pipeline.wal().log();
  }
  EXPECT_EQ(pipeline.wal_spans().size(), wal_spans);

  // A health probe with the wrong key is refused; with the right one it passes.
  EXPECT_EQ(run_command({bin_path("spanline-wal"), "ping", "--data-dir", pipeline.data_dir(), "--curve-secret-key",
                         keys / "other.key"}),
            1);
  EXPECT_EQ(run_command({bin_path("spanline-wal"), "ping", "--data-dir", pipeline.data_dir()}), 0);
}

TEST(BusSecurity, KeygenNeverOverwritesAndBadKeysStopAStageAtStart) {
  TempDir dir;
  std::string out = keygen(dir / "bus.key");
  EXPECT_NE(out.find("SPANLINE_CURVE_SECRET_KEY="), std::string::npos) << out;
  EXPECT_EQ(run_command({bin_path("spanline"), "keygen", "--out", dir / "bus.key"}), 1);
  int rc = run_command({bin_path("spanline-wal"), "--data-dir", dir.path(), "--curve-secret-key", "too-short"});
  EXPECT_EQ(rc, 2);
}

}  // namespace
}  // namespace spanline::testing
