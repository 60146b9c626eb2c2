#include "stages/wal/entry_key.h"

namespace spanline::wal {

void put_u32_be(std::string& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((value >> shift) & 0xff);
}

void put_u64_be(std::string& out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((value >> shift) & 0xff);
}

uint32_t get_u32_be(const char* data) {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value = (value << 8) | static_cast<uint8_t>(data[i]);
  return value;
}

uint64_t get_u64_be(const char* data) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | static_cast<uint8_t>(data[i]);
  return value;
}

std::string encode_meta_key(std::string_view name) {
  std::string out(1, kMetaPrefix);
  out += name;
  return out;
}

std::string encode_entry_key(EntryKey key) {
  std::string out;
  out.reserve(kEntryKeySize);
  out += kEntryPrefix;
  put_u32_be(out, key.partition);
  put_u64_be(out, key.sequence);
  return out;
}

std::optional<EntryKey> decode_entry_key(std::string_view bytes) {
  if (bytes.size() != kEntryKeySize || bytes[0] != kEntryPrefix) return std::nullopt;
  return EntryKey{get_u32_be(bytes.data() + 1), get_u64_be(bytes.data() + 5)};
}

std::string encode_entry_value_header(const EntryMeta& meta) {
  std::string out;
  out.reserve(kEntryValueHeaderSize);
  out += static_cast<char>(kEntryFormat);
  out += static_cast<char>(meta.kind);
  put_u64_be(out, static_cast<uint64_t>(meta.received_nanos));
  put_u32_be(out, meta.items);
  return out;
}

std::optional<EntryMeta> decode_entry_value_header(std::string_view value) {
  if (value.size() < kEntryValueHeaderSize || static_cast<uint8_t>(value[0]) != kEntryFormat) return std::nullopt;
  EntryMeta meta;
  meta.kind = static_cast<bus::SignalKind>(value[1]);
  meta.received_nanos = static_cast<int64_t>(get_u64_be(value.data() + 2));
  meta.items = get_u32_be(value.data() + 10);
  return meta;
}

std::string encode_cursor_key(uint32_t partition, std::string_view consumer) {
  std::string out;
  out += kCursorPrefix;
  put_u32_be(out, partition);
  out += consumer;
  return out;
}

std::optional<CursorKey> decode_cursor_key(std::string_view bytes) {
  if (bytes.size() < 5 || bytes[0] != kCursorPrefix) return std::nullopt;
  return CursorKey{get_u32_be(bytes.data() + 1), std::string(bytes.substr(5))};
}

std::string encode_deleted_floor_key(uint32_t partition) {
  std::string out(1, kDeletedFloorPrefix);
  put_u32_be(out, partition);
  return out;
}

std::optional<uint32_t> decode_deleted_floor_key(std::string_view bytes) {
  if (bytes.size() != 5 || bytes[0] != kDeletedFloorPrefix) return std::nullopt;
  return get_u32_be(bytes.data() + 1);
}

std::string encode_u64_be(uint64_t value) {
  std::string out;
  put_u64_be(out, value);
  return out;
}

std::optional<uint64_t> decode_u64_be(std::string_view bytes) {
  if (bytes.size() != 8) return std::nullopt;
  return get_u64_be(bytes.data());
}

}  // namespace spanline::wal
