#pragma once
// OTLP/JSON <-> protobuf for the three Export requests. OTLP/JSON is proto3 JSON
// with one difference that matters: trace and span ids are hex strings (any
// case), not base64. We rewrite them to base64 in a JSON tree, then let
// protobuf's own JSON parser do the rest (field names in either case, enums as
// numbers or names, 64-bit integers as strings).

#include <string>
#include <string_view>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "base/status.h"

namespace spanline::gateway {

Status parse_traces_json(std::string_view body, opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& out);
Status parse_logs_json(std::string_view body, opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest& out);
Status parse_metrics_json(std::string_view body,
                          opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest& out);

// A response or google.rpc.Status as OTLP/JSON (lowerCamelCase names).
std::string to_json(const google::protobuf::Message& message);

}  // namespace spanline::gateway
