// A group-mode indexer's decisions (which partitions to hold, where to copy a
// shard from) and the snapshot hop's contract: a copy served in chunks by
// offset under a token reassembles into a shard with the source's cursor, and
// the source's limits hold.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "protocol/query/snapshot_messages.h"
#include "stages/indexer/group/membership.h"
#include "stages/indexer/group/snapshot_source.h"
#include "stages/indexer/shard.h"
#include "tests/support/temp_dir.h"

namespace spanline::indexer::group {
namespace {

using namespace std::chrono_literals;
using protocol::query::SnapshotChunk;
using protocol::query::SnapshotRequest;

wal::ReplicaView replica(std::string instance, wal::ReplicaState state, uint64_t committed) {
  return {.instance = instance, .query_endpoint = "ipc://" + instance, .state = static_cast<uint8_t>(state), .committed = committed};
}

wal::PartitionAssignment assigned(uint32_t partition, uint64_t epoch, std::vector<wal::ReplicaView> replicas = {}) {
  return {.partition = partition, .epoch = epoch, .state = static_cast<uint8_t>(wal::ReplicaState::ready), .replicas = std::move(replicas)};
}

TEST(GroupMembership, DesiredIsTheUnionOfTheWalsAnswersAndASilentWalsPartitionsStayAsLeaving) {
  const auto now = SteadyClock::now();
  WalAnswer fresh{.reply = {.member_timeout_ms = 5000, .assigned = {assigned(0, 1), assigned(1, 1)}}, .heard = now - 1s};
  WalAnswer quiet{.reply = {.member_timeout_ms = 5000, .assigned = {assigned(4, 2)}}, .heard = now - 4s};
  WalAnswer gone{.reply = {.member_timeout_ms = 5000, .assigned = {assigned(6, 1)}}, .heard = now - 60s};
  auto desired = desired_partitions({fresh, quiet, gone}, now);
  ASSERT_EQ(desired.size(), 4u) << "a WAL that is down keeps its partitions here: nobody else can take them over";
  EXPECT_TRUE(desired.contains(0) && desired.contains(1) && desired.contains(4) && desired.contains(6));
  EXPECT_EQ(desired.at(4).epoch, 2u);
  EXPECT_EQ(desired.at(4).state, static_cast<uint8_t>(wal::ReplicaState::ready)) << "within the member timeout: as the WAL said";
  EXPECT_EQ(desired.at(6).state, static_cast<uint8_t>(wal::ReplicaState::leaving))
      << "past it: answered as leaving, so the api prefers a replica its WAL still confirms";
  // Without a stated timeout, the default applies.
  WalAnswer unstated{.reply = {.assigned = {assigned(2, 1)}}, .heard = now - kDefaultMemberTimeout - 1ms};
  EXPECT_EQ(desired_partitions({unstated}, now).at(2).state, static_cast<uint8_t>(wal::ReplicaState::leaving));
}

TEST(GroupMembership, DiffStartsTheNewStopsTheRemovedAndWaitsForALaterEpochAfterAFence) {
  std::map<uint32_t, wal::PartitionAssignment> desired = {{0, assigned(0, 3)}, {1, assigned(1, 5)}, {2, assigned(2, 7)}};
  PartitionChanges changes = diff_partitions(desired, {0, 3}, {{2, 7}});
  EXPECT_EQ(changes.start, std::vector<uint32_t>{1}) << "2 was fenced at epoch 7: not taken again at the same epoch";
  EXPECT_EQ(changes.stop, std::vector<uint32_t>{3});
  changes = diff_partitions({{2, assigned(2, 8)}}, {}, {{2, 7}});
  EXPECT_EQ(changes.start, std::vector<uint32_t>{2}) << "assigned again at a later epoch";
}

TEST(GroupMembership, SnapshotSourceIsAnotherReadyReplicaThenALeavingOneNeverABuildingOneOrItself) {
  auto choice = snapshot_source(assigned(0, 1, {replica("me", wal::ReplicaState::ready, 90), replica("b", wal::ReplicaState::leaving, 80),
                                                replica("c", wal::ReplicaState::ready, 50), replica("d", wal::ReplicaState::ready, 70),
                                                replica("e", wal::ReplicaState::building, 100)}),
                                "me");
  ASSERT_TRUE(choice);
  EXPECT_EQ(choice->instance, "d") << "ready before leaving, then the most committed";
  choice = snapshot_source(assigned(0, 1, {replica("me", wal::ReplicaState::building, 0), replica("b", wal::ReplicaState::leaving, 80)}), "me");
  ASSERT_TRUE(choice);
  EXPECT_EQ(choice->instance, "b");
  EXPECT_FALSE(snapshot_source(assigned(0, 1, {replica("me", wal::ReplicaState::ready, 0), replica("e", wal::ReplicaState::building, 9)}), "me"))
      << "nobody to copy from: build from the WAL";
  // Filling a gap that ends at 75 takes a replica that committed that far: a leaving one before a ready one short of it.
  const auto gap_case = assigned(0, 1, {replica("me", wal::ReplicaState::building, 10), replica("b", wal::ReplicaState::leaving, 80),
                                        replica("c", wal::ReplicaState::ready, 50)});
  choice = snapshot_source(gap_case, "me", 75);
  ASSERT_TRUE(choice);
  EXPECT_EQ(choice->instance, "b");
  EXPECT_FALSE(snapshot_source(gap_case, "me", 81)) << "nobody holds the gap: read on past it";
}

TEST(SnapshotMessages, ChunkRoundTripsAndADecoderRefusesDataOutsideTheCopy) {
  SnapshotChunk chunk{.partition = 3, .token = "t1", .cursor = 42, .total_bytes = 10, .offset = 4, .data = "abcdef", .last = true};
  auto decoded = protocol::query::decode_snapshot_chunk(protocol::query::encode(chunk));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded->partition, 3u);
  EXPECT_EQ(decoded->token, "t1");
  EXPECT_EQ(decoded->cursor, 42u);
  EXPECT_EQ(decoded->data, "abcdef");
  EXPECT_TRUE(decoded->last);
  chunk.total_bytes = 9;  // data would end past the copy
  EXPECT_EQ(protocol::query::decode_snapshot_chunk(protocol::query::encode(chunk)).status().code(), Code::invalid_argument);
  chunk.total_bytes = 11;  // `last`, but a byte is missing
  EXPECT_EQ(protocol::query::decode_snapshot_chunk(protocol::query::encode(chunk)).status().code(), Code::invalid_argument);
  EXPECT_EQ(protocol::query::decode_snapshot_request("\x01").status().code(), Code::invalid_argument);
  auto request = protocol::query::decode_snapshot_request(protocol::query::encode(SnapshotRequest{.partition = 2, .token = "x", .offset = 9}));
  ASSERT_TRUE(request.is_ok());
  EXPECT_EQ(request->offset, 9u);
}

SpanRecord span(int trace, int id) {
  SpanRecord r;
  r.trace_id = std::string(15, '\0') + static_cast<char>(trace);
  r.span_id = std::string(7, '\0') + static_cast<char>(id);
  r.service = "svc";
  r.name = "op" + std::to_string(id);
  r.start_ns = 1000 + id;
  r.end_ns = 2000 + id;
  r.attributes_json = r.events_json = r.links_json = r.resource_json = r.scope_json = "{}";
  return r;
}

class SnapshotSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto shard = Shard::open(shard_path(dir_.path(), 1), 1);
    ASSERT_TRUE(shard.is_ok()) << shard.status().to_string();
    for (int i = 1; i <= 40; ++i) ASSERT_TRUE((*shard)->apply({{static_cast<uint64_t>(i), 100, {span(i, i)}}}, i).is_ok());
  }

  // Asks for every chunk of a new copy of partition 1; the reassembled bytes.
  Result<std::string> copy_all(SnapshotSource& source, uint64_t* cursor) {
    auto chunk = source.serve({.partition = 1});
    if (!chunk) return chunk.status();
    std::string bytes = chunk->data;
    *cursor = chunk->cursor;
    while (!chunk->last) {
      chunk = source.serve({.partition = 1, .token = chunk->token, .offset = bytes.size()});
      if (!chunk) return chunk.status();
      EXPECT_EQ(chunk->cursor, *cursor);
      bytes += chunk->data;
    }
    return bytes;
  }

  testing::TempDir dir_;
};

