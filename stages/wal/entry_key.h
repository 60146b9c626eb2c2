#pragma once
// How WAL entries and consumer cursors are laid out in RocksDB. Keys are
// big-endian fixed width, so RocksDB's bytewise order is (partition, sequence)
// order and a partition's entries form one contiguous, ordered range.
//
//   entry:  'e' | partition u32 BE | sequence u64 BE  ->  entry value (below)
//   cursor: 'c' | partition u32 BE | consumer name     ->  committed sequence u64 BE
//   meta:   'm' | name                                 ->  a fact about the whole log
//           ("partitions": the partition count, u32 BE, written on first start;
//            "log": the log's identity, 32 hex characters (16 random bytes), written when it is created)
//   floor:  'd' | partition u32 BE                     ->  the last sequence retention deleted, u64 BE
//           (written with the deletion: a partition retention emptied goes on
//           counting from there after a restart, so no sequence is reused)
//
// Entry value: format u8 (=1) | kind u8 | received unix nanos i64 BE |
//              items u32 BE | OTLP Export request bytes

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bus/header.h"

namespace spanline::wal {

inline constexpr char kEntryPrefix = 'e';
inline constexpr char kCursorPrefix = 'c';
inline constexpr char kMetaPrefix = 'm';
inline constexpr char kDeletedFloorPrefix = 'd';
inline constexpr std::string_view kPartitionCountName = "partitions";
inline constexpr std::string_view kLogIdentityName = "log";
inline constexpr size_t kEntryKeySize = 13;
inline constexpr size_t kEntryValueHeaderSize = 14;
inline constexpr uint8_t kEntryFormat = 1;

struct EntryKey {
  uint32_t partition = 0;
  uint64_t sequence = 0;
  bool operator==(const EntryKey&) const = default;
};

struct EntryMeta {
  bus::SignalKind kind = bus::SignalKind::traces;
  int64_t received_nanos = 0;
  uint32_t items = 0;
};

std::string encode_entry_key(EntryKey key);
std::optional<EntryKey> decode_entry_key(std::string_view bytes);

// Only the fixed-size head of the value; the payload follows it.
std::string encode_entry_value_header(const EntryMeta& meta);
std::optional<EntryMeta> decode_entry_value_header(std::string_view value);

std::string encode_cursor_key(uint32_t partition, std::string_view consumer);
struct CursorKey {
  uint32_t partition = 0;
  std::string consumer;
};
std::optional<CursorKey> decode_cursor_key(std::string_view bytes);

std::string encode_meta_key(std::string_view name);

std::string encode_deleted_floor_key(uint32_t partition);
std::optional<uint32_t> decode_deleted_floor_key(std::string_view bytes);
std::string encode_u64_be(uint64_t value);
std::optional<uint64_t> decode_u64_be(std::string_view bytes);

void put_u32_be(std::string& out, uint32_t value);
void put_u64_be(std::string& out, uint64_t value);
uint32_t get_u32_be(const char* data);
uint64_t get_u64_be(const char* data);

}  // namespace spanline::wal
