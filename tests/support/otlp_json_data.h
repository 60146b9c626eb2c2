#pragma once
// OTLP/JSON made by the project: a writer from the protobuf request to OTLP/JSON
// (the OTLP/HTTP JSON encoding: ids as hex, 64-bit integers as strings, enums as
// numbers, lowerCamelCase names), and small requests in the shape of the official
// examples in ../shared/fixtures/otlp, so the JSON paths are tested on a clone
// without ../shared too.

#include <string>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace spanline::testing {

struct OtlpJsonOptions {
  bool upper_case_ids = false;  // OTLP/JSON ids are case-insensitive on input; the official example uses upper case.
};

std::string to_otlp_json(const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request,
                         const OtlpJsonOptions& options = {});

// One SERVER span with a parent, a span attribute, and a scope with a name, a
// version and an attribute, under a resource with service.name: the shape of the
// official trace example.
opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest example_trace_request();
// Logs (a record with a body, severity, attributes, trace context) and metrics
// (a gauge, a monotonic sum and a histogram), as OTLP/JSON text.
std::string example_logs_json();
std::string example_metrics_json();

}  // namespace spanline::testing
