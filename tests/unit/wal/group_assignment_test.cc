#include "stages/wal/group_assignment.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace spanline::wal {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> kThree = {"ix-a", "ix-b", "ix-c"};

// A WAL's assignment over a fake log (heads set by the test) and a fake clock.
class GroupAssignmentTest : public ::testing::Test {
 protected:
  void make(uint32_t partitions, uint32_t replicas, std::chrono::milliseconds timeout = 5s) {
    GroupAssignment::Settings settings{.wal_instance = "wal-1", .replicas = replicas, .member_timeout = timeout};
    for (uint32_t p = 0; p < partitions; ++p) settings.owned.push_back(p);
    // Started long enough ago to have settled (the settling has its own test).
    assignment = std::make_unique<GroupAssignment>(settings, now - 1h, [this](uint32_t p) { return heads[p]; }, moves);
  }
  JoinReply join(const std::string& instance, std::vector<HeldShard> held = {}) {
    JoinReply reply = assignment->join("index", instance, {.query_endpoint = "tcp://" + instance + ":7010", .held = held}, now);
    EXPECT_FALSE(reply.settling);
    return reply;
  }
  // partition -> state of `instance` there, from its join reply.
  std::map<uint32_t, ReplicaState> states_of(const std::string& instance) {
    std::map<uint32_t, ReplicaState> out;
    for (const PartitionAssignment& a : join(instance).assigned) out[a.partition] = static_cast<ReplicaState>(a.state);
    return out;
  }
  // partition -> the replicas there, as `instance`'s join reply lists them.
  std::map<uint32_t, std::set<std::string>> replicas_seen_by(const std::string& instance) {
    std::map<uint32_t, std::set<std::string>> out;
    for (const PartitionAssignment& a : join(instance).assigned) {
      for (const ReplicaView& r : a.replicas) out[a.partition].insert(r.instance);
    }
    return out;
  }
  uint64_t epoch_of(uint32_t partition, const std::string& instance) {
    for (const PartitionAssignment& a : join(instance).assigned) {
      if (a.partition == partition) return a.epoch;
    }
    return 0;
  }
  bool reads(const std::string& instance, uint32_t partition) { return assignment->check_read("index", instance, partition).is_ok(); }

  std::map<uint32_t, uint64_t> heads;
  std::atomic<uint64_t> moves{0};
  GroupAssignment::Clock::time_point now = GroupAssignment::Clock::now();
  std::unique_ptr<GroupAssignment> assignment;
};

TEST_F(GroupAssignmentTest, TheFirstMemberGetsEveryPartitionReadyAtOnce) {
  make(4, 1);
  auto states = states_of("ix-a");
  ASSERT_EQ(states.size(), 4u);
  for (const auto& [partition, state] : states) EXPECT_EQ(state, ReplicaState::ready) << partition;
  JoinReply reply = join("ix-a");
  EXPECT_EQ(reply.wal_instance, "wal-1");
  EXPECT_EQ(reply.replicas, 1u);
  EXPECT_EQ(reply.member_timeout_ms, 5000u);
  EXPECT_EQ(reply.assigned[0].replicas[0].query_endpoint, "tcp://ix-a:7010");
  EXPECT_EQ(moves.load(), 0u) << "a first assignment is not a move";
}

