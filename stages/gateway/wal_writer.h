#pragma once
// Appends parts of an Export to the WAL and waits for every durable ack. This is
// the one place that maps a partition to the WAL endpoint that owns it: today a
// single WAL owns every partition; a later WAL that owns partition sets only
// changes endpoint_for().
//
// Threads: append_all() is safe from many threads at once; each call blocks.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "bus/header.h"
#include "bus/request_client.h"
#include "base/status.h"

namespace spanline::gateway {

struct WalPart {
  uint32_t partition = 0;
  bus::SignalKind kind = bus::SignalKind::traces;
  uint64_t items = 0;  // spans, log records or data points in `bytes`
  std::string bytes;   // serialized OTLP Export request holding only this part
};

class WalWriter {
 public:
  WalWriter(bus::Context& context, std::string wal_endpoint, size_t max_in_flight);

  // OK only when the WAL has synced every part. A part that failed or timed out
  // fails the call (the parts that did land may be sent again by a client retry;
  // the index keeps one row per span).
  Status append_all(std::vector<WalPart> parts, std::chrono::milliseconds timeout);

 private:
  bus::RequestClient& endpoint_for(uint32_t partition);

  std::unique_ptr<bus::RequestClient> client_;
};

}  // namespace spanline::gateway
