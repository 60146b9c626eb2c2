#include "stages/wal/parked_reads.h"

#include <gtest/gtest.h>

namespace spanline::wal {
namespace {

using namespace std::chrono_literals;

ReadRequest read_of(uint32_t partition, uint64_t request_id) {
  return {.routing_id = "r", .request_id = request_id, .partition = partition, .after = 0, .max_entries = 1, .max_bytes = 1};
}

TEST(ParkedReads, AnAppendWakesOnlyItsPartitionsReads) {
  ParkedReads parked(10);
  const auto t0 = ParkedReads::Clock::now();
  ASSERT_TRUE(parked.park(read_of(1, 10), t0 + 1s));
  ASSERT_TRUE(parked.park(read_of(1, 11), t0 + 1s));
  ASSERT_TRUE(parked.park(read_of(2, 20), t0 + 1s));
  auto ready = parked.take(1);
  ASSERT_EQ(ready.size(), 2u);
  EXPECT_EQ(ready[0].request_id, 10u);
  EXPECT_EQ(ready[1].request_id, 11u);
  EXPECT_EQ(parked.size(), 1u);
  EXPECT_TRUE(parked.take(1).empty());
}

TEST(ParkedReads, ReadsLeaveWhenTheirWaitEndsAndTheLotIsBounded) {
  ParkedReads parked(2);
  const auto t0 = ParkedReads::Clock::now();
  ASSERT_TRUE(parked.park(read_of(1, 10), t0 + 100ms));
  ASSERT_TRUE(parked.park(read_of(2, 20), t0 + 1s));
  EXPECT_FALSE(parked.park(read_of(3, 30), t0 + 1s)) << "full: answered at once instead";
  EXPECT_TRUE(parked.take_expired(t0 + 50ms).empty());
  auto expired = parked.take_expired(t0 + 200ms);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].request_id, 10u);
  EXPECT_EQ(parked.size(), 1u);
  EXPECT_TRUE(parked.park(read_of(3, 30), t0 + 1s)) << "room again";
}

}  // namespace
}  // namespace spanline::wal
