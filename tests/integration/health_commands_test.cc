// The health commands container healthchecks run: each answers 0 while its
// stage serves and 1 once it is gone.
#include <gtest/gtest.h>

#include "tests/support/pipeline.h"

namespace spanline::testing {
namespace {

TEST(HealthCommands, EachStageSaysWhetherItServes) {
  Pipeline pipeline({.http = false, .indexers = {"0-3"}});
  pipeline.start();
  const std::string dir = pipeline.data_dir();
  auto gateway = [&] { return run_command({bin_path("spanline-gateway"), "health", "--grpc-address", pipeline.grpc_target()}); };
  auto indexer = [&] { return run_command({bin_path("spanline-indexer"), "ping", "--data-dir", dir, "--instance", "indexer-1"}); };
  auto auth = [&] { return run_command({bin_path("spanline-auth"), "ping", "--data-dir", dir}); };
  auto wal = [&] { return run_command({bin_path("spanline-wal"), "ping", "--data-dir", dir}); };
  EXPECT_EQ(gateway(), 0);
  EXPECT_EQ(indexer(), 0);
  EXPECT_EQ(auth(), 0);
  EXPECT_EQ(wal(), 0);
  pipeline.gateway().stop();
  pipeline.indexer(0).stop();
  pipeline.auth().process().stop();
  pipeline.wal().stop();
  EXPECT_EQ(gateway(), 1);
  EXPECT_EQ(indexer(), 1);
  EXPECT_EQ(auth(), 1);
  EXPECT_EQ(wal(), 1);
}

}  // namespace
}  // namespace spanline::testing
