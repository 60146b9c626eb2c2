#include "base/status.h"

#include <gtest/gtest.h>

namespace spanline {
namespace {

TEST(Status, CarriesCodeAndMessage) {
  Status status(Code::unavailable, "wal did not answer");
  EXPECT_FALSE(status.is_ok());
  EXPECT_EQ(status.to_string(), "unavailable: wal did not answer");
  EXPECT_TRUE(Status::ok().is_ok());
}

TEST(Result, HoldsValueOrStatus) {
  Result<int> good = 7;
  Result<int> bad = Status(Code::not_found, "no such trace");
  ASSERT_TRUE(good.is_ok());
  EXPECT_EQ(*good, 7);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().code(), Code::not_found);
}

}  // namespace
}  // namespace spanline