TEST_F(GroupAssignmentTest, ANewMemberBuildsHalfWhileTheOldOneKeepsThemLeavingUntilItCaughtUp) {
  make(8, 1);
  for (uint32_t p = 0; p < 8; ++p) heads[p] = 100 + p;
  join("ix-a");
  now += 1s;
  auto b = states_of("ix-b");
  ASSERT_EQ(b.size(), 4u) << "half of 8";
  auto a = states_of("ix-a");
  ASSERT_EQ(a.size(), 8u) << "ix-a keeps the moving ones while ix-b builds";
  for (const auto& [partition, state] : b) {
    EXPECT_EQ(state, ReplicaState::building);
    EXPECT_EQ(a[partition], ReplicaState::leaving);
    EXPECT_TRUE(reads("ix-a", partition)) << "a leaving replica still reads";
    EXPECT_TRUE(reads("ix-b", partition));
  }
  EXPECT_EQ(moves.load(), 4u);
  const uint32_t moved = b.begin()->first;
  const uint64_t epoch = epoch_of(moved, "ix-b");
  assignment->note_read("index", "ix-b", moved, heads[moved] - 1);
  EXPECT_EQ(states_of("ix-b")[moved], ReplicaState::building) << "one short of the head as of its adding";
  EXPECT_EQ(states_of("ix-a")[moved], ReplicaState::leaving);
  heads[moved] += 50;  // new entries after the adding do not move the goal
  assignment->note_read("index", "ix-b", moved, heads[moved] - 50);
  EXPECT_EQ(states_of("ix-b")[moved], ReplicaState::ready);
  EXPECT_FALSE(states_of("ix-a").contains(moved)) << "dropped once the new replica is ready";
  EXPECT_GT(epoch_of(moved, "ix-b"), epoch);
  Status refused = assignment->check_read("index", "ix-a", moved);
  EXPECT_EQ(refused.code(), Code::failed_precondition);
  EXPECT_NE(refused.message().find("is assigned to ix-b (epoch"), std::string::npos) << refused.message();
  EXPECT_NE(refused.message().find("not to ix-a"), std::string::npos) << refused.message();
  EXPECT_EQ(states_of("ix-a").size(), 7u) << "the other three still wait for ix-b";
}

TEST_F(GroupAssignmentTest, ThreeMembersShareEightPartitionsTwiceEachWithinOne) {
  make(8, 2);
  join("ix-a");
  join("ix-b");
  join("ix-c");
  std::map<std::string, size_t> load;
  std::map<uint32_t, std::set<std::string>> replicas;
  for (const std::string& instance : kThree) {
    for (const auto& [partition, state] : states_of(instance)) {
      if (state == ReplicaState::leaving) continue;  // on its way out: not desired
      ++load[instance];
      replicas[partition].insert(instance);
    }
  }
  ASSERT_EQ(replicas.size(), 8u);
  for (const auto& [partition, set] : replicas) EXPECT_EQ(set.size(), 2u) << "partition " << partition;
  ASSERT_EQ(load.size(), 3u);
  EXPECT_EQ(load["ix-a"] + load["ix-b"] + load["ix-c"], 16u);
  for (const auto& [instance, count] : load) EXPECT_TRUE(count == 5 || count == 6) << instance << " has " << count;
}

TEST_F(GroupAssignmentTest, BalanceHoldsWithinOneForManyShapes) {
  for (uint32_t partitions : {1u, 3u, 5u, 8u, 16u, 64u}) {
    for (uint32_t replicas : {1u, 2u, 3u}) {
      for (int members = 1; members <= 7; ++members) {
        make(partitions, replicas);
        std::vector<std::string> names;
        for (int m = 0; m < members; ++m) names.push_back("indexer-" + std::to_string(m));
        for (const std::string& name : names) join(name);
        // Settle: every builder catches up, so only desired replicas remain.
        for (uint32_t p = 0; p < partitions; ++p) {
          for (const std::string& name : names) assignment->note_read("index", name, p, 0);
        }
        std::map<uint32_t, size_t> per_partition;
        size_t low = SIZE_MAX, high = 0;
        for (const std::string& name : names) {
          size_t load = states_of(name).size();
          for (const auto& [p, state] : states_of(name)) ++per_partition[p];
          low = std::min(low, load);
          high = std::max(high, load);
        }
        const size_t r = std::min<size_t>(replicas, members);
        SCOPED_TRACE(std::to_string(partitions) + " partitions, R " + std::to_string(replicas) + ", " + std::to_string(members) + " members");
        EXPECT_LE(high - low, 1u);
        ASSERT_EQ(per_partition.size(), partitions);
        for (const auto& [p, count] : per_partition) EXPECT_EQ(count, r) << "partition " << p;
      }
    }
  }
}

