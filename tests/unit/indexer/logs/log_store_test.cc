// Log records in a shard: written in the batch's transaction with the cursor,
// kept once when an entry is replayed, deleted by retention and by
// `spanline delete` with the rules spans follow.
#include <gtest/gtest.h>

#include "stages/indexer/shard.h"
#include "tests/support/temp_dir.h"

namespace spanline::indexer {
namespace {

logs::LogRecord record(uint32_t index, const std::string& service, int64_t time_ns, const std::string& text) {
  logs::LogRecord r;
  r.index = index;
  r.service = service;
  r.time_ns = r.observed_ns = time_ns;
  r.severity_number = 9;
  r.body_json = "\"" + text + "\"";
  r.text = text;
  r.attributes_json = r.resource_json = r.scope_json = "{}";
  r.trace_id = std::string(16, '\x05');
  r.span_id = std::string(8, '\x06');
  return r;
}

int64_t count(Shard& shard, const std::string& sql) {
  auto statement = shard.db().prepare(sql);
  EXPECT_TRUE(statement.is_ok()) << sql;
  auto row = statement->step();
  return row.is_ok() && *row ? statement->column_int(0) : -1;
}

TEST(ShardLogs, WritesRecordsWithTheCursorAndKeepsOneOnReplay) {
  testing::TempDir dir;
  auto shard = Shard::open(dir / "part-0.sqlite", 0);
  ASSERT_TRUE(shard.is_ok()) << shard.status().to_string();
  BatchEntry entry{7, 1000, {}, {record(0, "svc", 10, "first line"), record(1, "svc", 20, "second line")}};
  auto applied = (*shard)->apply({entry}, 7);
  ASSERT_TRUE(applied.is_ok()) << applied.status().to_string();
  EXPECT_EQ(applied->logs_written, 2u);
  EXPECT_EQ((*shard)->cursor(), 7u);
  EXPECT_EQ(count(**shard, "SELECT count(*) FROM log_records WHERE wal_sequence = 7"), 2);
  EXPECT_EQ(count(**shard, "SELECT count(*) FROM log_text WHERE log_text MATCH '\"second\"'"), 1);
  // The same entry again (a replay after a crash, or after a write in its middle): nothing new.
  applied = (*shard)->apply({entry}, 7);
  ASSERT_TRUE(applied.is_ok());
  EXPECT_EQ(applied->logs_written, 0u);
  EXPECT_EQ(applied->logs_duplicate, 2u);
  EXPECT_EQ(count(**shard, "SELECT count(*) FROM log_records"), 2);
  EXPECT_EQ(count(**shard, "SELECT count(*) FROM log_text"), 2);
  // The same record index in another entry is another record.
  ASSERT_TRUE((*shard)->apply({{8, 1001, {}, {record(0, "svc", 30, "third")}}}, 8).is_ok());
  EXPECT_EQ(count(**shard, "SELECT count(*) FROM log_records"), 3);
}

// A shard that takes on another WAL log (a WAL made afresh counts from 1 again) keeps its
// records and writes the new log's, whose sequences repeat the old ones, beside them; the
// new log's replays are still kept once, also after the shard is opened again.
TEST(ShardLogs, ANewWalLogsRecordsAreWrittenBesideTheOldOnesWithTheSameSequences) {
  testing::TempDir dir;
  {
    auto shard = Shard::open(dir / "part-0.sqlite", 0);
    ASSERT_TRUE(shard.is_ok());
    ASSERT_TRUE((*shard)->follow_wal_log("old-log", false).is_ok());
    ASSERT_TRUE((*shard)->apply({{1, 1000, {}, {record(0, "svc", 10, "old one")}}, {2, 1001, {}, {record(0, "svc", 11, "old two")}}}, 2)
                    .is_ok());
    ASSERT_TRUE((*shard)->follow_wal_log("new-log", true).is_ok());
    EXPECT_EQ((*shard)->cursor(), 0u);
    EXPECT_EQ((*shard)->wal_log(), "new-log");
    auto applied = (*shard)->apply({{1, 2000, {}, {record(0, "svc", 20, "new one")}}}, 1);
    ASSERT_TRUE(applied.is_ok());
    EXPECT_EQ(applied->logs_written, 1u) << "sequence 1 of the new log is not a replay of the old log's 1";
  }
  auto shard = Shard::open(dir / "part-0.sqlite", 0);
  ASSERT_TRUE(shard.is_ok());
  EXPECT_EQ((*shard)->wal_log(), "new-log");
  EXPECT_EQ((*shard)->cursor(), 1u);
  auto replay = (*shard)->apply({{1, 2000, {}, {record(0, "svc", 20, "new one")}}}, 1);
  ASSERT_TRUE(replay.is_ok());
  EXPECT_EQ(replay->logs_written, 0u) << "a replay of the new log is still one record";
  EXPECT_EQ(count(**shard, "SELECT count(*) FROM log_records"), 3);
  EXPECT_EQ(count(**shard, "SELECT count(*) FROM log_text WHERE log_text MATCH '\"new\"'"), 1);
}

TEST(ShardLogs, ShardOpenedAgainKeepsItsRecords) {
  testing::TempDir dir;
  {
    auto shard = Shard::open(dir / "part-1.sqlite", 1);
    ASSERT_TRUE(shard.is_ok());
    ASSERT_TRUE((*shard)->apply({{1, 5, {}, {record(0, "svc", 10, "kept")}}}, 1).is_ok());
  }
  auto again = Shard::open(dir / "part-1.sqlite", 1);
  ASSERT_TRUE(again.is_ok()) << again.status().to_string();
  EXPECT_EQ(count(**again, "SELECT count(*) FROM log_records"), 1);
  EXPECT_EQ((*again)->cursor(), 1u);
}

TEST(ShardLogs, RetentionDeletesRecordsReceivedBeforeTheCutoff) {
  testing::TempDir dir;
  auto shard = Shard::open(dir / "part-0.sqlite", 0);
  ASSERT_TRUE(shard.is_ok());
  std::vector<BatchEntry> batch;
  for (uint64_t sequence = 1; sequence <= 30; ++sequence) {
    batch.push_back({sequence, static_cast<int64_t>(sequence * 100), {}, {record(0, "svc", 5, "line " + std::to_string(sequence))}});
  }
  ASSERT_TRUE((*shard)->apply(batch, 30).is_ok());
  // Received at 100..3000: before 1050 are the first 10. Small chunks, so it takes several transactions.
  ASSERT_TRUE((*shard)->delete_received_before(1050, 1).is_ok());
  EXPECT_EQ(count(**shard, "SELECT count(*) FROM log_records"), 20);
  EXPECT_EQ(count(**shard, "SELECT min(received_ns) FROM log_records"), 1100);
  EXPECT_EQ(count(**shard, "SELECT count(*) FROM log_text"), 20);
  ASSERT_TRUE((*shard)->delete_received_before(1050, 1).is_ok());
  EXPECT_EQ(count(**shard, "SELECT count(*) FROM log_records"), 20);
}

TEST(ShardLogs, DeletingAServiceDeletesItsRecordsBeforeTheTime) {
  testing::TempDir dir;
  auto shard = Shard::open(dir / "part-0.sqlite", 0);
  ASSERT_TRUE(shard.is_ok());
  ASSERT_TRUE((*shard)->apply({{1, 5, {}, {record(0, "gone", 10, "old"), record(1, "gone", 50, "new"), record(2, "stays", 10, "other")}}}, 1)
                  .is_ok());
  ASSERT_TRUE((*shard)->delete_service("gone", 20).is_ok());
  EXPECT_EQ(count(**shard, "SELECT count(*) FROM log_records WHERE service = 'gone'"), 1);
  EXPECT_EQ(count(**shard, "SELECT count(*) FROM log_records WHERE service = 'stays'"), 1);
  EXPECT_EQ(count(**shard, "SELECT count(*) FROM log_text WHERE log_text MATCH '\"old\"'"), 0);
  ASSERT_TRUE((*shard)->delete_service("gone'; DROP TABLE log_records; --", INT64_MAX).is_ok());
  ASSERT_TRUE((*shard)->delete_service("gone", INT64_MAX).is_ok());
  EXPECT_EQ(count(**shard, "SELECT count(*) FROM log_records"), 1);
}

}  // namespace
}  // namespace spanline::indexer
