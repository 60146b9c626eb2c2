#include "stages/wal/entry_key.h"

#include <gtest/gtest.h>

namespace spanline::wal {
namespace {

TEST(EntryKey, SortsByPartitionThenSequenceAsBytes) {
  // RocksDB compares bytes; big-endian makes that the numeric order.
  EXPECT_LT(encode_entry_key({0, 255}), encode_entry_key({0, 256}));
  EXPECT_LT(encode_entry_key({0, UINT64_MAX}), encode_entry_key({1, 0}));
  EXPECT_LT(encode_entry_key({1, 1ULL << 32}), encode_entry_key({1, (1ULL << 32) + 1}));
  EXPECT_LT(encode_entry_key({255, 9}), encode_entry_key({256, 1}));
}

TEST(EntryKey, RoundTripsAndRejectsForeignKeys) {
  EntryKey key{3, 123456789012345ULL};
  EXPECT_EQ(decode_entry_key(encode_entry_key(key)), key);
  EXPECT_FALSE(decode_entry_key(encode_cursor_key(3, "index")).has_value());
  EXPECT_FALSE(decode_entry_key("e123").has_value());
}

TEST(EntryValue, HeaderRoundTripsAndRejectsUnknownFormat) {
  EntryMeta meta{bus::SignalKind::logs, 1700000000123456789, 42};
  std::string value = encode_entry_value_header(meta) + "payload";
  auto decoded = decode_entry_value_header(value);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->kind, bus::SignalKind::logs);
  EXPECT_EQ(decoded->received_nanos, 1700000000123456789);
  EXPECT_EQ(decoded->items, 42u);
  value[0] = 9;
  EXPECT_FALSE(decode_entry_value_header(value).has_value());
  EXPECT_FALSE(decode_entry_value_header("short").has_value());
}

TEST(CursorKey, RoundTrips) {
  auto decoded = decode_cursor_key(encode_cursor_key(7, "indexer-a"));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->partition, 7u);
  EXPECT_EQ(decoded->consumer, "indexer-a");
}

}  // namespace
}  // namespace spanline::wal
