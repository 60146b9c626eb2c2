#pragma once
// A Junjo agent run made by the project, with the protobuf types, as the Junjo
// Python SDK 0.66 sends one (junjo/agent/_telemetry.py and _runtime.py: read
// from its source, not copied from a capture), so that the tests of agent
// indexing, the agent route and LLM usage do not need ../shared.
//
// junjo_agent_request(): the agent "forecaster" with a scripted model and two
// tools, failing on the second tool call's validation:
//   1 model request 1 -> tool_calls (usage in 30, out 8)
//   2 tool lookup_city {"city":"Oslo"} -> {"celsius":12.5}
//   3 model request 2 -> tool_calls (usage in 45, out 9)
//   4 tool to_fahrenheit, requested {"celsius":"warm"}: fails validation (no
//     validated arguments, result not_invoked, status error)
// then the run span (it ends last, so the SDK exports it last): outcome
// failed, termination_reason tool_input_validation_error, usage 75 in / 17
// out over 2 model responses, the tool call counters, and one junjo.hook_error
// event. The agent store's set_state events sit on the operation spans.
// With `inside_workflow`, a workflow span and a node span come first and the
// agent runs inside the node.
//
// Limits: fixed ids and times; one resource, scope "junjo".

#include <cstdint>
#include <string>

#include <vector>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "stages/indexer/span_record.h"

namespace spanline::testing {

struct JunjoAgentOptions {
  std::string trace_id_hex = "a9e0700000000000000000000000000a";  // 32 hex digits
  std::string service = "spanline-forecaster";
  int64_t start_unix_nano = 1'768'467'600'000'000'000;  // 2026-01-15T09:00:00Z
  bool inside_workflow = false;
};

// The span ids (16 hex digits) the request uses.
inline constexpr char kAgentRunSpanHex[] = "a9e07000000000a1";
inline constexpr char kAgentWorkflowSpanHex[] = "a9e07000000000f1";
inline constexpr char kAgentNodeSpanHex[] = "a9e07000000000f2";
// The operations' span ids, in sequence order.
inline constexpr const char* kAgentOperationSpanHex[] = {"a9e07000000000b1", "a9e07000000000b2", "a9e07000000000b3",
                                                         "a9e07000000000b4"};
inline constexpr char kAgentRuntimeId[] = "agent-run-7f3a";
inline constexpr char kAgentModelName[] = "scripted-forecaster";

opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest junjo_agent_request(const JunjoAgentOptions& options = {});
// The same as the indexer decodes it (empty, with a test failure, if it cannot).
std::vector<indexer::SpanRecord> junjo_agent_records(const JunjoAgentOptions& options = {});
// The record of the span `span_hex` (16 hex digits); nullptr when there is none.
const indexer::SpanRecord* record_of(const std::vector<indexer::SpanRecord>& records, const std::string& span_hex);

}  // namespace spanline::testing
