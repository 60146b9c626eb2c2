#include "stages/gateway/http/gzip.h"

#include <gtest/gtest.h>

namespace spanline::gateway {
namespace {

TEST(Gzip, RoundTrips) {
  std::string data(100'000, 'a');
  for (size_t i = 0; i < data.size(); i += 7) data[i] = static_cast<char>(i);
  auto restored = gunzip(gzip(data), 1 << 20);
  ASSERT_TRUE(restored.is_ok()) << restored.status().to_string();
  EXPECT_EQ(*restored, data);
}

TEST(Gzip, AZipBombStopsAtTheCap) {
  std::string bomb = gzip(std::string(10 << 20, '\0'));  // ~10 KB compressed
  auto restored = gunzip(bomb, 1 << 20);
  ASSERT_FALSE(restored.is_ok());
  EXPECT_EQ(restored.status().code(), Code::resource_exhausted);
  EXPECT_NE(restored.status().message().find("1048576"), std::string::npos);
}

TEST(Gzip, CorruptOrTruncatedInputIsInvalidArgument) {
  std::string packed = gzip("hello, spans");
  EXPECT_EQ(gunzip("definitely not gzip", 1024).status().code(), Code::invalid_argument);
  EXPECT_EQ(gunzip(packed.substr(0, packed.size() / 2), 1024).status().code(), Code::invalid_argument);
  EXPECT_EQ(gunzip("", 1024).status().code(), Code::invalid_argument);
}

TEST(Gzip, EveryMemberOfAMultiMemberBodyIsKeptAndTrailingGarbageIsRefused) {
  auto restored = gunzip(gzip("first member, ") + gzip("second member"), 1024);
  ASSERT_TRUE(restored.is_ok()) << restored.status().to_string();
  EXPECT_EQ(*restored, "first member, second member");
  auto trailing = gunzip(gzip("spans") + "trailing bytes", 1024);
  EXPECT_EQ(trailing.status().code(), Code::invalid_argument);
  EXPECT_EQ(trailing.status().message(), "the gzip body is corrupt or truncated");
}

}  // namespace
}  // namespace spanline::gateway
