// The pipeline's health conditions from real stages: the WAL's disk past a
// (tiny) warning fraction is a warning that leaves /health at 200; a stopped
// indexer is a required stage down, named in /api/v1/pipeline's conditions and
// /health's, with its instance drawn down. This is what the web UI's banner shows.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/http_client.h"
#include "tests/support/pipeline.h"
#include "tests/support/process.h"

namespace spanline::testing {
namespace {

using nlohmann::json;

json answer_of(const Pipeline& pipeline, const std::string& target, int* status = nullptr) {
  HttpResponse response = http_get(pipeline.api_port(), target, pipeline.signed_in());
  if (status) *status = response.status;
  return json::parse(response.body, nullptr, false);
}

bool has_condition(const json& answer, const std::string& kind, const std::string& stage) {
  if (!answer.is_object() || !answer.contains("conditions")) return false;
  for (const json& c : answer["conditions"]) {
    if (c["kind"] == kind && c["stage"] == stage) return true;
  }
  return false;
}

TEST(PipelineHealthLive, WalDiskWarnsAndAStoppedIndexerIsNamedDown) {
  Pipeline pipeline({.indexers = {""},
                     .api = true,
                     .api_args = {"--stage-timeout", "2s", "--wal-disk-warn-fraction", "0.000000001", "--health-lag-warn", "1h"}});
  pipeline.start();
  ASSERT_TRUE(pipeline.wait_api_complete()) << pipeline.logs();

  // Any log on disk is past a billionth of the 16 GiB budget: a warning, /health still 200.
  json warned;
  ASSERT_TRUE(wait_until([&] {
    warned = answer_of(pipeline, "/api/v1/pipeline?history=0");
    return has_condition(warned, "wal_disk", "wal");
  })) << warned.dump();
  EXPECT_EQ(warned["status"], "warning");
  EXPECT_FALSE(warned["instances"][0].contains("history")) << "history=0 keeps the poll small";
  for (const json& c : warned["conditions"]) {
    EXPECT_EQ(c["severity"], "warning") << c.dump();
    EXPECT_NE(c["message"].get<std::string>().find("of its budget"), std::string::npos) << c.dump();
  }
  int status = 0;
  json health = answer_of(pipeline, "/health", &status);
  EXPECT_EQ(status, 200) << health.dump();
  EXPECT_TRUE(has_condition(health, "wal_disk", "wal")) << health.dump();

  ASSERT_EQ(pipeline.indexer(0).stop(), 0);
  json down;
  ASSERT_TRUE(wait_until([&] {
    down = answer_of(pipeline, "/api/v1/pipeline?history=0");
    return has_condition(down, "stage_down", "indexer");
  }, std::chrono::seconds(10))) << down.dump();
  EXPECT_EQ(down["status"], "unavailable");
  for (const json& c : down["conditions"]) {
    if (c["kind"] != "stage_down") continue;
    EXPECT_EQ(c["severity"], "error");
    EXPECT_EQ(c["message"].get<std::string>().rfind("indexer is down: last heard ", 0), 0u) << c.dump();
  }
  for (const json& instance : down["instances"]) {
    if (instance["stage"] == "indexer") EXPECT_EQ(instance["state"], "down") << instance.dump();
    if (instance["stage"] == "wal") EXPECT_EQ(instance["state"], "up") << instance.dump();
  }
  health = answer_of(pipeline, "/health", &status);
  EXPECT_EQ(status, 503);
  EXPECT_TRUE(has_condition(health, "stage_down", "indexer")) << health.dump();
}

}  // namespace
}  // namespace spanline::testing
