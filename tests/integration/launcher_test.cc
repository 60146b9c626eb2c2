// `spanline up` as a user runs it: every stage comes up, a stage killed with
// SIGKILL is restarted by the launcher and the pipeline accepts spans again,
// and SIGTERM stops everything.
#include <gtest/gtest.h>

#include <dirent.h>
#include <signal.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/support/otlp_client.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;

// Children of `parent` whose command line contains `name`.
std::vector<pid_t> children_named(pid_t parent, const std::string& name) {
  std::vector<pid_t> found;
  DIR* proc = ::opendir("/proc");
  while (dirent* entry = ::readdir(proc)) {
    pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
    if (pid <= 0) continue;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string comm, state;
    pid_t pid_read = 0, ppid = 0;
    stat >> pid_read >> comm >> state >> ppid;
    if (ppid != parent) continue;
    std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline");
    std::string line((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
    if (line.find(name) != std::string::npos && state != "Z") found.push_back(pid);
  }
  ::closedir(proc);
  return found;
}

TEST(Launcher, StartsEveryStageRestartsADeadOneAndStopsAll) {
  TempDir dir;
  int grpc_port = free_port();
  Process launcher(bin_path("spanline"),
                   {"up", "--data-dir", dir / "data", "--grpc-address", "127.0.0.1:" + std::to_string(grpc_port),
                    "--http-address", "127.0.0.1:" + std::to_string(free_port())},
                   dir / "launcher.log");
  launcher.start();
  // The operator's first step: an ingest key from the running auth-responder.
  std::string key_json;
  ASSERT_TRUE(wait_until([&] {
    return run_command({bin_path("spanline"), "key", "create", "--name", "app", "--json", "--data-dir", dir / "data"}, &key_json) == 0;
  }, 20s)) << launcher.log();
  OtlpClient client("127.0.0.1:" + std::to_string(grpc_port), nlohmann::json::parse(key_json)["key"].get<std::string>());
  ASSERT_TRUE(wait_until([&] { return client.send(client.make_request(1, 1), nullptr, 1s).ok(); }, 20s)) << launcher.log();
  EXPECT_NE(launcher.log().find("OTLP/gRPC"), std::string::npos) << "it prints where everything listens";

  auto wal = children_named(launcher.pid(), "spanline-wal");
  ASSERT_EQ(wal.size(), 1u) << launcher.log();
  ::kill(wal[0], SIGKILL);
  ASSERT_TRUE(wait_until([&] {
    auto now = children_named(launcher.pid(), "spanline-wal");
    return now.size() == 1 && now[0] != wal[0];
  }, 10s)) << launcher.log();
  EXPECT_TRUE(wait_until([&] { return client.send(client.make_request(1, 1), nullptr, 1s).ok(); }, 10s));
  EXPECT_NE(launcher.log().find("stage died; restarting"), std::string::npos);

  EXPECT_EQ(launcher.stop(20s), 0) << launcher.log();
  EXPECT_TRUE(children_named(::getpid(), "spanline-wal").empty());
  EXPECT_NE(launcher.log().find("\"msg\":\"stage stopped\",\"child\":\"wal\""), std::string::npos) << launcher.log();
}

}  // namespace
}  // namespace spanline::testing
