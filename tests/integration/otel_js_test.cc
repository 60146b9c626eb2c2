// The real OpenTelemetry JavaScript SDK (tests/js/otel-send.mjs) exports to the
// real gateway over gRPC and both OTLP/HTTP encodings; every span it saw
// acknowledged must be in the WAL, in its trace's partition.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "protocol/wal/partitions.h"
#include "tests/support/pipeline.h"

namespace spanline::testing {
namespace {

std::string unhex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

std::string sender() { return std::string(SPANLINE_SOURCE_DIR) + "/tests/js/otel-send.mjs"; }

class OtelJs : public ::testing::TestWithParam<std::string> {};

TEST_P(OtelJs, EveryAcknowledgedSpanIsInTheWal) {
  ASSERT_TRUE(std::filesystem::exists(std::string(SPANLINE_SOURCE_DIR) + "/tests/js/node_modules"))
      << "run 'make test' (it installs tests/js with npm ci)";
  Pipeline pipeline;
  pipeline.start();
  std::string protocol = GetParam();
  std::string endpoint = protocol == "grpc" ? "http://" + pipeline.grpc_target() : pipeline.http_base();
  std::string out;
  int rc = run_command({"node", sender(), "--protocol", protocol, "--endpoint", endpoint, "--traces", "20",
                        "--spans-per-trace", "5", "--service", "js-" + protocol, "--header", "x-junjo-api-key=" + pipeline.api_key()},
                       &out);
  ASSERT_EQ(rc, 0) << out << pipeline.logs();
  auto result = nlohmann::json::parse(out);
  ASSERT_EQ(result["acked"].size(), 100u) << out;
  EXPECT_TRUE(result["failed"].empty());
  std::map<std::pair<std::string, std::string>, uint32_t> in_wal;
  for (const auto& span : pipeline.wal_spans()) in_wal[{span.trace_id, span.span_id}] = span.partition;
  for (const auto& span : result["acked"]) {
    std::string trace_id = span["trace_id"];
    auto it = in_wal.find({trace_id, span["span_id"].get<std::string>()});
    ASSERT_NE(it, in_wal.end()) << "acked span missing from the WAL: " << span.dump();
    EXPECT_EQ(it->second, wal::partition_of(unhex(trace_id), 4));
  }
  EXPECT_EQ(in_wal.size(), 100u);
}

INSTANTIATE_TEST_SUITE_P(Protocols, OtelJs, ::testing::Values("grpc", "http-protobuf", "http-json"),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           for (auto& c : name) c = c == '-' ? '_' : c;
                           return name;
                         });

}  // namespace
}  // namespace spanline::testing
