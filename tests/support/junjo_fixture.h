#pragma once
// Turns one of Junjo's contract fixtures (../shared/fixtures/junjo/*.json, spans
// already decoded into Junjo's own shape) back into the OTLP request the Junjo
// exporter would have sent: same ids, attributes with their JSON types, events,
// resource and times.

#include <string>

#include <nlohmann/json.hpp>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace spanline::testing {

nlohmann::json load_json_file(const std::string& path);
std::string junjo_fixture_path(const std::string& name);  // "basic_workflow_success"
opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest junjo_fixture_request(const nlohmann::json& fixture);
// "2026-04-05T12:00:00.150000+00:00" or "1775390400150000000" -> unix nanoseconds.
int64_t parse_time_nanos(const std::string& text);

}  // namespace spanline::testing
