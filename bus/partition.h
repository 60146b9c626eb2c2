#pragma once
// A trace's partition: FNV-1a (64-bit) over the 16 trace id bytes, then the
// MurmurHash3 64-bit finalizer, modulo the partition count. Every span of a
// trace lands in the same partition and so in one shard. Hashing all bytes
// matters because some tracers put a timestamp or a constant in part of the id;
// the finalizer matters because FNV's low bits depend only on the inputs' low
// bits, and "mod 4" reads exactly those. The gateway (routing appends) and the
// api (routing a trace lookup) must agree, so this is the only copy.

#include <cstdint>
#include <string_view>

namespace spanline::bus {

inline uint32_t partition_of(std::string_view trace_id, uint32_t partitions) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : trace_id) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 0x100000001b3ULL;
  }
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdULL;
  hash ^= hash >> 33;
  hash *= 0xc4ceb9fe1a85ec53ULL;
  hash ^= hash >> 33;
  return partitions == 0 ? 0 : static_cast<uint32_t>(hash % partitions);
}

}  // namespace spanline::bus
