#pragma once
// Appends parts of an OTLP Export to the WAL and waits for every durable ack.
// This is the one place that maps a partition to the WAL endpoint that owns it:
// today a single WAL owns every partition; a later WAL that owns partition sets
// only changes endpoint_for(). It also knows the WAL's partition count, learned
// from the WAL (protocol/wal/wal_partitions.h), which its caller splits by;
// every append says that count, so a WAL with another count refuses it.
// Callers: the gateway (every Export) and the api (each playground run, one span).
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
#include "bus/request_client.h"
#include "protocol/wal/wal_partitions.h"

namespace spanline::wal {

struct WalPart {
  uint32_t partition = 0;
  bus::SignalKind kind = bus::SignalKind::traces;
  uint64_t items = 0;  // spans, log records or data points in `bytes`
  std::string bytes;   // serialized OTLP Export request holding only this part
};

class WalWriter {
 public:
  // `configured_partitions`: the caller's own --partitions (0: take the WAL's);
  // `who`: the caller as a difference in counts names it ("the gateway").
  WalWriter(bus::Context& context, std::string wal_endpoint, size_t max_in_flight, uint32_t configured_partitions,
            std::string who = "the gateway");

  // The count to split by: unavailable until the WAL has told it,
  // failed_precondition when it differs from the configured one.
  Result<uint32_t> partitions() const { return partitions_.count(); }
  // partitions(), waiting up to `timeout` for the WAL's answer.
  Result<uint32_t> wait_for_partitions(std::chrono::milliseconds timeout) const { return partitions_.wait(timeout); }

  // OK only when the WAL has synced every part. A part that failed or timed out
  // fails the call (the parts that did land may be sent again by a client retry;
  // the index keeps one row per span).
  Status append_all(std::vector<WalPart> parts, std::chrono::milliseconds timeout);

 private:
  bus::RequestClient& endpoint_for(uint32_t partition);

  std::unique_ptr<bus::RequestClient> client_;
  WalPartitions partitions_;
};

}  // namespace spanline::wal
