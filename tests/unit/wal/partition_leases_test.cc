#include "stages/wal/partition_leases.h"

#include <gtest/gtest.h>

namespace spanline::wal {
namespace {

using namespace std::chrono_literals;

TEST(PartitionLeases, AnOwnerKeepsItsPartitionUntilSilentForTheWholeLease) {
  PartitionLeases leases(5s);
  const auto t0 = PartitionLeases::Clock::now();
  EXPECT_TRUE(leases.claim(3, "index", "indexer-1", t0).is_ok());
  Status refused = leases.claim(3, "index", "indexer-2", t0 + 4s);
  EXPECT_EQ(refused.code(), Code::failed_precondition);
  EXPECT_NE(refused.message().find("is owned by indexer-1"), std::string::npos) << refused.message();
  EXPECT_TRUE(leases.claim(3, "index", "indexer-1", t0 + 4s).is_ok()) << "a read renews the lease";
  EXPECT_FALSE(leases.claim(3, "index", "indexer-2", t0 + 8s).is_ok());
  EXPECT_TRUE(leases.claim(3, "index", "indexer-2", t0 + 9s).is_ok()) << "silent for the whole lease: replaced";
  EXPECT_FALSE(leases.claim(3, "index", "indexer-1", t0 + 10s).is_ok()) << "and the old owner is refused in turn";
}

TEST(PartitionLeases, PartitionsAndGroupsAreLeasedApart) {
  PartitionLeases leases(5s);
  const auto t0 = PartitionLeases::Clock::now();
  EXPECT_TRUE(leases.claim(0, "index", "indexer-1", t0).is_ok());
  EXPECT_TRUE(leases.claim(1, "index", "indexer-2", t0).is_ok());
  EXPECT_TRUE(leases.claim(0, "export", "exporter-1", t0).is_ok());
}

}  // namespace
}  // namespace spanline::wal
