#pragma once
// Appends parts of an OTLP Export to the WALs and waits for every durable ack.
// Each part goes to the WAL that owns its partition, as the WalMap
// (protocol/wal/wal_map.h) learned from the WALs' replies; the map also knows
// the partition count its caller splits by, and every append says that count,
// so a WAL with another count refuses it. With one WAL (the default) that WAL
// owns every partition. Callers: the gateway (every Export) and the api (each
// playground run, one span).
//
// Threads: append_all() is safe from many threads at once; each call blocks.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "bus/header.h"
#include "base/status.h"
#include "protocol/wal/wal_map.h"

namespace spanline::wal {

struct WalPart {
  uint32_t partition = 0;
  bus::SignalKind kind = bus::SignalKind::traces;
  uint64_t items = 0;  // spans, log records or data points in `bytes`
  std::string bytes;   // serialized OTLP Export request holding only this part
};

class WalWriter {
 public:
  // `wal_endpoints`: one WAL's endpoint or a comma-separated list (throws
  // std::invalid_argument for a bad list: start-up only; check it first with
  // parse_wal_endpoints); `configured_partitions`: the caller's own
  // --partitions (0: take the WALs'); `who`: the caller as messages name it
  // ("the gateway").
  WalWriter(bus::Context& context, const std::string& wal_endpoints, size_t max_in_flight, uint32_t configured_partitions,
            std::string who = "the gateway");

  // The count to split by: unavailable until a WAL has told it (or while the
  // WALs disagree), failed_precondition when it differs from the configured one.
  Result<uint32_t> partitions() const { return map_.count(); }
  // partitions(), waiting up to `timeout` for the WALs' answers.
  Result<uint32_t> wait_for_partitions(std::chrono::milliseconds timeout) const { return map_.wait(timeout); }
  const WalMap& map() const { return map_; }

  // OK only when every part is synced on the WAL owning its partition. A part
  // whose partition has no known owner (or two) fails the call UNAVAILABLE
  // before anything is sent; a part that failed or timed out on its WAL fails
  // it too (the parts that did land may be sent again by a client retry; the
  // index keeps one row per span).
  Status append_all(std::vector<WalPart> parts, std::chrono::milliseconds timeout);

 private:
  WalMap map_;
};

}  // namespace spanline::wal