TEST_F(GroupAssignmentTest, ASilentMemberLosesItsPartitionsAtOnceAndTheOtherReplicaStaysReady) {
  make(6, 2, 5s);
  const auto t0 = now;
  join("ix-a");
  join("ix-b");
  join("ix-c");
  for (uint32_t p = 0; p < 6; ++p) {
    for (const std::string& name : kThree) assignment->note_read("index", name, p, 0);
  }
  std::map<uint32_t, std::set<std::string>> before;
  for (const std::string& name : kThree) {
    for (const auto& [p, state] : states_of(name)) {
      EXPECT_EQ(state, ReplicaState::ready);
      before[p].insert(name);
    }
  }
  const uint64_t moves_before = moves.load();
  // ix-a and ix-b keep joining; ix-c goes silent.
  for (int second = 1; second <= 6; ++second) {
    now = t0 + std::chrono::seconds(second);
    join("ix-a");
    join("ix-b");
    assignment->expire(now);
    if (second != 5) continue;
    for (uint32_t p = 0; p < 6; ++p) {
      if (before[p].contains("ix-c")) {
        EXPECT_TRUE(reads("ix-c", p)) << "silent for exactly the timeout: still a member";
      }
    }
  }
  auto a = states_of("ix-a");
  auto b = states_of("ix-b");
  EXPECT_EQ(a.size(), 6u) << "two members, R = 2: each has every partition";
  EXPECT_EQ(b.size(), 6u);
  size_t ix_c_had = 0;
  for (uint32_t p = 0; p < 6; ++p) {
    EXPECT_FALSE(reads("ix-c", p)) << "ix-c's partitions went at once";
    if (!before[p].contains("ix-c")) continue;
    ++ix_c_had;
    // The replica that survived stays ready (no gap in answers); the one that
    // takes ix-c's place builds beside it.
    const std::string survivor = before[p].contains("ix-a") ? "ix-a" : "ix-b";
    const std::string newcomer = survivor == "ix-a" ? "ix-b" : "ix-a";
    EXPECT_EQ((survivor == "ix-a" ? a : b)[p], ReplicaState::ready) << p;
    EXPECT_EQ((newcomer == "ix-a" ? a : b)[p], ReplicaState::building) << p;
  }
  EXPECT_EQ(ix_c_had, 4u) << "12 replicas over 3 members";
  EXPECT_EQ(moves.load() - moves_before, ix_c_had);
}

TEST_F(GroupAssignmentTest, APartitionWithNoReadyReplicaGetsReadyOnes) {
  make(2, 1, 5s);
  heads[0] = heads[1] = 500;
  join("ix-a");
  now += 1s;
  join("ix-b");
  now += 1s;
  // ix-b builds some partition from ix-a, and ix-a dies before ix-b caught up.
  auto b = states_of("ix-b");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b.begin()->second, ReplicaState::building);
  now += 5s;
  join("ix-b");
  assignment->expire(now);
  auto after = states_of("ix-b");
  ASSERT_EQ(after.size(), 2u);
  for (const auto& [partition, state] : after) EXPECT_EQ(state, ReplicaState::ready) << "nobody to copy from: ready at once";
  // And a partition whose only replica died goes to a joiner as ready, once
  // the group, having lost every member, has listened for a member timeout.
  now += 10s;
  assignment->expire(now);
  EXPECT_TRUE(assignment->join("index", "ix-c", {.query_endpoint = "tcp://ix-c:7010"}, now).settling);
  now += 5s;
  assignment->expire(now);
  auto c = states_of("ix-c");
  ASSERT_EQ(c.size(), 2u);
  for (const auto& [partition, state] : c) EXPECT_EQ(state, ReplicaState::ready);
}

