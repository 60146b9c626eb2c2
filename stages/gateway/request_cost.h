#pragma once
// What parsing a request would cost in memory, learned without parsing it.
//
// Protobuf parsing expands: a 2-byte empty span becomes a few hundred bytes of
// Span object, so 16 MiB of empty spans (16 KB once gzipped) would take
// gigabytes. The gateway walks the wire format first, allocating nothing, and
// refuses a request whose parse would need more than its memory budget before
// any of it is materialised. The walk is driven by the message's descriptor, so
// one walker serves traces, logs and metrics.
//
// The estimate is an upper-bound model, not a measurement: every sub-message
// costs its type's in-memory size plus allocation and pointer overhead, every
// heap-allocated string its length plus overhead, every packed varint 8 bytes.

#include <cstdint>
#include <string_view>

#include <google/protobuf/descriptor.h>

#include "base/status.h"

namespace spanline::gateway {

struct ParseCost {
  uint64_t memory_bytes = 0;  // estimated peak memory of the parsed message
  uint64_t messages = 0;      // sub-messages (spans, attributes, values, ...)
  bool over_budget = false;   // the walk stopped early: memory_bytes passed the budget
};

// Walks `bytes` as a `type` message. invalid_argument when the bytes are not a
// well-formed protobuf of that shape (the same requests ParseFromString refuses,
// plus nesting deeper than protobuf's own limit of 100). Stops as soon as the
// estimate passes `budget_bytes` (then over_budget is set).
Result<ParseCost> estimate_protobuf_parse(std::string_view bytes, const google::protobuf::Descriptor* type,
                                          uint64_t budget_bytes);

// The same for OTLP/JSON text: the JSON document tree and the protobuf made
// from it, estimated from the text's structure (values, members, strings).
ParseCost estimate_json_parse(std::string_view text);

}  // namespace spanline::gateway
