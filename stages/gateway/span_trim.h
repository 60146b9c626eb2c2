#pragma once
// The span limits (protocol/span_limits.h) applied to one parsed trace
// Export: what is past a limit is dropped, the span's (event's, link's)
// dropped_*_count says how much, and the report becomes the partial_success
// warning, so nothing is cut silently. Spans are trimmed, never rejected.

#include <cstdint>
#include <string>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "protocol/span_limits.h"

namespace spanline::gateway {

struct TrimReport {
  uint64_t spans_trimmed = 0;
  uint64_t attributes_dropped = 0;  // past the count limits or nested too deep (span, event and link attributes)
  uint64_t events_dropped = 0;
  uint64_t links_dropped = 0;
  uint64_t values_cut = 0;  // string or bytes values cut to max_attribute_value_bytes

  bool empty() const { return spans_trimmed == 0; }
  // For partial_success.error_message: what was dropped and the limits.
  std::string message(const SpanLimits& limits) const;
};

TrimReport apply_span_limits(opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request,
                             const SpanLimits& limits);

}  // namespace spanline::gateway
