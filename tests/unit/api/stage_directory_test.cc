#include "stages/api/directory/stage_directory.h"

#include <gtest/gtest.h>

namespace spanline::api {
namespace {

bus::StatsSnapshot wal_saying(std::string partitions) {
  bus::StatsSnapshot snapshot;
  snapshot.stage = "wal";
  snapshot.instance = "wal-1";
  snapshot.pid = 1;
  snapshot.info["partitions"] = std::move(partitions);
  return snapshot;
}

TEST(StageDirectory, ThePartitionCountIsTheOneTheWalAnnounces) {
  StageDirectory directory;
  auto unknown = directory.partition_count(0);
  EXPECT_EQ(unknown.status().code(), Code::unavailable);
  EXPECT_EQ(directory.partition_count(4).value(), 4u) << "a configured count serves until the WAL is heard";

  directory.observe(wal_saying("8"));
  EXPECT_EQ(directory.partition_count(0).value(), 8u);
  EXPECT_EQ(directory.partition_count(8).value(), 8u);
  auto differs = directory.partition_count(4);
  ASSERT_FALSE(differs.is_ok());
  EXPECT_EQ(differs.status().code(), Code::unavailable);
  EXPECT_NE(differs.status().message().find("--partitions 4, but the WAL has 8"), std::string::npos) << differs.status().message();
}

TEST(StageDirectory, AnAnnouncedCountThatIsNotOneIsIgnored) {
  StageDirectory directory;
  for (const char* bad : {"0", "4097", "0-3", "8x", ""}) {
    directory.observe(wal_saying(bad));
    EXPECT_FALSE(directory.announced_partitions().has_value()) << bad;
  }
}

}  // namespace
}  // namespace spanline::api