TEST_F(SnapshotSourceTest, CopyReassembledByOffsetOpensAsTheShardAtItsCursorAndTheSourceFileGoes) {
  SnapshotSource source(dir_.path(), [](uint32_t p) { return p == 1; }, 8192);
  uint64_t cursor = 0;
  auto bytes = copy_all(source, &cursor);
  ASSERT_TRUE(bytes.is_ok()) << bytes.status().to_string();
  EXPECT_EQ(cursor, 40u);
  EXPECT_GT(bytes->size(), 8192u) << "several chunks";
  EXPECT_TRUE(std::filesystem::is_empty(SnapshotSource::snapshots_dir(dir_.path()))) << "the copy is deleted after the last chunk";
  const std::string copied = dir_ / "copied.sqlite";
  std::ofstream(copied, std::ios::binary).write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
  auto shard = Shard::open(copied, 1);
  ASSERT_TRUE(shard.is_ok()) << shard.status().to_string();
  EXPECT_EQ((*shard)->cursor(), 40u);
  auto count = (*shard)->db().prepare("SELECT count(*) FROM spans");
  ASSERT_TRUE(count.is_ok() && *count->step());
  EXPECT_EQ(count->column_int(0), 40);
  EXPECT_FALSE(Shard::open(copied, 2).is_ok()) << "a copy checks as a shard of its own partition only";
}

TEST_F(SnapshotSourceTest, RefusesAThirdCopyAPartitionItDoesNotServeAndAFinishedToken) {
  SnapshotSource source(dir_.path(), [](uint32_t p) { return p == 1; }, 4096);
  auto first = source.serve({.partition = 1});
  auto second = source.serve({.partition = 1});
  ASSERT_TRUE(first.is_ok() && second.is_ok());
  ASSERT_FALSE(first->last);
  EXPECT_EQ(source.serve({.partition = 1}).status().code(), Code::resource_exhausted);
  EXPECT_EQ(source.serve({.partition = 2}).status().code(), Code::failed_precondition);
  EXPECT_EQ(source.serve({.partition = 1, .token = "nope", .offset = 0}).status().code(), Code::not_found);
  EXPECT_EQ(source.serve({.partition = 1, .token = first->token, .offset = first->total_bytes + 1}).status().code(), Code::invalid_argument);
  // The last chunk of the first copy frees a place.
  auto last = source.serve({.partition = 1, .token = first->token, .offset = first->total_bytes - 10});
  ASSERT_TRUE(last.is_ok());
  EXPECT_TRUE(last->last);
  EXPECT_EQ(source.serve({.partition = 1, .token = first->token, .offset = 0}).status().code(), Code::not_found);
  EXPECT_TRUE(source.serve({.partition = 1}).is_ok());
}

}  // namespace
}  // namespace spanline::indexer::group
