#pragma once
// The partition count and the trace -> partition hash: the facts every stage on
// the WAL hop must agree on, declared once.
//
// The WAL owns the count. It stores the count in its log on first start and
// announces it in every reply on its ROUTER (header key `pc`) and in its stats
// (`info.partitions`). Gateways split by it, indexers own partitions below it,
// and the api routes a trace lookup with it: none of them has a count of its own
// (a stage's --partitions, where it has one, is only checked against the WAL's).

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace spanline::wal {

// A new log's count when its WAL is started without --partitions.
inline constexpr uint32_t kDefaultPartitions = 4;
// The most partitions a log may have: each one is a thread and a SQLite shard in
// some indexer and a request of every search, so more would not serve anyone.
inline constexpr uint32_t kMaxPartitions = 4096;
// The key of the count in the WAL's stats `info`.
inline constexpr std::string_view kPartitionsInfoKey = "partitions";

// A trace's partition: FNV-1a (64-bit) over the 16 trace id bytes, then the
// MurmurHash3 64-bit finalizer, modulo the partition count. Every span of a
// trace lands in the same partition and so in one shard. Hashing all bytes
// matters because some tracers put a timestamp or a constant in part of the id;
// the finalizer matters because FNV's low bits depend only on the inputs' low
// bits, and "mod 4" reads exactly those. The gateway (routing appends) and the
// api (routing a trace lookup) must agree, so this is the only copy.
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

// invalid_argument unless 1 <= count <= kMaxPartitions; `what` names the setting.
inline Status check_partition_count_range(uint32_t count, std::string_view what) {
  if (count >= 1 && count <= kMaxPartitions) return Status::ok();
  return Status(Code::invalid_argument,
                std::string(what) + " must be between 1 and " + std::to_string(kMaxPartitions) + ", not " + std::to_string(count));
}

// A stage's own --partitions (0: not set) against the WAL's count:
// failed_precondition naming both when they differ.
inline Status check_configured_partitions(std::string_view stage, uint32_t configured, uint32_t wal_count) {
  if (configured == 0 || configured == wal_count) return Status::ok();
  return Status(Code::failed_precondition,
                std::string(stage) + " is configured with --partitions " + std::to_string(configured) + ", but the WAL has " +
                    std::to_string(wal_count) +
                    " partitions (the WAL owns the count: leave --partitions unset to use the WAL's, or set it to " +
                    std::to_string(wal_count) + ")");
}

}  // namespace spanline::wal
