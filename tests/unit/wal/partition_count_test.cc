#include "stages/wal/partition_count.h"

#include <gtest/gtest.h>

#include "protocol/wal/partitions.h"
#include "tests/support/temp_dir.h"

namespace spanline::wal {
namespace {

std::unique_ptr<LogStore> open_store(const std::string& path) {
  auto store = LogStore::open(path);
  EXPECT_TRUE(store.is_ok()) << store.status().to_string();
  return std::move(store.value());
}

TEST(PartitionCount, ANewLogKeepsTheFlagsCountOrTheDefault) {
  testing::TempDir dir;
  {
    auto store = open_store(dir / "default");
    EXPECT_EQ(settle_partition_count(*store, 0).value(), kDefaultPartitions);
  }
  auto store = open_store(dir / "eight");
  EXPECT_EQ(settle_partition_count(*store, 8).value(), 8u);
  EXPECT_EQ(store->stored_partition_count().value(), std::optional<uint32_t>(8));
}

TEST(PartitionCount, TheStoredCountIsTheTruthOnEveryLaterStart) {
  testing::TempDir dir;
  open_store(dir / "wal");  // created, nothing settled
  {
    auto store = open_store(dir / "wal");
    ASSERT_EQ(settle_partition_count(*store, 8).value(), 8u);
  }
  auto store = open_store(dir / "wal");
  EXPECT_EQ(settle_partition_count(*store, 0).value(), 8u) << "left unset: the log's count";
  EXPECT_EQ(settle_partition_count(*store, 8).value(), 8u);
  auto different = settle_partition_count(*store, 4);
  ASSERT_FALSE(different.is_ok());
  EXPECT_EQ(different.status().code(), Code::failed_precondition);
  EXPECT_NE(different.status().message().find("has 8 partitions, but --partitions is 4"), std::string::npos)
      << different.status().message();
  EXPECT_EQ(store->stored_partition_count().value(), std::optional<uint32_t>(8)) << "a refused start changes nothing";
}

TEST(PartitionCount, OutOfRangeCountsAreRefused) {
  testing::TempDir dir;
  auto store = open_store(dir / "wal");
  auto too_many = settle_partition_count(*store, kMaxPartitions + 1);
  ASSERT_FALSE(too_many.is_ok());
  EXPECT_EQ(too_many.status().code(), Code::invalid_argument);
  EXPECT_NE(too_many.status().message().find(std::to_string(kMaxPartitions)), std::string::npos);
  EXPECT_EQ(settle_partition_count(*store, kMaxPartitions).value(), kMaxPartitions);
}

// A log from before the count was kept: its entries show the smallest count it
// could have had, and a smaller one would strand them.
TEST(PartitionCount, AnOlderLogWithoutACountMustFitItsEntries) {
  testing::TempDir dir;
  auto store = open_store(dir / "wal");
  std::string body = "x";
  std::vector<AppendRecord> records = {{6, {bus::SignalKind::traces, 1, 1}, body, 0}};
  ASSERT_TRUE(store->append(records).is_ok());
  auto too_few = settle_partition_count(*store, 0);
  ASSERT_FALSE(too_few.is_ok());
  EXPECT_NE(too_few.status().message().find("holds entries of partition 6"), std::string::npos) << too_few.status().message();
  EXPECT_FALSE(store->stored_partition_count().value().has_value());
  EXPECT_EQ(settle_partition_count(*store, 8).value(), 8u);
}

TEST(OwnedPartitions, EmptyMeansAllAndEveryEntryMustBeBelowTheCount) {
  EXPECT_EQ(settle_owned_partitions("", 4).value(), (std::vector<uint32_t>{0, 1, 2, 3}));
  EXPECT_EQ(settle_owned_partitions("3,0-1,1", 4).value(), (std::vector<uint32_t>{0, 1, 3})) << "sorted, without repeats";
  Status past = settle_owned_partitions("2-4", 4).status();
  EXPECT_EQ(past.code(), Code::invalid_argument);
  EXPECT_NE(past.message().find("partition 4"), std::string::npos) << past.message();
  EXPECT_FALSE(settle_owned_partitions("two", 4).is_ok());
}

}  // namespace
}  // namespace spanline::wal