TEST_F(GroupAssignmentTest, OnlyReplicasReadUnderAnAssignmentAndAGroupNeverJoinedIsNotCoordinated) {
  make(2, 1);
  EXPECT_FALSE(assignment->coordinated("index")) << "its readers' own cursors count";
  join("ix-a");
  EXPECT_TRUE(assignment->coordinated("index"));
  EXPECT_FALSE(assignment->coordinated("export"));
  EXPECT_TRUE(reads("ix-a", 0));
  Status stranger = assignment->check_read("index", "ix-z", 1);
  EXPECT_EQ(stranger.code(), Code::failed_precondition) << "a read with an epoch from a non-replica";
  EXPECT_NE(stranger.message().find("partition 1 of group index is assigned to ix-a (epoch 1), not to ix-z"), std::string::npos)
      << stranger.message();
  EXPECT_FALSE(assignment->check_read("export", "ix-a", 0).is_ok()) << "an epoch in a group this WAL never assigned";
}

TEST_F(GroupAssignmentTest, AMemberHoldingTheShardUpToTheHeadIsReadyAtOnce) {
  make(8, 2);
  for (uint32_t p = 0; p < 8; ++p) heads[p] = 300;
  join("ix-a");
  // ix-b holds partitions 0-3 up to the head (say, from before a restart), 4-5 behind it.
  std::vector<HeldShard> held;
  for (uint32_t p = 0; p < 4; ++p) held.push_back({.partition = p, .committed = 300});
  held.push_back({.partition = 4, .committed = 100});
  held.push_back({.partition = 5, .committed = 100});
  auto b = join("ix-b", held);
  ASSERT_EQ(b.assigned.size(), 8u) << "two members, R = 2";
  for (const PartitionAssignment& a : b.assigned) {
    const auto state = static_cast<ReplicaState>(a.state);
    EXPECT_EQ(state, a.partition < 4 ? ReplicaState::ready : ReplicaState::building) << a.partition;
  }
  EXPECT_EQ(assignment->retention_cursor("index", 4), 0u) << "ix-a has reported nothing; ix-b builds";
  // Its shard of partition 4 catches up: its next join says so.
  held[4].committed = 300;
  for (const PartitionAssignment& a : join("ix-b", held).assigned) {
    if (a.partition == 4) {
      EXPECT_EQ(static_cast<ReplicaState>(a.state), ReplicaState::ready);
    }
  }
}

TEST_F(GroupAssignmentTest, TheRetentionCursorIsTheLowestOverReadyAndLeavingReplicas) {
  make(1, 2);
  heads[0] = 1000;
  EXPECT_FALSE(assignment->retention_cursor("index", 0).has_value()) << "no group: the reader's own cursor counts";
  join("ix-a");
  assignment->note_read("index", "ix-a", 0, 900);
  EXPECT_EQ(assignment->retention_cursor("index", 0), 900u);
  join("ix-b");
  EXPECT_EQ(states_of("ix-b")[0], ReplicaState::building);
  EXPECT_EQ(assignment->retention_cursor("index", 0), 900u);
  assignment->note_read("index", "ix-a", 0, 960);
  EXPECT_EQ(assignment->retention_cursor("index", 0), 900u)
      << "a builder still copying (no cursor yet) keeps what followed the ready replica's cursor when it was added: "
         "the snapshot it gets starts there or later";
  now += 11min;
  join("ix-a");
  join("ix-b");
  EXPECT_EQ(assignment->retention_cursor("index", 0), 960u)
      << "a copy still unfinished after copy_hold_limit (10 min) holds nothing back: it must not fill the disk";
  assignment->note_read("index", "ix-b", 0, 10);  // building from a shard of its own
  EXPECT_EQ(assignment->retention_cursor("index", 0), 10u) << "a builder reading from its own cursor needs what follows it";
  assignment->note_read("index", "ix-b", 0, 1000);
  EXPECT_EQ(states_of("ix-b")[0], ReplicaState::ready);
  EXPECT_EQ(assignment->retention_cursor("index", 0), 960u) << "the lowest ready one";
}

