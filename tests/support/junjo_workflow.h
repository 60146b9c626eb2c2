#pragma once
// Junjo workflow runs made by the project, with the protobuf types, from the
// telemetry contract v2 (docs: ../shared/junjo-telemetry.md, Junjo SDK 0.63+):
// what the Junjo exporter sends for a run, so that the tests of runs, graphs and
// state steps do not depend on ../shared/fixtures/junjo (which a clone outside the
// team lacks). The runs are written from the contract, not copied from a fixture.
//
// junjo_workflow_request(): a two-node workflow, the shape of Junjo's
// basic_workflow_success: a workflow span (graph snapshot, store id, state start
// and end, revisions) and two node spans with three set_state events (one with the
// empty patch "[]"); replaying the patches on the start state gives the end state.
// junjo_concurrent_workflow_request(): a node, then a RunConcurrent with two
// branch nodes, each changing the state.
//
// Limits: fixed ids and times (options change them); one resource, scope "junjo".

#include <cstdint>
#include <string>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace spanline::testing {

struct JunjoWorkflowOptions {
  std::string trace_id_hex = "5b1a0e000000000000000000000000a1";  // 32 hex digits
  std::string service = "spanline-greeter";
  // The workflow span's start; the node spans and events follow within 400 ms.
  // Default: 2026-01-15T09:00:00Z.
  int64_t start_unix_nano = 1'768'467'600'000'000'000;
};

opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest junjo_workflow_request(const JunjoWorkflowOptions& options = {});
opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest junjo_concurrent_workflow_request(
    JunjoWorkflowOptions options = {.trace_id_hex = "5b1a0e000000000000000000000000c1", .service = "spanline-lookups"});

// Reading a request back, whoever made it.
std::string service_name_of(const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request);
int64_t span_count_of(const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request);
// The string value of a span's attribute, "" when absent or not a string.
std::string string_attribute(const opentelemetry::proto::trace::v1::Span& span, const std::string& key);

}  // namespace spanline::testing
