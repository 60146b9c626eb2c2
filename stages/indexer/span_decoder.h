#pragma once
// Turns the OTLP bytes of a WAL entry into SpanRecords: every field of the span,
// attributes of every type, events, links, resource and scope, and the Junjo
// workflow facts of both telemetry contracts (see docs/index-schema.md).
//
// Memory: the entry is walked on the wire first (span_bounds.h) and parsed one
// span at a time, each span cut to the span limits before it is parsed, so what
// a span can expand to is bounded by the limits whatever its bytes hold; the
// records themselves are a small multiple of the bytes they keep (README,
// "Hostile WAL entries").

#include <functional>
#include <string_view>
#include <vector>

#include "protocol/span_limits.h"
#include "base/status.h"
#include "stages/indexer/span_record.h"

namespace spanline::indexer {

// What a decode did beyond turning bytes into records.
struct DecodeReport {
  uint64_t spans = 0;
  uint64_t spans_trimmed = 0;  // spans past the limits, indexed with the excess in their dropped counts
  uint64_t items_dropped = 0;  // attributes, events and links those spans lost
  uint64_t resource_attributes_dropped = 0;  // resource and scope attributes past max_attributes_per_span
};

// Decodes span by span, handing each record to `each` as soon as it is made; an
// error from `each` stops the decode and is returned. invalid_argument when the
// bytes are not an ExportTraceServiceRequest; records handed out before the
// malformed part was reached are the caller's to keep or discard.
Status for_each_span(std::string_view export_trace_request_bytes, const SpanLimits& limits,
                     const std::function<Status(SpanRecord&&)>& each, DecodeReport* report = nullptr);

// Every record of an entry, or the error (nothing when the entry is malformed).
Result<std::vector<SpanRecord>> decode_spans(std::string_view export_trace_request_bytes, const SpanLimits& limits = {});

// The memory a record holds (its strings, rows and state changes), to bound
// how much decoded data waits for a write.
size_t held_bytes(const SpanRecord& record);

// String values longer than this get no key/value row (full-text search still has them).
size_t max_indexed_value_bytes();

}  // namespace spanline::indexer