TEST_F(GroupAssignmentTest, ALeavingReplicaHoldsRetentionUntilDropped) {
  make(8, 1);
  for (uint32_t p = 0; p < 8; ++p) heads[p] = 1000;
  join("ix-a");
  for (uint32_t p = 0; p < 8; ++p) assignment->note_read("index", "ix-a", p, 700);
  auto b = states_of("ix-b");
  ASSERT_FALSE(b.empty());
  const uint32_t moved = b.begin()->first;
  EXPECT_EQ(states_of("ix-a")[moved], ReplicaState::leaving);
  assignment->note_read("index", "ix-b", moved, 950);
  EXPECT_EQ(assignment->retention_cursor("index", moved), 700u) << "ix-a leaves but still counts; ix-b builds and does not";
  assignment->note_read("index", "ix-b", moved, 1000);
  EXPECT_EQ(assignment->retention_cursor("index", moved), 1000u) << "ix-a dropped: only ix-b counts";
}

TEST_F(GroupAssignmentTest, EpochsIncreaseWithEveryChange) {
  make(8, 1);
  for (uint32_t p = 0; p < 8; ++p) heads[p] = 10;
  join("ix-a");
  std::map<uint32_t, uint64_t> first;
  for (const PartitionAssignment& a : join("ix-a").assigned) first[a.partition] = a.epoch;
  for (const auto& [p, epoch] : first) EXPECT_GE(epoch, 1u);
  auto b = states_of("ix-b");
  ASSERT_FALSE(b.empty());
  const uint32_t moved = b.begin()->first;
  const uint64_t building = epoch_of(moved, "ix-b");
  EXPECT_GT(building, first[moved]) << "ix-b added";
  assignment->note_read("index", "ix-b", moved, 10);
  EXPECT_GT(epoch_of(moved, "ix-b"), building) << "ix-b ready, ix-a dropped";
  for (const auto& [p, epoch] : first) {
    if (!b.contains(p)) {
      EXPECT_EQ(epoch_of(p, "ix-a"), epoch) << "unchanged partition " << p << " keeps its epoch";
    }
  }
}

TEST_F(GroupAssignmentTest, TheAssignmentJsonNamesMembersAndReplicas) {
  make(2, 1);
  heads[0] = 7;
  EXPECT_EQ(assignment->assignment_json(now), "");
  join("ix-a");
  assignment->note_read("index", "ix-a", 0, 5);
  std::string json = assignment->assignment_json(now + 250ms);
  EXPECT_EQ(json,
            "{\"group\":\"index\",\"replicas\":1,\"member_timeout_ms\":5000,"
            "\"members\":[{\"instance\":\"ix-a\",\"query_endpoint\":\"tcp://ix-a:7010\",\"silent_ms\":250}],"
            "\"partitions\":[{\"partition\":0,\"epoch\":1,\"head\":7,\"moves\":0,\"replicas\":[{\"instance\":\"ix-a\",\"state\":\"ready\",\"committed\":5}]},"
            "{\"partition\":1,\"epoch\":1,\"head\":0,\"moves\":0,\"replicas\":[{\"instance\":\"ix-a\",\"state\":\"ready\",\"committed\":0}]}]}");
}

TEST_F(GroupAssignmentTest, AfterAStartMembersAreHeardBeforeAnythingIsAssigned) {
  GroupAssignment::Settings settings{
      .wal_instance = "wal-1", .owned = {0, 1, 2, 3}, .replicas = 1, .settle = 5s, .first_epoch = 1'700'000'000'000};
  const auto started = now;
  assignment = std::make_unique<GroupAssignment>(settings, started, [](uint32_t) { return uint64_t{100}; }, moves);
  // Both members had their partitions before the WAL restarted.
  JoinReply early = assignment->join("index", "ix-a", {.query_endpoint = "tcp://ix-a:7010"}, started + 100ms);
  EXPECT_TRUE(early.settling);
  EXPECT_TRUE(early.assigned.empty());
  EXPECT_TRUE(assignment->check_read("index", "ix-a", 0).is_ok()) << "not fenced while settling";
  EXPECT_TRUE(assignment->check_read("index", "ix-b", 0).is_ok());
  assignment->note_read("index", "ix-a", 0, 100);
  EXPECT_FALSE(assignment->retention_cursor("index", 0).has_value()) << "no cursor moves while settling";
  EXPECT_TRUE(assignment->join("index", "ix-b", {.query_endpoint = "tcp://ix-b:7010"}, started + 900ms).settling);
  assignment->expire(started + 4s);
  EXPECT_TRUE(assignment->join("index", "ix-a", {.query_endpoint = "tcp://ix-a:7010"}, started + 4100ms).settling);
  now = started + 5s;
  assignment->expire(now);
  auto a = states_of("ix-a");
  auto b = states_of("ix-b");
  EXPECT_EQ(a.size(), 2u) << "the first to join did not take everything";
  EXPECT_EQ(b.size(), 2u);
  for (const auto& [p, state] : a) EXPECT_EQ(state, ReplicaState::ready) << p;
  for (const auto& [p, state] : b) EXPECT_EQ(state, ReplicaState::ready) << p;
  EXPECT_EQ(moves.load(), 0u);
  EXPECT_EQ(epoch_of(a.begin()->first, "ix-a"), 1'700'000'000'001u) << "epochs go on from the start time";
  EXPECT_FALSE(reads("ix-b", a.begin()->first)) << "settled: fenced";
}

