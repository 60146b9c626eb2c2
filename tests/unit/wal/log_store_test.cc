#include "stages/wal/log_store.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace spanline::wal {
namespace {

std::vector<AppendRecord> records(uint32_t partition, std::vector<std::string>& bodies) {
  std::vector<AppendRecord> out;
  for (const auto& body : bodies) out.push_back({partition, {bus::SignalKind::traces, 1, 1}, body, 0});
  return out;
}

TEST(LogStore, AssignsSequencesPerPartitionAndReadsThemInOrder) {
  testing::TempDir dir;
  auto store = LogStore::open(dir / "wal");
  ASSERT_TRUE(store.is_ok()) << store.status().to_string();
  std::vector<std::string> a = {"a1", "a2", "a3"};
  std::vector<std::string> b = {"b1"};
  auto batch = records(0, a);
  auto more = records(5, b);
  batch.insert(batch.end(), more.begin(), more.end());
  ASSERT_TRUE((*store)->append(batch).is_ok());
  EXPECT_EQ(batch[0].sequence, 1u);
  EXPECT_EQ(batch[2].sequence, 3u);
  EXPECT_EQ(batch[3].sequence, 1u);  // partition 5 counts on its own
  auto entries = (*store)->read(0, 1, {});
  ASSERT_TRUE(entries.is_ok());
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].sequence, 2u);
  EXPECT_EQ((*entries)[0].payload, "a2");
  EXPECT_EQ((*entries)[1].payload, "a3");
}

TEST(LogStore, ReadHonoursByteAndEntryLimitsButAlwaysReturnsOne) {
  testing::TempDir dir;
  auto store = LogStore::open(dir / "wal");
  std::vector<std::string> bodies = {std::string(100, 'x'), std::string(100, 'y'), std::string(100, 'z')};
  auto batch = records(1, bodies);
  ASSERT_TRUE((*store)->append(batch).is_ok());
  ReadLimits tiny;
  tiny.max_bytes = 10;
  EXPECT_EQ((*store)->read(1, 0, tiny)->size(), 1u);
  ReadLimits two;
  two.max_entries = 2;
  EXPECT_EQ((*store)->read(1, 0, two)->size(), 2u);
  ReadLimits upto;
  upto.up_to = 2;
  EXPECT_EQ((*store)->read(1, 0, upto)->size(), 2u);
  EXPECT_TRUE((*store)->read(1, 3, {})->empty());
}

TEST(LogStore, RecoversRangesAndCursorsAfterReopen) {
  testing::TempDir dir;
  {
    auto store = LogStore::open(dir / "wal");
    std::vector<std::string> bodies = {"1", "2", "3", "4"};
    auto batch = records(2, bodies);
    ASSERT_TRUE((*store)->append(batch).is_ok());
    ASSERT_TRUE((*store)->save_cursor(2, "index", 3).is_ok());
  }
  auto store = LogStore::open(dir / "wal");
  ASSERT_TRUE(store.is_ok());
  PartitionRange range = (*store)->range(2);
  EXPECT_EQ(range.first, 1u);
  EXPECT_EQ(range.head, 4u);
  auto cursors = (*store)->load_cursors();
  EXPECT_EQ((cursors[{2u, "index"}]), 3u);
  std::vector<std::string> more = {"5"};
  auto batch = records(2, more);
  ASSERT_TRUE((*store)->append(batch).is_ok());
  EXPECT_EQ(batch[0].sequence, 5u);  // continues, never reuses
}

TEST(LogStore, DeleteThroughRemovesOldEntriesAndSequencesKeepGrowing) {
  testing::TempDir dir;
  auto store = LogStore::open(dir / "wal");
  std::vector<std::string> bodies = {"1", "2", "3"};
  auto batch = records(0, bodies);
  ASSERT_TRUE((*store)->append(batch).is_ok());
  ASSERT_TRUE((*store)->delete_through(0, 3).is_ok());
  EXPECT_TRUE((*store)->read(0, 0, {})->empty());
  EXPECT_EQ((*store)->range(0).first, 4u);
  auto again = records(0, bodies);
  ASSERT_TRUE((*store)->append(again).is_ok());
  EXPECT_EQ(again[0].sequence, 4u);
  auto entries = (*store)->read(0, 0, {});
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[0].sequence, 4u);
}

// A quiet partition whose every entry retention deleted still counts on after a
// restart: an indexer's cursor past a reused sequence would skip new entries.
TEST(LogStore, APartitionRetentionEmptiedKeepsItsHeadAcrossARestart) {
  testing::TempDir dir;
  {
    auto store = LogStore::open(dir / "wal");
    std::vector<std::string> bodies = {"1", "2", "3"};
    auto batch = records(0, bodies);
    ASSERT_TRUE((*store)->append(batch).is_ok());
    auto other = records(1, bodies);
    ASSERT_TRUE((*store)->append(other).is_ok());
    ASSERT_TRUE((*store)->delete_through(0, 3).is_ok());
    ASSERT_TRUE((*store)->delete_through(1, 2).is_ok());
  }
  auto store = LogStore::open(dir / "wal");
  ASSERT_TRUE(store.is_ok());
  EXPECT_EQ((*store)->range(0).head, 3u);
  EXPECT_GT((*store)->range(0).first, (*store)->range(0).head) << "empty";
  EXPECT_EQ((*store)->range(1).first, 3u);
  EXPECT_EQ((*store)->range(1).head, 3u);
  std::vector<std::string> more = {"4"};
  auto batch = records(0, more);
  ASSERT_TRUE((*store)->append(batch).is_ok());
  EXPECT_EQ(batch[0].sequence, 4u) << "never reused";
  auto entries = (*store)->read(0, 0, {});
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].sequence, 4u);
  EXPECT_EQ((*store)->range(0).first, 4u);
}

TEST(LogStore, ALogKeepsItsIdentityAndALogMadeAfreshHasAnother) {
  testing::TempDir dir;
  std::string first;
  {
    auto store = LogStore::open(dir / "wal");
    ASSERT_TRUE(store.is_ok());
    first = (*store)->identity();
    EXPECT_EQ(first.size(), 32u) << first;
  }
  EXPECT_EQ((*LogStore::open(dir / "wal"))->identity(), first) << "the same log after a restart";
  EXPECT_EQ((*LogStore::open(dir / "wal", true))->identity(), first) << "and read-only";
  auto other = LogStore::open(dir / "other");
  ASSERT_TRUE(other.is_ok());
  EXPECT_NE((*other)->identity(), first) << "a log made afresh (a replaced disk) is another log";
}

TEST(LogStore, ReadOnlyOpenSeesWhatTheWriterSynced) {
  testing::TempDir dir;
  auto writer = LogStore::open(dir / "wal");
  std::vector<std::string> bodies = {"x"};
  auto batch = records(0, bodies);
  ASSERT_TRUE((*writer)->append(batch).is_ok());
  auto reader = LogStore::open(dir / "wal", true);
  ASSERT_TRUE(reader.is_ok()) << reader.status().to_string();
  EXPECT_EQ((*reader)->range(0).head, 1u);
  EXPECT_TRUE((*reader)->verify().is_ok());
}

TEST(LogStore, OpeningAMissingLogReadOnlyIsAClearError) {
  testing::TempDir dir;
  auto store = LogStore::open(dir / "nothing-here", true);
  ASSERT_FALSE(store.is_ok());
  EXPECT_NE(store.status().message().find("nothing-here"), std::string::npos);
}

}  // namespace
}  // namespace spanline::wal
