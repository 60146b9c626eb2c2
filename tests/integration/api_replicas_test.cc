// Two replicas of every partition behind the api (issue 32): two static
// indexers in separate consumer groups each index all four partitions, so each
// partition has two ready replicas. One is frozen (SIGSTOP: a host that hangs
// without closing its sockets); every answer stays complete, and costs at most
// about the hedge time (--query-hedge), not the query deadline, until the api
// stops asking the silent one.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/http_client.h"
#include "tests/support/otlp_client.h"
#include "tests/support/pipeline.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

json get(const Pipeline& pipeline, const std::string& target) {
  HttpResponse response = http_get(pipeline.api_port(), target, pipeline.signed_in());
  json body = json::parse(response.body, nullptr, false);
  return response.status == 200 && !body.is_discarded() ? body : json::object();
}

// Spans each indexer instance says it indexed, from the pipeline answer.
uint64_t spans_indexed_by(const Pipeline& pipeline, const std::string& instance) {
  for (const json& view : get(pipeline, "/api/v1/pipeline?history=0").value("instances", json::array())) {
    if (view["stage"] == "indexer" && view["instance"] == instance) return view["counters"].value("spans_indexed", uint64_t{0});
  }
  return 0;
}

TEST(ApiReplicas, AFrozenReplicaCostsNoAnswerOnlyTheHedgeTime) {
  Pipeline pipeline({.indexers = {"0-3"}, .api = true, .api_args = {"--query-hedge", "300ms"}});
  pipeline.start();
  TempDir other;
  Process replica(bin_path("spanline-indexer"),
                  {"--data-dir", other.path(), "--partitions", "0-3", "--instance", "indexer-b", "--consumer-group", "index-b",
                   "--wal-endpoint", pipeline.wal_endpoints(), "--stats-endpoint", "ipc://" + pipeline.data_dir() + "/run/stats.sock",
                   "--log-level", "debug"},
                  other / "indexer-b.log");
  replica.start();
  OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  ASSERT_TRUE(client.send(client.make_request(40, 1, "replica-svc")).ok());
  ASSERT_TRUE(wait_until([&] { return spans_indexed_by(pipeline, "indexer-1") >= 40 && spans_indexed_by(pipeline, "indexer-b") >= 40; }, 20s))
      << pipeline.logs() << replica.log();
  json partitions = get(pipeline, "/api/v1/pipeline?history=0")["partitions"];
  ASSERT_EQ(partitions.size(), 4u);
  for (const json& partition : partitions) EXPECT_EQ(partition["replicas"].size(), 2u) << partition.dump();

  // Freeze the replica whose heartbeat is the fresher of the two: with equal lag the api asks it first, so
  // the answers right after are the ones that need the hedge. (Waiting for one particular indexer to be the
  // fresher can wait forever: both publish once a second, and their phases need not cross.)
  Process* frozen = nullptr;
  ASSERT_TRUE(wait_until([&] {
    int64_t first_silent = -1, other_silent = -1;
    for (const json& view : get(pipeline, "/api/v1/pipeline?history=0").value("instances", json::array())) {
      if (view["instance"] == "indexer-1") first_silent = view["silent_ms"].get<int64_t>();
      if (view["instance"] == "indexer-b") other_silent = view["silent_ms"].get<int64_t>();
    }
    if (first_silent < 0 || other_silent < 0) return false;
    frozen = first_silent <= other_silent ? &pipeline.indexer(0) : &replica;
    return true;
  }, 10s));
  frozen->pause();
  // Through the whole time the api takes to stop asking it: fresh, then stale (2.5 s), then gone (--stage-timeout 5 s).
  const auto until = std::chrono::steady_clock::now() + 6s;
  auto slowest = std::chrono::steady_clock::duration::zero();
  int answers = 0;
  while (std::chrono::steady_clock::now() < until) {
    const auto asked = std::chrono::steady_clock::now();
    json page = get(pipeline, "/api/v1/traces?service=replica-svc&limit=100");
    slowest = std::max(slowest, std::chrono::steady_clock::now() - asked);
    ++answers;
    ASSERT_EQ(page.value("partial", true), false) << page.dump();
    ASSERT_EQ(page["traces"].size(), 40u);
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_GT(answers, 10);
  EXPECT_LT(slowest, 1500ms) << "a frozen replica costs about the hedge time (300 ms), not the query deadline (3 s)";
  frozen->resume();
  replica.stop();
}

}  // namespace
}  // namespace spanline::testing
