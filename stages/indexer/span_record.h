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

// What a workflow or subflow span says about its run.
struct WorkflowFacts {
  std::string span_type;  // workflow or subflow
  int contract_version = 1;
  std::string store_id;
  std::string parent_store_id;
  std::string state_start, state_end;
  std::string graph;         // as sent
  std::string graph_format;  // "v1-graph_structure" or "v2-execution_graph_snapshot", empty if none
  int64_t node_count = -1;
  bool cancelled = false;
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
  std::vector<StateChange> state_changes;
};

}  // namespace spanline::indexer