TEST_F(GroupAssignmentTest, LeavingReplicasStayForTheHandoverGraceAfterTheNewOnesAreReady) {
  GroupAssignment::Settings settings{.wal_instance = "wal-1", .owned = {0, 1}, .replicas = 1, .handover = 3s};
  assignment = std::make_unique<GroupAssignment>(settings, now - 1h, [this](uint32_t p) { return heads[p]; }, moves);
  heads[0] = heads[1] = 50;
  join("ix-a");
  now += 1s;
  auto b = states_of("ix-b");
  ASSERT_EQ(b.size(), 1u) << "one of the two partitions moves to the new member";
  const uint32_t moving = b.begin()->first;
  ASSERT_EQ(b.at(moving), ReplicaState::building);
  assignment->note_read("index", "ix-b", moving, 50);
  EXPECT_EQ(states_of("ix-b").at(moving), ReplicaState::ready);
  EXPECT_EQ(states_of("ix-a").at(moving), ReplicaState::leaving) << "kept while the apis learn that the new replica answers";
  EXPECT_TRUE(reads("ix-a", moving));
  now += 2s;
  assignment->expire(now);
  EXPECT_TRUE(states_of("ix-a").contains(moving)) << "2 s of a 3 s grace";
  now += 1s + 1ms;
  assignment->expire(now);
  EXPECT_FALSE(states_of("ix-a").contains(moving)) << "dropped once the grace has passed";
  EXPECT_FALSE(reads("ix-a", moving)) << "and fenced";
}

TEST_F(GroupAssignmentTest, AfterARestartTheMembersFurthestAlongAreTheReplicasAndAStaleOneBuilds) {
  // Partition 0's head is 64; ix-a and ix-c hold it up to 64, ix-b (down for a while) only to 23.
  GroupAssignment::Settings settings{.wal_instance = "wal-1", .owned = {0}, .replicas = 2, .settle = 5s, .first_epoch = 1000};
  const auto started = now;
  assignment = std::make_unique<GroupAssignment>(settings, started, [](uint32_t) { return uint64_t{64}; }, moves);
  for (const auto& [name, committed] : {std::pair{"ix-a", 64}, std::pair{"ix-b", 23}, std::pair{"ix-c", 64}}) {
    assignment->join("index", name, {.query_endpoint = std::string("tcp://") + name, .held = {{0, static_cast<uint64_t>(committed)}}},
                     started + 1s);
  }
  now = started + 5s;
  assignment->expire(now);
  std::map<std::string, ReplicaState> states;
  for (const char* name : {"ix-a", "ix-b", "ix-c"}) {
    JoinReply reply = assignment->join("index", name, {.query_endpoint = std::string("tcp://") + name,
                                                       .held = {{0, name == std::string("ix-b") ? 23u : 64u}}}, now);
    for (const PartitionAssignment& a : reply.assigned) states[name] = static_cast<ReplicaState>(a.state);
  }
  ASSERT_TRUE(states.contains("ix-a") && states.contains("ix-c")) << "the two current holders answer from the start";
  EXPECT_NE(states["ix-a"], ReplicaState::building);
  EXPECT_NE(states["ix-c"], ReplicaState::building);
  if (states.contains("ix-b")) {
    EXPECT_EQ(states["ix-b"], ReplicaState::building) << "a stale shard never answers as ready";
  }
  EXPECT_EQ(moves.load(), 0u) << "adopting what the members hold is not a move";
}

