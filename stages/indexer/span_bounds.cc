#include "stages/indexer/span_bounds.h"

#include <algorithm>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

namespace spanline::indexer {
namespace {

using google::protobuf::internal::WireFormatLite;

constexpr uint32_t kVarint = WireFormatLite::WIRETYPE_VARINT;
constexpr uint32_t kLengthDelimited = WireFormatLite::WIRETYPE_LENGTH_DELIMITED;

// Field numbers, from proto/opentelemetry/proto/{collector/trace,trace,common,resource}/v1/*.proto.
namespace field {
constexpr uint32_t kRequestResourceSpans = 1;
constexpr uint32_t kResourceSpansResource = 1, kResourceSpansScopeSpans = 2, kResourceSpansSchemaUrl = 3;
constexpr uint32_t kScopeSpansScope = 1, kScopeSpansSpans = 2, kScopeSpansSchemaUrl = 3;
constexpr uint32_t kResourceAttributes = 1, kResourceDropped = 2;
constexpr uint32_t kScopeAttributes = 3, kScopeDropped = 4;
constexpr uint32_t kSpanAttributes = 9, kSpanDroppedAttributes = 10, kSpanEvents = 11, kSpanDroppedEvents = 12,
                   kSpanLinks = 13, kSpanDroppedLinks = 14;
constexpr uint32_t kEventAttributes = 3, kEventDropped = 4;
constexpr uint32_t kLinkAttributes = 4, kLinkDropped = 5;
constexpr uint32_t kKeyValueValue = 2;
constexpr uint32_t kAnyValueArray = 5, kAnyValueKvlist = 6;
constexpr uint32_t kListValues = 1;  // ArrayValue.values and KeyValueList.values
}  // namespace field

Status malformed() { return Status(Code::invalid_argument, "WAL entry is not an ExportTraceServiceRequest"); }

// One field read off a message's bytes, pointing into them.
struct Field {
  uint32_t number = 0;
  uint32_t wire_type = 0;
  std::string_view raw;      // the whole field, tag included, to copy it through
  std::string_view payload;  // a length-delimited field's bytes
  uint64_t varint = 0;       // a varint field's value
};

// Reads a message's fields one by one without allocating: CodedInputStream
// checks every tag, length and varint, and skips groups and fixed fields.
class FieldReader {
 public:
  explicit FieldReader(std::string_view bytes)
      : bytes_(bytes), input_(reinterpret_cast<const uint8_t*>(bytes.data()), static_cast<int>(bytes.size())) {}

  // The next field into `field`; false at the end; invalid_argument when malformed.
  Result<bool> next(Field& field) {
    const int start = input_.CurrentPosition();
    if (static_cast<size_t>(start) >= bytes_.size()) return false;
    const uint32_t tag = input_.ReadTag();
    field.number = WireFormatLite::GetTagFieldNumber(tag);
    field.wire_type = WireFormatLite::GetTagWireType(tag);
    if (field.number == 0) return malformed();
    if (field.wire_type == kLengthDelimited) {
      uint32_t length = 0;
      if (!input_.ReadVarint32(&length)) return malformed();
      const int at = input_.CurrentPosition();
      if (length > static_cast<uint32_t>(INT32_MAX) || !input_.Skip(static_cast<int>(length))) return malformed();
      field.payload = bytes_.substr(static_cast<size_t>(at), length);
    } else if (field.wire_type == kVarint) {
      if (!input_.ReadVarint64(&field.varint)) return malformed();
    } else if (!WireFormatLite::SkipField(&input_, tag)) {
      return malformed();
    }
    field.raw = bytes_.substr(static_cast<size_t>(start), static_cast<size_t>(input_.CurrentPosition() - start));
    return true;
  }

