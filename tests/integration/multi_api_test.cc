// Several apis behind one load balancer (issue 32): every stage publishes its
// stats to each api's --stats-endpoint, and sessions live in the
// auth-responder, so each api has the whole picture and any api honours a
// session another started. Two WALs own half the partitions each, so the
// pipeline answer's per-partition owners are checked end to end too.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "tests/support/http_client.h"
#include "tests/support/pipeline.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// The (stage, instance) pairs an api lists, leaving the apis out: an api's own
// stats go straight into its own directory, not to the other apis.
std::set<std::pair<std::string, std::string>> other_stages(const json& pipeline) {
  std::set<std::pair<std::string, std::string>> seen;
  for (const json& instance : pipeline["instances"]) {
    if (instance["stage"] != "api") seen.insert({instance["stage"].get<std::string>(), instance["instance"].get<std::string>()});
  }
  return seen;
}

json pipeline_of(int port, const std::map<std::string, std::string>& headers) {
  HttpResponse response = http_get(port, "/api/v1/pipeline?history=0", headers);
  EXPECT_EQ(response.status, 200) << response.body;
  json body = json::parse(response.body, nullptr, false);
  return body.is_discarded() ? json::object() : body;
}

TEST(SeveralApis, EachSeesEveryStageAndHonoursSessionsStartedOnTheOther) {
  TempDir sockets;
  const std::string first_stats = "ipc://" + sockets / "stats-1.sock";
  const std::string second_stats = "ipc://" + sockets / "stats-2.sock";
  const std::vector<std::string> publish_to_both = {"--stats-endpoint", first_stats + "," + second_stats};
  Pipeline pipeline({.wals = 2,
                     .wal_args = publish_to_both,
                     .gateway_args = publish_to_both,
                     .indexers = {"0,1", "2,3"},
                     .indexer_args = publish_to_both,
                     .api = true,
                     .api_args = {"--stats-endpoint", first_stats},
                     .auth_args = publish_to_both});
  pipeline.start();
  const int second_port = free_port();
  Process second_api(bin_path("spanline-api"),
                     {"--data-dir", pipeline.data_dir(), "--listen", "127.0.0.1:" + std::to_string(second_port), "--instance", "api-2",
                      "--stats-endpoint", second_stats, "--wal-endpoint", pipeline.wal_endpoints(), "--log-level", "debug"},
                     pipeline.data_dir() + "/api-2.log");
  second_api.start();
  ASSERT_TRUE(wait_until([&] { return port_open(second_port); }, 15s)) << second_api.log();

  // A session started on the first api (first-user setup) is good on the second.
  const auto session = pipeline.signed_in();
  EXPECT_EQ(http_get(second_port, "/api/v1/pipeline?history=0", session).status, 200) << second_api.log();
  // And a sign-in on the second is good on the first.
  HttpResponse signed_in = http_request(second_port, "POST", "/api/v1/auth/sign-in", {{"Content-Type", "application/json"}},
                                        R"({"email":"admin@example.com","password":"correct horse battery"})");
  ASSERT_EQ(signed_in.status, 200) << signed_in.body;
  const std::string cookie = signed_in.header("set-cookie").substr(0, signed_in.header("set-cookie").find(';'));
  EXPECT_EQ(http_get(pipeline.api_port(), "/api/v1/pipeline?history=0", {{"Cookie", cookie}}).status, 200);

  // Both list the same stages once every stage has published to both.
  const std::set<std::pair<std::string, std::string>> expected = {
      {"wal", "wal-1"}, {"wal", "wal-2"}, {"indexer", "indexer-1"}, {"indexer", "indexer-2"}};
  json first, second;
  ASSERT_TRUE(wait_until([&] {
    first = pipeline_of(pipeline.api_port(), session);
    second = pipeline_of(second_port, {{"Cookie", cookie}});
    const auto seen = other_stages(first);
    return std::includes(seen.begin(), seen.end(), expected.begin(), expected.end()) && seen.size() == expected.size() + 2 &&
           other_stages(second) == seen;
  }, 15s)) << first.dump() << "\n" << second.dump();
  // gateway and auth too: exactly one instance each, the same on both.
  std::set<std::string> stages;
  for (const auto& [stage, instance] : other_stages(first)) stages.insert(stage);
  EXPECT_EQ(stages, (std::set<std::string>{"auth", "gateway", "indexer", "wal"}));

  // Each partition's owner, as both apis see it: the WALs split them 0-1 and 2-3.
  for (const json& answer : {first, second}) {
    ASSERT_EQ(answer["partitions"].size(), 4u) << answer["partitions"].dump();
    for (const json& partition : answer["partitions"]) {
      const int p = partition["partition"].get<int>();
      EXPECT_EQ(partition["wal"], p < 2 ? "wal-1" : "wal-2") << partition.dump();
      ASSERT_EQ(partition["replicas"].size(), 1u) << partition.dump();
      EXPECT_EQ(partition["replicas"][0]["instance"], p < 2 ? "indexer-1" : "indexer-2");
      EXPECT_EQ(partition["replicas"][0]["state"], "ready");
    }
  }
  second_api.stop();
}

}  // namespace
}  // namespace spanline::testing
