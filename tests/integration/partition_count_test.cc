// The partition count has one owner, the WAL: a pipeline started with 8
// partitions is answered whole by an api, gateway and indexer never told the
// count, and a stage told another count refuses to run, saying both.
#include <gtest/gtest.h>

#include <set>

#include <nlohmann/json.hpp>

#include "base/hex.h"
#include "protocol/wal/partitions.h"
#include "tests/support/http_client.h"
#include "tests/support/otlp_client.h"
#include "tests/support/pipeline.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

TEST(WalPartitionCount, EightPartitionsAreAnsweredWholeByAnApiNeverToldTheCount) {
  // Only the WAL is given 8; the indexer owns "all of the WAL's".
  Pipeline pipeline({.partitions = 8, .http = false, .indexers = {""}, .api = true});
  pipeline.start();
  OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  auto request = client.make_request(64, 2);
  std::set<std::string> trace_ids;
  std::set<uint32_t> partitions;
  for (const auto& span : request.resource_spans(0).scope_spans(0).spans()) {
    trace_ids.insert(to_hex(span.trace_id()));
    partitions.insert(wal::partition_of(span.trace_id(), 8));
  }
  ASSERT_EQ(partitions.size(), 8u) << "64 random traces cover every partition";
  ASSERT_TRUE(client.send(request).ok());
  ASSERT_TRUE(pipeline.wait_indexed(128)) << pipeline.logs();

  std::set<uint32_t> in_the_wal;
  for (const WalSpan& span : pipeline.wal_spans()) in_the_wal.insert(span.partition);
  EXPECT_EQ(in_the_wal, partitions) << "the gateway split by the WAL's 8";
  // The api hears the WAL's count in its stats (once a second).
  EXPECT_TRUE(wait_until([&] {
    return http_get(pipeline.api_port(), "/api/v1/traces/" + *trace_ids.begin(), pipeline.signed_in()).status != 503;
  }));
  for (const std::string& trace_id : trace_ids) {
    HttpResponse response = http_get(pipeline.api_port(), "/api/v1/traces/" + trace_id, pipeline.signed_in());
    ASSERT_EQ(response.status, 200) << trace_id << ": " << response.body << "\n" << pipeline.logs();
    EXPECT_EQ(json::parse(response.body)["spans"].size(), 2u) << trace_id;
  }
  json search = json::parse(http_get(pipeline.api_port(), "/api/v1/traces?limit=100", pipeline.signed_in()).body);
  EXPECT_EQ(search["traces"].size(), 64u) << search.dump();
  EXPECT_EQ(search["partial"], false) << search.dump();
}

TEST(WalPartitionCount, StagesConfiguredWithAnotherCountRefuseNamingBoth) {
  Pipeline pipeline({.partitions = 8, .http = false, .indexers = {}});
  pipeline.start();

  int port = free_port();
  Process gateway(bin_path("spanline-gateway"),
                  {"--data-dir", pipeline.data_dir(), "--grpc-address", "127.0.0.1:" + std::to_string(port), "--http-address", "",
                   "--instance", "gateway-4", "--partitions", "4"},
                  pipeline.data_dir() + "/gateway-4.log");
  gateway.start();
  const std::string both = "configured with --partitions 4, but the WAL has 8 partitions";
  EXPECT_TRUE(wait_until([&] { return gateway.log().find(both) != std::string::npos; })) << gateway.log();
  EXPECT_EQ(gateway.stop(), 2) << "the gateway stopped by itself, as a configuration error";

  Process indexer(bin_path("spanline-indexer"),
                  {"--data-dir", pipeline.data_dir(), "--instance", "indexer-past", "--partitions", "6-9"},
                  pipeline.data_dir() + "/indexer-past.log");
  indexer.start();
  EXPECT_TRUE(wait_until([&] {
    return indexer.log().find("names partition 8, but the WAL has 8 partitions (0-7)") != std::string::npos;
  })) << indexer.log();
  EXPECT_EQ(indexer.stop(), 2);

  // The WAL itself, restarted with another count, does not start.
  EXPECT_EQ(pipeline.wal().stop(), 0);
  Process wal(bin_path("spanline-wal"), {"--data-dir", pipeline.data_dir(), "--partitions", "4"}, pipeline.data_dir() + "/wal-4.log");
  wal.start();
  EXPECT_TRUE(wait_until([&] { return wal.log().find("has 8 partitions, but --partitions is 4") != std::string::npos; }))
      << wal.log();
  EXPECT_EQ(wal.stop(), 2);
  pipeline.start_wal();  // for the pipeline's own stop
}

// The api told a count before the WAL is heard uses it; once the WAL says
// otherwise, index queries answer 503 naming both instead of routing wrongly.
TEST(WalPartitionCount, AnApiConfiguredWithAnotherCountAnswers503NamingBoth) {
  Pipeline pipeline({.partitions = 8, .http = false, .indexers = {""}, .api = true, .api_args = {"--partitions", "4"}});
  pipeline.start();
  HttpResponse response;
  EXPECT_TRUE(wait_until([&] {
    response = http_get(pipeline.api_port(), "/api/v1/traces/0123456789abcdef0123456789abcdef", pipeline.signed_in());
    return response.status == 503 && response.body.find("configured with --partitions 4, but the WAL has 8") != std::string::npos;
  })) << response.status << " " << response.body;
}

}  // namespace
}  // namespace spanline::testing
