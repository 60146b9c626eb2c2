#pragma once
// Turns the OTLP bytes of a logs WAL entry (an ExportLogsServiceRequest, as
// the gateway appended it) into LogRecords.
//
// Bounds: the same as a span's (protocol/span_limits.h, span_bounds.h). The
// entry is walked on the wire without parsing; each resource and scope is cut
// to max_attributes_per_span attributes; each record to max_attributes_per_span
// attributes, each attribute value within max_value_depth, and the body and
// the attributes together within kMaxNestedValuesPerSpan nested values (a
// body past them is left out whole and counted: OTLP has no dropped count for
// it). Only that bounded copy is parsed, one record at a time. Strings are
// not cut (the gateway's request size bounds them, as for spans).
//
// Malformed: invalid_argument when the bytes are not an
// ExportLogsServiceRequest; records handed out before the malformed part are
// the caller's to keep or discard (the partition worker discards them, counts
// the entry in entries_undecodable and passes over it).
//
// Threads: free functions; any thread.

#include <functional>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "protocol/span_limits.h"
#include "stages/indexer/logs/log_record.h"

namespace spanline::indexer::logs {

// What a decode did beyond turning bytes into records.
struct LogDecodeReport {
  uint64_t records = 0;
  uint64_t records_trimmed = 0;              // records past the bounds, indexed without the excess
  uint64_t attributes_dropped = 0;           // attributes those records lost (in their dropped counts)
  uint64_t bodies_dropped = 0;               // bodies left out whole
  uint64_t resource_attributes_dropped = 0;  // resource and scope attributes past max_attributes_per_span
};

// Decodes record by record, handing each to `each` as soon as it is made; an
// error from `each` stops the decode and is returned.
Status for_each_log_record(std::string_view export_logs_request_bytes, const SpanLimits& limits,
                           const std::function<Status(LogRecord&&)>& each, LogDecodeReport* report = nullptr);

// Every record of an entry, or the error (nothing when the entry is malformed).
Result<std::vector<LogRecord>> decode_log_records(std::string_view export_logs_request_bytes, const SpanLimits& limits = {});

// The memory a record holds, to bound how much decoded data waits for a write.
size_t held_bytes(const LogRecord& record);

}  // namespace spanline::indexer::logs
