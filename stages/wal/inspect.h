#pragma once
// `spanline-wal stat` and `spanline-wal dump`: reading a WAL's data folder
// (read-only, beside a running WAL or without one).

#include <cstdint>

#include "base/options.h"
#include "stages/wal/wal_config.h"

namespace spanline::wal {

// The flags of stat and dump.
struct InspectFlags {
  bool json = false;
  bool spans = false;
  int64_t partition = -1;
  uint64_t limit = 0;
  bool verify = false;

  void register_options(Options& options) {
    options.add("json", &json, "stat: print JSON.")
        .add("verify", &verify, "stat: verify every checksum in the log.")
        .add("spans", &spans, "dump: one line per span with its trace and span id.")
        .add("partition", &partition, "dump: only this partition (-1: all).")
        .add("limit", &limit, "dump: stop after this many lines (0: no limit).");
  }
};

// Partitions, sequence ranges, consumer cursors, disk use; exit 1 when --verify finds a bad checksum.
int stat_command(const WalConfig& config, const InspectFlags& flags);
// One JSON line per entry, or with --spans one per span (trace and span id).
int dump_command(const WalConfig& config, const InspectFlags& flags);

}  // namespace spanline::wal
