#pragma once
// Bounds what one WAL entry can expand to in the indexer, before any of it is
// parsed. (The gateway has its own wire scanner for the request-level cost,
// stages/gateway/request_cost.h; the two may be merged later.)
//
// Why: protobuf parsing allocates per message, so 16 MiB of 2-byte empty
// events becomes gigabytes of Event objects (and more of JSON). The WAL may
// hold such entries: written before the gateway enforced span limits, or by a
// gateway configured looser. So the indexer walks the wire format first,
// allocating nothing, hands out each Span's bytes on their own, and when a span
// is past the limits it rewrites the span's bytes keeping the first N of each
// repeated part and adding what it left out to the span's (or event's, link's)
// dropped_*_count, as the OpenTelemetry SDK does. Only the bounded copy is ever
// parsed.
//
// What is bounded (limits from protocol/span_limits.h):
//   span attributes, events, links: the first max_*_per_span are kept;
//   each kept event's and link's attributes: the first max_attributes_per_{event,link};
//   an attribute whose value nests deeper than max_value_depth is dropped;
//   an attribute whose array/kvlist values would take the span past
//   kMaxNestedValuesPerSpan nested values in all is dropped;
//   resource and scope attributes: the first max_attributes_per_span.
// Strings are not cut here: their memory is a small multiple of their bytes.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "protocol/span_limits.h"
#include "base/status.h"

namespace spanline::indexer {

// Array elements and kvlist entries (at any depth) that the attribute values of
// one span, its events and its links may hold in all. The span limits count
// attributes, not what is inside a value, and 8 million empty array elements
// are as costly as 8 million events. 65,536 leaves room for embedding vectors
// (OpenInference records them as arrays of 1,536 or 3,072 floats).
constexpr uint64_t kMaxNestedValuesPerSpan = 65536;

// What was left out of one span to fit the limits.
struct SpanTrim {
  uint64_t attributes = 0;        // span attributes (past the count, too deep, too many nested values)
  uint64_t events = 0;
  uint64_t links = 0;
  uint64_t event_attributes = 0;  // attributes left out of the events kept
  uint64_t link_attributes = 0;   // attributes left out of the links kept
  bool any() const { return attributes + events + links + event_attributes + link_attributes > 0; }
};

// The bytes of one Span message within `limits`: `span` itself when it already
// is (nothing copied), else a trimmed copy written into `scratch`, with the
// dropped counts raised by what was left out (recorded in `trim`).
// invalid_argument when the bytes are not a well-formed Span.
Result<std::string_view> bound_span(std::string_view span, const SpanLimits& limits, std::string& scratch, SpanTrim& trim);

// The same for a Resource and an InstrumentationScope: their attributes are cut
// to max_attributes_per_span; `dropped` counts the attributes left out.
Result<std::string_view> bound_resource(std::string_view resource, const SpanLimits& limits, std::string& scratch, uint64_t& dropped);
Result<std::string_view> bound_scope(std::string_view scope, const SpanLimits& limits, std::string& scratch, uint64_t& dropped);

// A message other than a span whose bounded parts are its attributes and,
// optionally, one AnyValue field (a log record: attributes and body).
struct MessageBounds {
  uint32_t attributes_field = 0;
  uint32_t dropped_attributes_field = 0;
  uint64_t max_attributes = 0;
  uint32_t value_field = 0;  // an AnyValue bounded like an attribute's value; 0 when none
};
// What was left out of such a message.
struct MessageTrim {
  uint64_t attributes = 0;     // past the count, too deep, too many nested values (added to its dropped count)
  bool value_dropped = false;  // the value field nested too deep or held too many values: left out whole
  bool any() const { return attributes > 0 || value_dropped; }
};
// The bytes of `message` within those bounds, as bound_span() does for spans:
// the value field and the attributes share one budget of
// kMaxNestedValuesPerSpan nested values (the value is checked first).
Result<std::string_view> bound_message(std::string_view message, const MessageBounds& bounds, const SpanLimits& limits,
                                       std::string& scratch, MessageTrim& trim);

// The parts of an ExportTraceServiceRequest, walked in order without parsing.
// (An ExportLogsServiceRequest has the same layout, with ResourceLogs,
// ScopeLogs and LogRecords at the same field numbers: the same walk visits
// its log records.)
// Before the first span of a ResourceSpans comes its resource's bytes, before
// the first span of a ScopeSpans its scope's (every occurrence of the field
// joined, which is how protobuf merges them; an empty view when absent), each
// with the schema_url of its ResourceSpans / ScopeSpans (the last occurrence,
// as protobuf keeps it), then each span's bytes. Resources and scopes without
// spans are not visited, so millions of empty ones cost a walk, not a parse
// each. A callback's error stops the walk and is returned.
struct RequestVisitor {
  std::function<Status(std::string_view resource, std::string_view schema_url)> resource;
  std::function<Status(std::string_view scope, std::string_view schema_url)> scope;
  std::function<Status(std::string_view span)> span;
};
// invalid_argument when the bytes are not a well-formed ExportTraceServiceRequest
// (as far as the walk goes: a Span's inside is checked by bound_span and the parse).
Status walk_export_request(std::string_view request, const RequestVisitor& visitor);

}  // namespace spanline::indexer