 private:
  std::string_view bytes_;
  google::protobuf::io::CodedInputStream input_;
};

void append_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void append_length_delimited(std::string& out, uint32_t number, std::string_view payload) {
  append_varint(out, WireFormatLite::MakeTag(static_cast<int>(number), WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
  append_varint(out, payload.size());
  out.append(payload);
}

// A uint32 dropped count as the sender's value plus what was left out here, saturating.
void append_dropped_count(std::string& out, uint32_t number, uint64_t sent, uint64_t left_out) {
  const uint64_t total = std::min<uint64_t>(sent + left_out, UINT32_MAX);
  if (total == 0) return;
  append_varint(out, WireFormatLite::MakeTag(static_cast<int>(number), WireFormatLite::WIRETYPE_VARINT));
  append_varint(out, total);
}

// Whether an AnyValue at `depth` (a top-level value is depth 1) nests no
// deeper than `max_depth` and holds at most `budget` nested values, which it
// takes from `budget`. Stops at the first value past either, so the walk of one
// attribute is bounded by the limits, not by its bytes.
Result<bool> value_fits(std::string_view any_value, uint32_t depth, uint32_t max_depth, uint64_t& budget) {
  FieldReader value(any_value);
  Field f;
  for (;;) {
    auto more = value.next(f);
    if (!more) return more.status();
    if (!*more) return true;
    if (f.wire_type != kLengthDelimited || (f.number != field::kAnyValueArray && f.number != field::kAnyValueKvlist)) continue;
    FieldReader list(f.payload);
    Field item;
    for (;;) {
      auto next = list.next(item);
      if (!next) return next.status();
      if (!*next) break;
      if (item.number != field::kListValues || item.wire_type != kLengthDelimited) continue;
      if (budget == 0 || depth + 1 > max_depth) return false;
      --budget;
      if (f.number == field::kAnyValueArray) {
        auto fits = value_fits(item.payload, depth + 1, max_depth, budget);
        if (!fits || !*fits) return fits;
        continue;
      }
      // A kvlist entry is a KeyValue: its value (every occurrence: protobuf merges them).
      FieldReader key_value(item.payload);
      Field part;
      for (;;) {
        auto part_more = key_value.next(part);
        if (!part_more) return part_more.status();
        if (!*part_more) break;
        if (part.number != field::kKeyValueValue || part.wire_type != kLengthDelimited) continue;
        auto fits = value_fits(part.payload, depth + 1, max_depth, budget);
        if (!fits || !*fits) return fits;
      }
    }
  }
}

// Whether one KeyValue's value fits (see value_fits); takes its nested values
// from `budget` only when it does.
Result<bool> attribute_fits(std::string_view key_value, uint32_t max_depth, uint64_t& budget) {
  uint64_t left = budget;
  FieldReader reader(key_value);
  Field f;
  for (;;) {
    auto more = reader.next(f);
    if (!more) return more.status();
    if (!*more) break;
    if (f.number != field::kKeyValueValue || f.wire_type != kLengthDelimited) continue;
    auto fits = value_fits(f.payload, 1, max_depth, left);
    if (!fits || !*fits) return fits;
  }
  budget = left;
  return true;
}

// A message whose only bounded part is its attributes (an event, a link, a
// resource, a scope) copied into `out` with at most `max_attributes` of them
// and each within the value limits; `dropped` counts those left out. Returns
// whether anything was left out (when not, `out` is not meant to be used).
Result<bool> bound_attributes(std::string_view message, uint32_t attributes_field, uint32_t dropped_field, uint64_t max_attributes,
                              uint32_t max_depth, uint64_t& budget, std::string& out, uint64_t& dropped) {
  out.clear();
  dropped = 0;
  uint64_t kept = 0, sent_dropped = 0;
  FieldReader reader(message);
  Field f;
  for (;;) {
    auto more = reader.next(f);
    if (!more) return more.status();
    if (!*more) break;
    if (f.number == attributes_field && f.wire_type == kLengthDelimited) {
      if (kept >= max_attributes) {
        ++dropped;
        continue;
      }
      auto fits = attribute_fits(f.payload, max_depth, budget);
      if (!fits) return fits.status();
      if (!*fits) {
        ++dropped;
        continue;
      }
      ++kept;
    } else if (f.number == dropped_field && f.wire_type == kVarint) {
      sent_dropped = static_cast<uint32_t>(f.varint);  // the last occurrence wins, as in protobuf
      continue;                                        // written once at the end
    }
    out.append(f.raw);
  }
  if (dropped > 0) append_dropped_count(out, dropped_field, sent_dropped, dropped);
  return dropped > 0;
}

Result<std::string_view> bound_attributes_only(std::string_view message, uint32_t attributes_field, uint32_t dropped_field,
                                               const SpanLimits& limits, std::string& scratch, uint64_t& dropped) {
  uint64_t budget = kMaxNestedValuesPerSpan;
  auto changed = bound_attributes(message, attributes_field, dropped_field, limits.max_attributes_per_span, limits.max_value_depth,
                                  budget, scratch, dropped);
  if (!changed) return changed.status();
  return *changed ? std::string_view(scratch) : message;
}

// Walks every field of `message`; an error from `each` stops the walk.
template <typename Each>
Status for_each_field(std::string_view message, Each each) {
  FieldReader reader(message);
  Field f;
  for (;;) {
    auto more = reader.next(f);
    if (!more) return more.status();
    if (!*more) return Status::ok();
    if (Status s = each(f); !s.is_ok()) return s;
  }
}

// Walks the fields `number` of `message` that are length-delimited.
template <typename Each>
Status for_each(std::string_view message, uint32_t number, Each each) {
  return for_each_field(message, [&](const Field& f) {
    return f.number != number || f.wire_type != kLengthDelimited ? Status::ok() : each(f.payload);
  });
}

// Every occurrence of the singular message field `number` joined (protobuf
// merges them); a view of the one occurrence when there is one.
Result<std::string_view> joined(std::string_view message, uint32_t number, std::string& storage) {
  std::string_view found;
  size_t occurrences = 0;
  Status walked = for_each(message, number, [&](std::string_view payload) {
    if (++occurrences == 1) {
      found = payload;
      return Status::ok();
    }
    if (occurrences == 2) storage.assign(found);
    storage.append(payload);
    found = storage;
    return Status::ok();
  });
  if (!walked.is_ok()) return walked;
  return found;
}

// The singular string field `number` of `message`: its last occurrence wins,
// as protobuf parses it; empty when absent.
Result<std::string_view> last_string(std::string_view message, uint32_t number) {
  std::string_view found;
  Status walked = for_each(message, number, [&](std::string_view payload) {
    found = payload;
    return Status::ok();
  });
  if (!walked.is_ok()) return walked;
  return found;
}

}  // namespace

Result<std::string_view> bound_span(std::string_view span, const SpanLimits& limits, std::string& scratch, SpanTrim& trim) {
  trim = SpanTrim{};
  scratch.clear();
  uint64_t budget = kMaxNestedValuesPerSpan;
  uint64_t attributes_kept = 0, events_kept = 0, links_kept = 0;
  uint64_t sent_dropped_attributes = 0, sent_dropped_events = 0, sent_dropped_links = 0;
  std::string child;
  FieldReader reader(span);
  Field f;
  for (;;) {
    auto more = reader.next(f);
    if (!more) return more.status();
    if (!*more) break;
    if (f.wire_type == kVarint) {
      // The sender's dropped counts are written once at the end, with ours added.
      if (f.number == field::kSpanDroppedAttributes) {
        sent_dropped_attributes = static_cast<uint32_t>(f.varint);
        continue;
      }
      if (f.number == field::kSpanDroppedEvents) {
        sent_dropped_events = static_cast<uint32_t>(f.varint);
        continue;
      }
      if (f.number == field::kSpanDroppedLinks) {
        sent_dropped_links = static_cast<uint32_t>(f.varint);
        continue;
      }
    }
    if (f.wire_type != kLengthDelimited) {
      scratch.append(f.raw);
      continue;
    }
    if (f.number == field::kSpanAttributes) {
      if (attributes_kept >= limits.max_attributes_per_span) {
        ++trim.attributes;
        continue;
      }
      auto fits = attribute_fits(f.payload, limits.max_value_depth, budget);
      if (!fits) return fits.status();
      if (!*fits) {
        ++trim.attributes;
        continue;
      }
      ++attributes_kept;
      scratch.append(f.raw);
    } else if (f.number == field::kSpanEvents || f.number == field::kSpanLinks) {
      const bool event = f.number == field::kSpanEvents;
      uint64_t& kept = event ? events_kept : links_kept;
      if (kept >= (event ? limits.max_events_per_span : limits.max_links_per_span)) {
        ++(event ? trim.events : trim.links);
        continue;
      }
      ++kept;
      uint64_t dropped = 0;
      auto changed = event ? bound_attributes(f.payload, field::kEventAttributes, field::kEventDropped, limits.max_attributes_per_event,
                                              limits.max_value_depth, budget, child, dropped)
                           : bound_attributes(f.payload, field::kLinkAttributes, field::kLinkDropped, limits.max_attributes_per_link,
                                              limits.max_value_depth, budget, child, dropped);
      if (!changed) return changed.status();
      if (*changed) {
        (event ? trim.event_attributes : trim.link_attributes) += dropped;
        append_length_delimited(scratch, f.number, child);
      } else {
        scratch.append(f.raw);
      }
    } else {
      scratch.append(f.raw);
    }
  }
  if (!trim.any()) return span;
  append_dropped_count(scratch, field::kSpanDroppedAttributes, sent_dropped_attributes, trim.attributes);
  append_dropped_count(scratch, field::kSpanDroppedEvents, sent_dropped_events, trim.events);
  append_dropped_count(scratch, field::kSpanDroppedLinks, sent_dropped_links, trim.links);
  return std::string_view(scratch);
}

Result<std::string_view> bound_resource(std::string_view resource, const SpanLimits& limits, std::string& scratch, uint64_t& dropped) {
  return bound_attributes_only(resource, field::kResourceAttributes, field::kResourceDropped, limits, scratch, dropped);
}

Result<std::string_view> bound_scope(std::string_view scope, const SpanLimits& limits, std::string& scratch, uint64_t& dropped) {
  return bound_attributes_only(scope, field::kScopeAttributes, field::kScopeDropped, limits, scratch, dropped);
}

Result<std::string_view> bound_message(std::string_view message, const MessageBounds& bounds, const SpanLimits& limits,
                                       std::string& scratch, MessageTrim& trim) {
  trim = MessageTrim{};
  uint64_t budget = kMaxNestedValuesPerSpan;
  if (bounds.value_field != 0) {
    // Every occurrence of the value is checked (protobuf merges them); one that does not fit drops them all.
    Status walked = for_each(message, bounds.value_field, [&](std::string_view value) {
      if (trim.value_dropped) return Status::ok();
      uint64_t left = budget;
      auto fits = value_fits(value, 1, limits.max_value_depth, left);
      if (!fits) return fits.status();
      if (*fits) budget = left;
      else trim.value_dropped = true;
      return Status::ok();
    });
    if (!walked.is_ok()) return walked;
  }
  std::string without_value;
  std::string_view rest = message;
  if (trim.value_dropped) {
    // Every field but the value's, copied through.
    Status copied = for_each_field(message, [&](const Field& f) {
      if (f.number != bounds.value_field || f.wire_type != kLengthDelimited) without_value.append(f.raw);
      return Status::ok();
    });
    if (!copied.is_ok()) return copied;
    rest = without_value;
  }
  auto changed = bound_attributes(rest, bounds.attributes_field, bounds.dropped_attributes_field, bounds.max_attributes,
                                  limits.max_value_depth, budget, scratch, trim.attributes);
  if (!changed) return changed.status();
  if (*changed) return std::string_view(scratch);
  if (!trim.value_dropped) return message;
  scratch = std::move(without_value);
  return std::string_view(scratch);
}

Status walk_export_request(std::string_view request, const RequestVisitor& visitor) {
  return for_each(request, field::kRequestResourceSpans, [&](std::string_view resource_spans) {
    std::string resource_storage;
    auto resource = joined(resource_spans, field::kResourceSpansResource, resource_storage);
    if (!resource) return resource.status();
    auto resource_schema_url = last_string(resource_spans, field::kResourceSpansSchemaUrl);
    if (!resource_schema_url) return resource_schema_url.status();
    bool resource_visited = false;
    return for_each(resource_spans, field::kResourceSpansScopeSpans, [&](std::string_view scope_spans) {
      std::string scope_storage;
      auto scope = joined(scope_spans, field::kScopeSpansScope, scope_storage);
      if (!scope) return scope.status();
      auto scope_schema_url = last_string(scope_spans, field::kScopeSpansSchemaUrl);
      if (!scope_schema_url) return scope_schema_url.status();
      bool scope_visited = false;
      return for_each(scope_spans, field::kScopeSpansSpans, [&](std::string_view span) {
        if (!resource_visited) {
          resource_visited = true;
          if (Status s = visitor.resource(*resource, *resource_schema_url); !s.is_ok()) return s;
        }
        if (!scope_visited) {
          scope_visited = true;
          if (Status s = visitor.scope(*scope, *scope_schema_url); !s.is_ok()) return s;
        }
        return visitor.span(span);
      });
    });
  });
}

}  // namespace spanline::indexer
