// The pipeline's health conditions (stage down, index lag, WAL disk) and what
// /api/v1/pipeline and /health say from them, fed synthetic stats.
#include "stages/api/directory/pipeline_health.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "protocol/stage_stats.h"
#include "stages/api/directory/partition_map.h"
#include "stages/api/routes/pipeline_routes.h"

namespace spanline::api {
namespace {

using nlohmann::json;

bus::StatsSnapshot snapshot(std::string stage, std::string instance, int64_t unix_ms = 1000) {
  bus::StatsSnapshot s;
  s.stage = std::move(stage);
  s.instance = std::move(instance);
  s.pid = 7;
  s.unix_ms = unix_ms;
  return s;
}

InstanceView view(std::string stage, std::string instance, std::chrono::milliseconds silent = std::chrono::milliseconds(200)) {
  InstanceView v;
  v.stage = std::move(stage);
  v.instance = std::move(instance);
  v.silent_for = silent;
  return v;
}

HealthThresholds thresholds() {
  return {.stage_timeout = std::chrono::seconds(5),
          .lag_warn = std::chrono::seconds(30),
          .wal_disk_warn_fraction = 0.8,
          .required_stages = {"wal", "gateway"}};
}

TEST(InstanceState, UpStaleDownBySilence) {
  EXPECT_EQ(instance_state(std::chrono::milliseconds(900), std::chrono::seconds(5)), "up");
  EXPECT_EQ(instance_state(std::chrono::milliseconds(3000), std::chrono::seconds(5)), "stale");
  EXPECT_EQ(instance_state(std::chrono::milliseconds(5001), std::chrono::seconds(5)), "down");
}

TEST(PipelineConditions, HealthyPipelineHasNone) {
  InstanceView wal = view("wal", "w1");
  wal.latest.gauges[std::string(stats_names::kWalDiskBytes)] = 100;
  wal.latest.gauges[std::string(stats_names::kWalDiskBudgetBytes)] = 1000;
  InstanceView indexer = view("indexer", "i1");
  indexer.latest.gauges["lag_seconds.p0"] = 29.5;
  EXPECT_TRUE(pipeline_conditions({wal, view("gateway", "g1"), indexer}, thresholds()).empty());
}

TEST(PipelineConditions, RequiredStageDownNeverHeardOrSilent) {
  auto conditions = pipeline_conditions({view("wal", "w1", std::chrono::seconds(12))}, thresholds());
  ASSERT_EQ(conditions.size(), 2u);
  EXPECT_EQ(conditions[0].kind, "stage_down");
  EXPECT_EQ(conditions[0].severity, "error");
  EXPECT_EQ(conditions[0].stage, "wal");
  EXPECT_EQ(conditions[0].message, "wal is down: last heard 12 s ago");
  EXPECT_EQ(conditions[1].stage, "gateway");
  EXPECT_EQ(conditions[1].message, "gateway is down: never heard since the api started");
  EXPECT_TRUE(any_error(conditions));
}

TEST(PipelineConditions, OneLiveInstanceKeepsAStageUp) {
  auto conditions = pipeline_conditions({view("wal", "w1"), view("gateway", "g1", std::chrono::seconds(60)), view("gateway", "g2")},
                                        thresholds());
  EXPECT_TRUE(conditions.empty());
}

TEST(PipelineConditions, LagPastTheThresholdIsAWarningPerPartition) {
  InstanceView indexer = view("indexer", "i1");
  indexer.latest.gauges["lag_seconds.p0"] = 3;
  indexer.latest.gauges["lag_seconds.p3"] = 45;
  indexer.latest.gauges["lag_entries.p3"] = 900;
  auto conditions = pipeline_conditions({view("wal", "w1"), view("gateway", "g1"), indexer}, thresholds());
  ASSERT_EQ(conditions.size(), 1u);
  EXPECT_EQ(conditions[0].kind, "index_lag");
  EXPECT_EQ(conditions[0].severity, "warning");
  EXPECT_EQ(conditions[0].partition, 3u);
  EXPECT_EQ(conditions[0].instance, "i1");
  EXPECT_DOUBLE_EQ(conditions[0].value, 45);
  EXPECT_EQ(conditions[0].message, "indexing of partition 3 (i1) is 45 s behind (warning past 30 s)");
  EXPECT_FALSE(any_error(conditions));
}

TEST(PipelineConditions, WalDiskNearItsBudget) {
  InstanceView wal = view("wal", "w1");
  wal.latest.gauges[std::string(stats_names::kWalDiskBytes)] = 850;
  wal.latest.gauges[std::string(stats_names::kWalDiskBudgetBytes)] = 1000;
  auto conditions = pipeline_conditions({wal, view("gateway", "g1")}, thresholds());
  ASSERT_EQ(conditions.size(), 1u);
  EXPECT_EQ(conditions[0].kind, "wal_disk");
  EXPECT_DOUBLE_EQ(conditions[0].value, 0.85);
  EXPECT_EQ(conditions[0].message, "the WAL's disk (w1) is at 85% of its budget (warning from 80%; appends are refused at 100%)");
}

TEST(PipelineConditions, ASilentInstancesOldFiguresAreNotJudged) {
  InstanceView indexer = view("indexer", "i1", std::chrono::seconds(30));
  indexer.latest.gauges["lag_seconds.p0"] = 500;
  EXPECT_TRUE(pipeline_conditions({view("wal", "w1"), view("gateway", "g1"), indexer}, thresholds()).empty());
}

struct Routes {
  ApiConfig config;
  StageDirectory directory;
  std::unique_ptr<PipelineRoutes> routes;
  Routes() {
    config.required_stages = "wal,gateway";
    config.health_lag_warn = std::chrono::seconds(10);
    config.wal_disk_warn_fraction = 0.5;
    routes = std::make_unique<PipelineRoutes>(config, directory);
  }
  json get(std::map<std::string, std::string> query = {}) {
    ApiRequest request;
    request.method = "GET";
    request.query = std::move(query);
    return json::parse(routes->pipeline(request).body);
  }
};

TEST(PipelineAnswer, CarriesGatewayAddressesStatesAndThresholds) {
  Routes r;
  auto gateway = snapshot("gateway", "g1");
  gateway.info[std::string(stats_names::kGatewayGrpcAddress)] = "0.0.0.0:4317";
  gateway.info[std::string(stats_names::kGatewayHttpAddress)] = "10.0.0.5:4999";
  r.directory.observe(gateway);
  r.directory.observe(snapshot("wal", "w1"));
  json answer = r.get();
  EXPECT_EQ(answer["status"], "ok");
  EXPECT_TRUE(answer["conditions"].empty());
  ASSERT_EQ(answer["gateways"].size(), 1u);
  EXPECT_EQ(answer["gateways"][0]["instance"], "g1");
  EXPECT_EQ(answer["gateways"][0]["grpc_address"], "0.0.0.0:4317");
  EXPECT_EQ(answer["gateways"][0]["http_address"], "10.0.0.5:4999");
  EXPECT_EQ(answer["gateways"][0]["alive"], true);
  EXPECT_EQ(answer["thresholds"]["lag_warn_seconds"], 10.0);
  EXPECT_EQ(answer["thresholds"]["wal_disk_warn_fraction"], 0.5);
  for (const json& instance : answer["instances"]) {
    EXPECT_EQ(instance["state"], "up");
    EXPECT_TRUE(instance.contains("history"));
    EXPECT_TRUE(instance.contains("hour"));
  }
}

TEST(PipelineAnswer, NamesWhatIsWrongAndStaysSmallWithoutHistory) {
  Routes r;
  auto wal = snapshot("wal", "w1");
  wal.gauges[std::string(stats_names::kWalDiskBytes)] = 600;
  wal.gauges[std::string(stats_names::kWalDiskBudgetBytes)] = 1000;
  r.directory.observe(wal);
  json answer = r.get({{"history", "0"}});
  EXPECT_EQ(answer["status"], "unavailable");
  ASSERT_EQ(answer["conditions"].size(), 2u);
  EXPECT_EQ(answer["conditions"][0]["kind"], "stage_down");
  EXPECT_EQ(answer["conditions"][0]["stage"], "gateway");
  EXPECT_EQ(answer["conditions"][1]["kind"], "wal_disk");
  EXPECT_TRUE(answer["conditions"][1]["partition"].is_null());
  EXPECT_FALSE(answer["instances"][0].contains("history"));

  ApiRequest request;
  json health = json::parse(r.routes->health(request).body);
  EXPECT_EQ(health["status"], "unavailable");
  EXPECT_EQ(health["conditions"], answer["conditions"]) << "/health's details carry the same conditions";
}

TEST(PipelineAnswer, LagWarningMakesStatusWarning) {
  Routes r;
  r.directory.observe(snapshot("wal", "w1"));
  r.directory.observe(snapshot("gateway", "g1"));
  auto indexer = snapshot("indexer", "i1");
  indexer.gauges["lag_seconds.p2"] = 11;
  r.directory.observe(indexer);
  json answer = r.get({{"history", "0"}});
  EXPECT_EQ(answer["status"], "warning");
  ASSERT_EQ(answer["conditions"].size(), 1u);
  EXPECT_EQ(answer["conditions"][0]["partition"], 2);
}

// Two WALs owning 0-1 and 2-3, the first with a group assignment; a group indexer and a static one.
void observe_scaled_out_pipeline(StageDirectory& directory) {
  auto wal_a = snapshot("wal", "wal-a");
  wal_a.info["partitions"] = "4";
  wal_a.info[std::string(stats_names::kWalOwnedPartitions)] = "0-1";
  wal_a.info[std::string(stats_names::kWalAssignment)] =
      R"({"group":"index","replicas":2,"member_timeout_ms":5000,"members":[{"instance":"ix-a","query_endpoint":"tcp://a:5560","silent_ms":100}],)"
      R"("partitions":[{"partition":0,"epoch":3,"head":120,"moves":1,"replicas":[{"instance":"ix-b","state":"building","committed":50},)"
      R"({"instance":"ix-a","state":"ready","committed":118}]},{"partition":1,"epoch":1,"head":7,"moves":0,"replicas":[]}]})";
  directory.observe(wal_a);
  auto wal_b = snapshot("wal", "wal-b");
  wal_b.info["partitions"] = "4";
  wal_b.info[std::string(stats_names::kWalOwnedPartitions)] = "2-3";
  wal_b.info[std::string(stats_names::kWalAssignment)] = "{not json";
  directory.observe(wal_b);
  auto ix_a = snapshot("indexer", "ix-a");
  ix_a.info["partitions"] = "0";
  ix_a.info[std::string(stats_names::kIndexerReplicaStates)] = "0:ready";
  ix_a.gauges["lag_seconds.p0"] = 1.5;
  directory.observe(ix_a);
  auto ix_static = snapshot("indexer", "ix-static");
  ix_static.info["partitions"] = "2,3";
  ix_static.gauges["lag_seconds.p3"] = 0.25;
  directory.observe(ix_static);
}

TEST(PartitionStatuses, OwnersReplicasAndMovesFromTheWalsAndTheIndexers) {
  StageDirectory directory;
  observe_scaled_out_pipeline(directory);
  auto statuses = partition_statuses(directory.instances(false), std::chrono::seconds(5));
  ASSERT_EQ(statuses.size(), 4u);
  EXPECT_EQ(statuses[0].wal, "wal-a");
  EXPECT_EQ(statuses[0].epoch, 3u);
  EXPECT_EQ(statuses[0].moves, 1u);
  EXPECT_EQ(statuses[0].head, 120u);
  ASSERT_EQ(statuses[0].replicas.size(), 2u);
  EXPECT_EQ(statuses[0].replicas[0].instance, "ix-a") << "ready before building";
  EXPECT_EQ(statuses[0].replicas[0].committed, 118u);
  EXPECT_EQ(statuses[0].replicas[0].lag_seconds, 1.5);
  EXPECT_TRUE(statuses[0].replicas[0].alive);
  EXPECT_EQ(statuses[0].replicas[1].state, "building");
  EXPECT_FALSE(statuses[0].replicas[1].alive) << "ix-b was never heard from";
  EXPECT_TRUE(statuses[1].replicas.empty());
  EXPECT_EQ(statuses[2].wal, "wal-b");
  EXPECT_FALSE(statuses[2].epoch.has_value()) << "an assignment the api cannot read counts as absent";
  ASSERT_EQ(statuses[3].replicas.size(), 1u);
  EXPECT_EQ(statuses[3].replicas[0].instance, "ix-static");
  EXPECT_EQ(statuses[3].replicas[0].state, "ready") << "an indexer announcing no states is ready";
  EXPECT_FALSE(statuses[3].replicas[0].committed.has_value());
}

TEST(PartitionStatuses, AWalAnnouncingNoOwnershipOwnsEveryPartition) {
  StageDirectory directory;
  auto wal = snapshot("wal", "wal-1");
  wal.info["partitions"] = "2";
  directory.observe(wal);
  auto statuses = partition_statuses(directory.instances(false), std::chrono::seconds(5));
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses[0].wal, "wal-1");
  EXPECT_EQ(statuses[1].wal, "wal-1");
}

TEST(PipelineAnswer, CarriesEachPartitionsOwnerAndReplicas) {
  Routes r;
  observe_scaled_out_pipeline(r.directory);
  json partitions = r.get({{"history", "0"}})["partitions"];
  ASSERT_EQ(partitions.size(), 4u);
  EXPECT_EQ(partitions[0]["wal"], "wal-a");
  EXPECT_EQ(partitions[0]["epoch"], 3);
  EXPECT_EQ(partitions[0]["moves"], 1);
  EXPECT_EQ(partitions[0]["replicas"][0], json({{"instance", "ix-a"}, {"state", "ready"}, {"alive", true}, {"lag_seconds", 1.5}, {"committed", 118}}));
  EXPECT_TRUE(partitions[2]["epoch"].is_null());
  EXPECT_TRUE(partitions[3]["replicas"][0]["committed"].is_null());
}

TEST(PipelineMetrics, PartitionOwnersReplicasMovesAndLag) {
  Routes r;
  observe_scaled_out_pipeline(r.directory);
  ApiRequest request;
  const std::string text = r.routes->metrics(request).body;
  for (const char* line : {"spanline_partition_owner_info{partition=\"0\",wal=\"wal-a\"} 1\n",
                           "spanline_partition_owner_info{partition=\"3\",wal=\"wal-b\"} 1\n",
                           "spanline_partition_moves_total{partition=\"0\"} 1\n",
                           "spanline_partition_epoch{partition=\"0\"} 3\n",
                           "spanline_partition_replicas{partition=\"0\",state=\"building\"} 1\n",
                           "spanline_partition_replicas{partition=\"0\",state=\"ready\"} 1\n",
                           "spanline_partition_replicas{partition=\"1\",state=\"ready\"} 0\n",
                           "spanline_partition_lag_seconds{partition=\"3\",instance=\"ix-static\"} 0.25\n",
                           "spanline_partition_committed_sequence{partition=\"0\",instance=\"ix-a\"} 118\n",
                           "# TYPE spanline_partition_moves_total counter\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << " in\n" << text;
  }
}

TEST(StageDirectory, KeepsTheLastHourOneSampleAMinute) {
  StageDirectory directory;
  for (int64_t second = 0; second < 2 * 3600; second += 20) {
    auto s = snapshot("gateway", "g1", 1'000'000 + second * 1000);
    s.counters["spans_acked"] = static_cast<uint64_t>(second);
    directory.observe(s);
  }
  auto views = directory.instances(true);
  ASSERT_EQ(views.size(), 1u);
  const auto& minutes = views[0].minutes;
  ASSERT_EQ(minutes.size(), StageDirectory::kMinuteSamples);
  for (size_t i = 1; i < minutes.size(); ++i) EXPECT_EQ(minutes[i].unix_ms - minutes[i - 1].unix_ms, 60000);
  EXPECT_TRUE(minutes.back().gauges.empty());
}

}  // namespace
}  // namespace spanline::api
