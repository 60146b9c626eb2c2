#include "stages/gateway/span_trim.h"

namespace spanline::gateway {
namespace {

using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;
using opentelemetry::proto::trace::v1::Span;
using Attributes = google::protobuf::RepeatedPtrField<KeyValue>;

// Depth of a value: a scalar is 1, an array or list of scalars 2, and so on.
uint32_t depth_of(const AnyValue& value) {
  uint32_t deepest = 0;
  if (value.has_array_value()) {
    for (const auto& element : value.array_value().values()) deepest = std::max(deepest, depth_of(element));
  } else if (value.has_kvlist_value()) {
    for (const auto& member : value.kvlist_value().values()) deepest = std::max(deepest, depth_of(member.value()));
  } else {
    return 1;
  }
  return deepest + 1;
}

// Cuts `text` to at most `max_bytes`, never inside a UTF-8 sequence.
void cut_utf8(std::string& text, size_t max_bytes) {
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
}

// Cuts every string and bytes value in `value` (nested ones too); how many were cut.
uint64_t cut_long_values(AnyValue& value, uint64_t max_bytes) {
  if (value.has_string_value() && value.string_value().size() > max_bytes) {
    cut_utf8(*value.mutable_string_value(), max_bytes);
    return 1;
  }
  if (value.has_bytes_value() && value.bytes_value().size() > max_bytes) {
    value.mutable_bytes_value()->resize(max_bytes);
    return 1;
  }
  uint64_t cut = 0;
  if (value.has_array_value()) {
    for (auto& element : *value.mutable_array_value()->mutable_values()) cut += cut_long_values(element, max_bytes);
  } else if (value.has_kvlist_value()) {
    for (auto& member : *value.mutable_kvlist_value()->mutable_values()) cut += cut_long_values(*member.mutable_value(), max_bytes);
  }
  return cut;
}

// Applies the depth, count and value-length limits to one attribute list;
// returns how many attributes were dropped (the caller adds them to its count).
uint64_t trim_attributes(Attributes& attributes, uint32_t max_count, const SpanLimits& limits, TrimReport& report) {
  uint64_t dropped = 0;
  // Too deep first, so the count limit keeps attributes that stay.
  for (int i = attributes.size() - 1; i >= 0; --i) {
    if (depth_of(attributes.Get(i).value()) > limits.max_value_depth) {
      attributes.DeleteSubrange(i, 1);
      ++dropped;
    }
  }
  if (static_cast<uint64_t>(attributes.size()) > max_count) {
    int excess = attributes.size() - static_cast<int>(max_count);
    attributes.DeleteSubrange(static_cast<int>(max_count), excess);
    dropped += static_cast<uint64_t>(excess);
  }
  for (auto& attribute : attributes) report.values_cut += cut_long_values(*attribute.mutable_value(), limits.max_attribute_value_bytes);
  report.attributes_dropped += dropped;
  return dropped;
}

uint32_t saturating_add(uint32_t count, uint64_t more) {
  uint64_t sum = static_cast<uint64_t>(count) + more;
  return sum > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(sum);
}

// Quick test that nothing in the span can be past a limit, so the common case
// costs a few comparisons and the span (and the request's bytes) stay as sent.
bool may_exceed(const Span& span, const SpanLimits& limits) {
  if (static_cast<uint32_t>(span.attributes_size()) > limits.max_attributes_per_span ||
      static_cast<uint32_t>(span.events_size()) > limits.max_events_per_span ||
      static_cast<uint32_t>(span.links_size()) > limits.max_links_per_span) {
    return true;
  }
  auto risky = [&](const Attributes& attributes, uint32_t max_count) {
    if (static_cast<uint32_t>(attributes.size()) > max_count) return true;
    for (const auto& attribute : attributes) {
      const AnyValue& value = attribute.value();
      if (value.has_array_value() || value.has_kvlist_value()) return true;
      if (value.string_value().size() > limits.max_attribute_value_bytes ||
          value.bytes_value().size() > limits.max_attribute_value_bytes) {
        return true;
      }
    }
    return false;
  };
  if (risky(span.attributes(), limits.max_attributes_per_span)) return true;
  for (const auto& event : span.events()) {
    if (risky(event.attributes(), limits.max_attributes_per_event)) return true;
  }
  for (const auto& link : span.links()) {
    if (risky(link.attributes(), limits.max_attributes_per_link)) return true;
  }
  return false;
}

}  // namespace

TrimReport apply_span_limits(opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request,
                             const SpanLimits& limits) {
  TrimReport report;
  for (auto& resource_spans : *request.mutable_resource_spans()) {
    for (auto& scope_spans : *resource_spans.mutable_scope_spans()) {
      for (Span& span : *scope_spans.mutable_spans()) {
        if (!may_exceed(span, limits)) continue;
        const TrimReport before = report;
        uint64_t dropped = trim_attributes(*span.mutable_attributes(), limits.max_attributes_per_span, limits, report);
        span.set_dropped_attributes_count(saturating_add(span.dropped_attributes_count(), dropped));
        if (static_cast<uint32_t>(span.events_size()) > limits.max_events_per_span) {
          int excess = span.events_size() - static_cast<int>(limits.max_events_per_span);
          span.mutable_events()->DeleteSubrange(static_cast<int>(limits.max_events_per_span), excess);
          span.set_dropped_events_count(saturating_add(span.dropped_events_count(), static_cast<uint64_t>(excess)));
          report.events_dropped += static_cast<uint64_t>(excess);
        }
        for (auto& event : *span.mutable_events()) {
          uint64_t event_dropped = trim_attributes(*event.mutable_attributes(), limits.max_attributes_per_event, limits, report);
          event.set_dropped_attributes_count(saturating_add(event.dropped_attributes_count(), event_dropped));
        }
        if (static_cast<uint32_t>(span.links_size()) > limits.max_links_per_span) {
          int excess = span.links_size() - static_cast<int>(limits.max_links_per_span);
          span.mutable_links()->DeleteSubrange(static_cast<int>(limits.max_links_per_span), excess);
          span.set_dropped_links_count(saturating_add(span.dropped_links_count(), static_cast<uint64_t>(excess)));
          report.links_dropped += static_cast<uint64_t>(excess);
        }
        for (auto& link : *span.mutable_links()) {
          uint64_t link_dropped = trim_attributes(*link.mutable_attributes(), limits.max_attributes_per_link, limits, report);
          link.set_dropped_attributes_count(saturating_add(link.dropped_attributes_count(), link_dropped));
        }
        bool changed = report.attributes_dropped != before.attributes_dropped || report.events_dropped != before.events_dropped ||
                       report.links_dropped != before.links_dropped || report.values_cut != before.values_cut;
        if (changed) ++report.spans_trimmed;
      }
    }
  }
  return report;
}

std::string TrimReport::message(const SpanLimits& limits) const {
  std::string text = std::to_string(spans_trimmed) + (spans_trimmed == 1 ? " span was" : " spans were") +
                     " trimmed to the span limits (kept, with their dropped counts set):";
  std::string parts;
  auto part = [&](uint64_t n, const std::string& what) {
    if (n == 0) return;
    parts += (parts.empty() ? " " : ", ") + std::to_string(n) + " " + what;
  };
  part(attributes_dropped, "attributes dropped (at most " + std::to_string(limits.max_attributes_per_span) +
                               " per span, " + std::to_string(limits.max_attributes_per_event) + " per event or link, nested at most " +
                               std::to_string(limits.max_value_depth) + " deep)");
  part(events_dropped, "events dropped (at most " + std::to_string(limits.max_events_per_span) + " per span)");
  part(links_dropped, "links dropped (at most " + std::to_string(limits.max_links_per_span) + " per span)");
  part(values_cut, "values cut to " + std::to_string(limits.max_attribute_value_bytes) + " bytes");
  return text + parts;
}

}  // namespace spanline::gateway
