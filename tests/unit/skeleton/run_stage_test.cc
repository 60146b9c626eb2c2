// The stage skeleton: the common settings, and run_stage()'s exit codes, checks,
// commands and its start, tick and stop of a stage.
#include "skeleton/run_stage.h"

#include <csignal>
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace spanline::stage {
namespace {

constexpr StageIdentity kTestIdentity{.name = "test", .data_dir_use = "the test keeps nothing there."};

struct TestConfig : StageConfig {
  TestConfig() : StageConfig(kTestIdentity) {}
  std::string peer_endpoint{default_endpoint::kWal};
  void register_options(Options& options) {
    register_common_options(options);
    options.add("peer-endpoint", &peer_endpoint, "Where the peer listens.");
  }
  void resolve() { resolve_endpoints({&peer_endpoint}); }
};

// What a fake stage did, and what it should do.
struct Script {
  Status start_answer;
  std::optional<int> tick_answer;
  bool terminate_after_start = true;  // raises SIGTERM (blocked, so it waits for run_stage's own wait)
  int started = 0, ticks = 0, stopped = 0;
};

class FakeStage final : public Stage {
 public:
  explicit FakeStage(Script& script) : script_(script) {}
  Status start() override {
    ++script_.started;
    if (script_.start_answer.is_ok() && script_.terminate_after_start) ::kill(::getpid(), SIGTERM);
    return script_.start_answer;
  }
  std::optional<int> tick() override {
    ++script_.ticks;
    return script_.tick_answer;
  }
  void stop() override { ++script_.stopped; }

 private:
  Script& script_;
};

int run(TestConfig& config, Script& script, std::vector<std::string> args, std::vector<StageCommand> commands = {},
        std::function<Status()> check = {}) {
  spanline::testing::TempDir dir;
  std::vector<std::string> all = {"spanline-test", "--data-dir", dir.path(), "--log-level", "error"};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : all) argv.push_back(arg.data());
  return run_stage(static_cast<int>(argv.size()), argv.data(), config,
                   {.program = "spanline-test",
                    .summary = "A stage for tests.",
                    .check = std::move(check),
                    .commands = std::move(commands),
                    .make_stage = [&](StageServices) { return std::make_unique<FakeStage>(script); },
                    .publishes_stats = false,
                    .tick_interval = std::chrono::milliseconds(10)});
}

TEST(StageConfig, CommonSettingsAreRegisteredFirstWithTheStagesOwnDefaults) {
  TestConfig config;
  EXPECT_EQ(config.instance, "test-1");
  Options options("spanline-test", "");
  config.register_options(options);
  std::string table = options.markdown_table();
  for (const char* row : {"`--data-dir`", "`--instance`", "`--log-level`", "`--curve-secret-key`", "`--stats-endpoint`"}) {
    EXPECT_LT(table.find(row), table.find("`--peer-endpoint`")) << row << "\n" << table;
  }
  EXPECT_NE(table.find("the test keeps nothing there."), std::string::npos) << table;
  config.data_dir = "/srv/spanline";
  config.resolve();
  EXPECT_EQ(config.stats_endpoint, "ipc:///srv/spanline/run/stats.sock");
  EXPECT_EQ(config.peer_endpoint, "ipc:///srv/spanline/run/wal.sock");
}

TEST(RunStage, StartsTicksAndStopsOnASignalThenExitsZero) {
  TestConfig config;
  Script script;
  EXPECT_EQ(run(config, script, {}), 0);
  EXPECT_EQ(script.started, 1);
  EXPECT_EQ(script.stopped, 1);
  EXPECT_EQ(run(config, script, {"serve"}), 0) << "serve names the stage itself";
  EXPECT_EQ(script.started, 2);
}

TEST(RunStage, AStartFailureExitsOneAndABadConfigurationTwo) {
  TestConfig config;
  Script script{.start_answer = Status(Code::unavailable, "port in use")};
  EXPECT_EQ(run(config, script, {}), 1);
  script.start_answer = Status(Code::invalid_argument, "the log has 8 partitions, not 4");
  EXPECT_EQ(run(config, script, {}), 2);
  EXPECT_EQ(script.stopped, 0) << "a stage that did not start is not stopped";
}

TEST(RunStage, ATickCanEndTheProcessWithItsOwnCode) {
  TestConfig config;
  Script script{.tick_answer = 75, .terminate_after_start = false};
  EXPECT_EQ(run(config, script, {}), 75);
  EXPECT_GE(script.ticks, 1);
}

TEST(RunStage, BadFlagsChecksAndUnknownCommandsExitTwoWithoutStarting) {
  TestConfig config;
  Script script;
  EXPECT_EQ(run(config, script, {"--no-such-flag"}), 2);
  EXPECT_EQ(run(config, script, {}, {}, [] { return Status(Code::invalid_argument, "--threads must be at least 1"); }), 2);
  EXPECT_EQ(run(config, script, {"frobnicate"}), 2);
  EXPECT_EQ(run(config, script, {"--help"}), 0);
  EXPECT_EQ(script.started, 0);
}

// Several apis: every publishing stage lists each api's stats endpoint; an api
// binds only its own, so a list given to it is a configuration error.
TEST(StageConfig, APublisherTakesAStatsEndpointListAndTheStageThatBindsItOnlyOne) {
  TestConfig config;
  config.stats_endpoint = "tcp://api-a:7004, tcp://api-b:7004";
  EXPECT_TRUE(config.check_stats_endpoint(false).is_ok());
  Status bound = config.check_stats_endpoint(true);
  EXPECT_EQ(bound.code(), Code::invalid_argument);
  EXPECT_NE(bound.message().find("binds one stats endpoint, not a list"), std::string::npos) << bound.message();
  config.stats_endpoint = "tcp://api-a:7004,";
  EXPECT_EQ(config.check_stats_endpoint(false).code(), Code::invalid_argument) << "an empty item";
  config.stats_endpoint = "tcp://api-a:7004";
  EXPECT_TRUE(config.check_stats_endpoint(true).is_ok());
}

TEST(RunStage, AStageThatBindsTheStatsEndpointRefusesAListWithoutStarting) {
  TestConfig config;
  Script script;
  EXPECT_EQ(run(config, script, {"--stats-endpoint", "ipc:///tmp/a.sock,ipc:///tmp/b.sock"}), 2);
  EXPECT_EQ(script.started, 0);
}

TEST(RunStage, ACommandRunsInsteadOfTheStageAndItsCodeIsTheExitCode) {
  TestConfig config;
  Script script;
  int ran = 0;
  auto stat = [&] {
    ++ran;
    return 3;
  };
  std::vector<StageCommand> commands = {{.name = "stat", .run = stat}};
  EXPECT_EQ(run(config, script, {"stat"}, commands), 3);
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(script.started, 0);
  EXPECT_EQ(run(config, script, {"dump"}, commands), 2) << "unknown among the commands";
}

}  // namespace
}  // namespace spanline::stage