TEST_F(GroupAssignmentTest, WhenEveryMemberFellSilentTheGroupListensAgainAndAdoptsTheFurthestShards) {
  make(1, 2, 5s);
  heads[0] = 64;
  join("ix-a", {{0, 10}});
  join("ix-b", {{0, 10}});
  // This WAL hears nobody for longer than the member timeout (its link was cut).
  now += 6s;
  assignment->expire(now);
  // The first member back holds a stale shard; it must not be handed the partition as ready.
  JoinReply first = assignment->join("index", "ix-a", {.query_endpoint = "tcp://ix-a", .held = {{0, 23}}}, now);
  EXPECT_TRUE(first.settling) << "listening again, as after a start";
  EXPECT_TRUE(assignment->check_read("index", "ix-b", 0).is_ok()) << "reads go on while listening";
  assignment->join("index", "ix-b", {.query_endpoint = "tcp://ix-b", .held = {{0, 64}}}, now + 500ms);
  now += 5s;
  assignment->expire(now);
  std::map<std::string, ReplicaState> states;
  for (const auto& [name, committed] : {std::pair{"ix-a", 23}, std::pair{"ix-b", 64}}) {
    JoinReply reply = assignment->join("index", name, {.query_endpoint = std::string("tcp://") + name,
                                                       .held = {{0, static_cast<uint64_t>(committed)}}}, now);
    EXPECT_FALSE(reply.settling);
    for (const PartitionAssignment& a : reply.assigned) states[name] = static_cast<ReplicaState>(a.state);
  }
  EXPECT_EQ(states["ix-b"], ReplicaState::ready) << "the current shard answers";
  EXPECT_EQ(states["ix-a"], ReplicaState::building) << "the stale one builds";
}

TEST_F(GroupAssignmentTest, AShardPastTheHeadIsNeitherCurrentNorAdoptedAndJoinsAreBounded) {
  GroupAssignment::Settings settings{.wal_instance = "wal-1", .owned = {0}, .replicas = 1, .settle = 5s};
  const auto started = now;
  assignment = std::make_unique<GroupAssignment>(settings, started, [](uint32_t) { return uint64_t{64}; }, moves);
  assignment->join("index", "liar", {.query_endpoint = "tcp://liar", .held = {{0, UINT64_MAX}}}, started + 1s);
  assignment->join("index", "honest", {.query_endpoint = "tcp://honest", .held = {{0, 64}}}, started + 1s);
  now = started + 5s;
  assignment->expire(now);
  JoinReply honest = assignment->join("index", "honest", {.query_endpoint = "tcp://honest", .held = {{0, 64}}}, now);
  ASSERT_EQ(honest.assigned.size(), 1u) << "the shard at the head is adopted, the one claiming more than the log holds is not";
  EXPECT_EQ(static_cast<ReplicaState>(honest.assigned[0].state), ReplicaState::ready);
  for (const ReplicaView& replica : honest.assigned[0].replicas) EXPECT_NE(replica.instance, "liar");

  for (size_t i = 0; i < GroupAssignment::kMaxMembers - 2; ++i) {
    assignment->join("index", "m" + std::to_string(i), {.query_endpoint = "tcp://m"}, now);
  }
  EXPECT_EQ(assignment->admits("index", "one-too-many").code(), Code::resource_exhausted);
  EXPECT_TRUE(assignment->admits("index", "honest").is_ok()) << "a known member always renews";
  for (size_t g = 1; g < GroupAssignment::kMaxGroups; ++g) {
    assignment->join("group-" + std::to_string(g), "x", {.query_endpoint = "tcp://x"}, now);
  }
  EXPECT_EQ(assignment->admits("one-group-too-many", "x").code(), Code::resource_exhausted);
}

}  // namespace
}  // namespace spanline::wal
