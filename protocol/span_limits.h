#pragma once
// How much one span may carry, in the spirit of the OpenTelemetry SDK's span
// limits (attribute, event and link counts, attribute value length), plus how
// deeply an attribute value may nest. The gateway enforces them on every Export
// (trimming what is past a limit, setting the span's dropped_* counts and saying
// so in partial_success, never a silent cut); the indexer applies the same
// limits again to whatever a WAL entry holds (entries written before the limits
// existed, or by a gateway configured looser), so its memory per span is bounded
// whatever the request's shape.
//
// The defaults are looser than the SDK's (128 of each): a server must not cut
// what a well-behaved SDK sends (OpenInference flattens every message of a
// conversation into attributes, Junjo puts whole workflow states in one value).

#include <cstdint>

namespace spanline {

struct SpanLimits {
  uint32_t max_attributes_per_span = 1024;
  uint32_t max_events_per_span = 1024;
  uint32_t max_links_per_span = 1024;
  uint32_t max_attributes_per_event = 128;
  uint32_t max_attributes_per_link = 128;
  // A string or bytes value longer than this is cut to this length (strings on
  // a UTF-8 character boundary), as the SDK's attribute value length limit
  // does; the cut is named in partial_success. The request size bounds it too.
  uint64_t max_attribute_value_bytes = 4ULL << 20;
  // Array and key/value-list values nest at most this deep (a scalar is depth
  // 1); an attribute nested deeper is dropped and counted in the span's (or
  // event's, link's) dropped_attributes_count.
  uint32_t max_value_depth = 16;
};

}  // namespace spanline
