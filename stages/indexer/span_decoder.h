#pragma once
// Turns the OTLP bytes of a WAL entry into SpanRecords: every field of the span,
// attributes of every type, events, links, resource and scope, and the Junjo
// workflow facts of both telemetry contracts (see docs/index-schema.md).

#include <string_view>
#include <vector>

#include "stages/common/status.h"
#include "stages/indexer/span_record.h"

namespace spanline::indexer {

Result<std::vector<SpanRecord>> decode_spans(std::string_view export_trace_request_bytes);

// String values longer than this get no key/value row (full-text search still has them).
size_t max_indexed_value_bytes();

}  // namespace spanline::indexer
