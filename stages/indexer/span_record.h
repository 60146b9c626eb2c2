#pragma once
// One OTLP span flattened for the index: typed columns for what is filtered and
// sorted, JSON for the rest, plus the attribute values as typed rows and the
// Junjo facts found on it. Produced by decode_spans(), consumed by the shard.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace spanline::indexer {

// The type an attribute value had on the wire; kept so that numeric filters
// compare numbers and `http.status_code=500` does not match the string "500".
enum class ValueType : uint8_t { string = 1, boolean = 2, integer = 3, floating = 4, array = 5, kvlist = 6, bytes = 7 };

struct AttributeRow {
  std::string key;
  ValueType type = ValueType::string;
  std::string text;        // string value, or JSON for arrays and kvlists, or hex for bytes
  double number = 0;       // int, double, bool as a number
  bool on_event = false;   // from an event's attributes
};

// A set_state event of Junjo: one step of a workflow's state.
struct StateChange {
  int event_index = 0;
  int64_t time_ns = 0;
  std::optional<int64_t> transition_sequence;  // contract v2
  std::string store_id;
  std::string store_name;
  std::string action;
  std::string patch;  // RFC 6902 patch as JSON text ("{}" or "[]" when nothing changed)
  std::optional<int64_t> revision_before, revision_after;
};

// What an agent run span says beyond what every run has (Junjo SDK 0.66,
// junjo.agent.*): its key, outcome, why it ended, the usage it summed, its
// counters and limits, and its terminal commit failure (if any).
struct AgentRunFacts {
  std::string key;
  std::string outcome;             // completed, failed, cancelled; empty while unknown
  std::string termination_reason;  // final_output, tool_input_validation_error, ...
  std::string usage;               // junjo.agent.usage as sent: JSON text
  std::string counts;              // JSON object text: operation and tool call counters, limits
  std::string terminal_commit_failure;  // JSON object text of the event; empty when none
};

// What a run span says about its run: a workflow, a subflow or an agent.
struct WorkflowFacts {
  std::string span_type;  // workflow, subflow or agent
  int contract_version = 1;
  // The executable's runtime id: junjo.executable_runtime_id (contract 2),
  // junjo.id (contract 1), junjo.agent.runtime_id (agents).
  std::string runtime_id;
  std::string hook_errors;  // JSON array text of the span's junjo.hook_error events; empty when none
  std::optional<AgentRunFacts> agent;
  std::string store_id;
  std::string parent_store_id;
  std::string state_start, state_end;
  std::string graph;         // as sent
  std::string graph_format;  // "v1-graph_structure" or "v2-execution_graph_snapshot", empty if none
  int64_t node_count = -1;
  bool cancelled = false;
};

// One operation of an agent run: a model request or a tool call (its own
// span, a child of the run span), with what the agent runtime recorded on it.
struct AgentOperationFacts {
  std::string runtime_id;  // the agent run's (junjo.agent.runtime_id)
  std::optional<int64_t> sequence;  // junjo.agent.operation.sequence: the order within the run
  std::string type;        // model_request or tool_call (the SDK sends "tool")
  bool cancelled = false;
  // Model requests.
  std::optional<int64_t> model_ordinal, state_revision;
  std::string model_provider, model_name, response_type;
  std::string usage;  // junjo.agent.model.usage as sent: JSON text
  // Tool calls.
  std::string tool_name, tool_call_id;
  std::optional<int64_t> tool_call_ordinal, state_revision_before, state_revision_after;
  std::string requested_arguments, arguments, result;  // JSON text as sent; arguments: as validated
  std::string result_unavailable_reason;               // e.g. not_invoked when the arguments failed validation
};

struct SpanRecord {
  std::string trace_id;  // 16 bytes
  std::string span_id;   // 8 bytes
  std::string parent_span_id;
  std::string service;
  std::string name;
  int kind = 0;
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  int status_code = 0;
  std::string status_message;
  std::string trace_state;
  uint32_t flags = 0;
  std::string scope_name, scope_version;
  std::string attributes_json, events_json, links_json, resource_json, scope_json;
  // As sent, plus what the indexer left out to fit the span limits (span_bounds.h).
  uint32_t dropped_attributes_count = 0, dropped_events_count = 0, dropped_links_count = 0;
  std::vector<AttributeRow> attributes;  // span and event attributes, typed
  std::string junjo_span_type;           // empty when not a Junjo span
  std::optional<WorkflowFacts> workflow;
  std::optional<AgentOperationFacts> agent_operation;
  std::vector<StateChange> state_changes;
};

}  // namespace spanline::indexer
