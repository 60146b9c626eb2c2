#pragma once
// The raw limits each pipeline figure is compared with, measured in the same
// run on the same request bytes: what one core can parse, what RocksDB can
// append with a synced write per group, what SQLite can insert into the shard
// schema, and a monolith doing parse + decode + insert in one process.

#include <string>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace spanline::bench {

struct Limits {
  double parse_spans_per_core = 0;      // protobuf ParseFromString
  double rocksdb_group_commit = 0;      // LogStore::append of `group` requests per synced write
  double sqlite_insert = 0;             // Shard::apply of decoded spans, batches of 50 requests
  double monolith = 0;                  // parse + decode + insert in one process, no bus, no WAL
  // The monolith's spans/s with log records mixed in: each request's batch also
  // holds a logs entry of one record per span (GenAI-shaped: an event name,
  // trace and span ids, a 256-byte messages attribute and a body), decoded and
  // written too; what indexing logs costs the spans.
  double monolith_with_logs = 0;

  double smallest() const;
};

// `scratch` is a folder the measurement may fill; `group` is how many requests
// the WAL would commit per synced write at the measured concurrency.
Limits measure_limits(const std::string& scratch,
                      const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request,
                      unsigned group);

}  // namespace spanline::bench
