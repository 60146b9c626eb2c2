#include "stages/indexer/span_decoder.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "base/hex.h"
#include "stages/indexer/otlp_values.h"
#include "stages/indexer/span_bounds.h"

namespace spanline::indexer {
namespace {

using nlohmann::json;
using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;

// Values longer than this still reach full-text search but get no key/value
// row: nobody filters on a whole prompt by equality, and the rows are the main
// cost of indexing.
constexpr size_t kMaxIndexedValueBytes = 256;

std::optional<int64_t> int_of(const google::protobuf::RepeatedPtrField<KeyValue>& attributes, std::string_view key) {
  const AnyValue* value = find(attributes, key);
  if (value == nullptr) return std::nullopt;
  if (value->has_int_value()) return value->int_value();
  if (value->has_double_value()) {
    // Casting a NaN, an infinity or a double beyond int64 is undefined behaviour.
    constexpr double kTwoTo63 = 9223372036854775808.0;
    const double number = value->double_value();
    if (!(number >= -kTwoTo63 && number < kTwoTo63)) return std::nullopt;
    return static_cast<int64_t>(number);
  }
  if (value->has_string_value()) {
    try {
      return std::stoll(value->string_value());
    } catch (...) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

bool bool_of(const google::protobuf::RepeatedPtrField<KeyValue>& attributes, std::string_view key) {
  const AnyValue* value = find(attributes, key);
  if (value == nullptr) return false;
  if (value->has_bool_value()) return value->bool_value();
  if (value->has_string_value()) return value->string_value() == "true";
  return false;
}

Status not_otlp() { return Status(Code::invalid_argument, "WAL entry is not an ExportTraceServiceRequest"); }

// The events named `name` as a JSON array of {time_ns, <attribute key
// without `prefix`>: value}.
json events_named(const opentelemetry::proto::trace::v1::Span& span, std::string_view name, std::string_view prefix) {
  json found = json::array();
  for (const auto& event : span.events()) {
    if (event.name() != name) continue;
    json item = {{"time_ns", static_cast<int64_t>(event.time_unix_nano())}};
    for (const auto& kv : event.attributes()) {
      std::string_view key = kv.key();
      if (key.substr(0, prefix.size()) == prefix) key.remove_prefix(prefix.size());
      item[std::string(key)] = to_json(kv.value());
    }
    found.push_back(std::move(item));
  }
  return found;
}

// What every run span has, whatever its type.
WorkflowFacts run_facts(const opentelemetry::proto::trace::v1::Span& span) {
  const auto& attributes = span.attributes();
  WorkflowFacts facts;
  facts.span_type = string_of(attributes, "junjo.span_type");
  facts.contract_version = static_cast<int>(int_of(attributes, "junjo.telemetry.contract_version").value_or(1));
  facts.runtime_id = string_of(attributes, "junjo.executable_runtime_id");
  if (facts.runtime_id.empty()) facts.runtime_id = string_of(attributes, "junjo.id");
  facts.cancelled = bool_of(attributes, "junjo.cancelled");
  if (json hooks = events_named(span, "junjo.hook_error", "junjo.hook."); !hooks.empty()) facts.hook_errors = dump(hooks);
  return facts;
}

// An agent run span (SDK 0.66): the run's facts, its state in the columns
// workflows use, and the agent's own.
WorkflowFacts agent_run(const opentelemetry::proto::trace::v1::Span& span) {
  const auto& attributes = span.attributes();
  WorkflowFacts facts = run_facts(span);
  if (std::string id = string_of(attributes, "junjo.agent.runtime_id"); !id.empty()) facts.runtime_id = std::move(id);
  facts.store_id = string_of(attributes, "junjo.agent.store.id");
  facts.state_start = string_of(attributes, "junjo.agent.state.start");
  facts.state_end = string_of(attributes, "junjo.agent.state.end");
  AgentRunFacts agent;
  agent.key = string_of(attributes, "junjo.agent.key");
  agent.outcome = string_of(attributes, "junjo.agent.outcome");
  agent.termination_reason = string_of(attributes, "junjo.agent.termination_reason");
  agent.usage = string_of(attributes, "junjo.agent.usage");
  facts.cancelled = facts.cancelled || agent.outcome == "cancelled";
  // The counters and limits, under the names the api gives them.
  static constexpr std::pair<std::string_view, std::string_view> kCounts[] = {
      {"operations", "junjo.agent.operation.count"},
      {"model_requests", "junjo.agent.model_request.count"},
      {"tool_calls_requested", "junjo.agent.tool_call.requested_count"},
      {"tool_calls_admitted", "junjo.agent.tool_call.admitted_count"},
      {"tool_calls_started", "junjo.agent.tool_call.started_count"},
      {"tool_calls_completed", "junjo.agent.tool_call.completed_count"},
      {"limit_model_requests", "junjo.agent.limit.model_requests"},
      {"limit_tool_calls", "junjo.agent.limit.tool_calls"},
      {"limit_attempted_count", "junjo.agent.limit.attempted_count"},
  };
  json counts = json::object();
  for (const auto& [name, key] : kCounts) {
    if (auto value = int_of(attributes, key)) counts[std::string(name)] = *value;
  }
  if (std::string exceeded = string_of(attributes, "junjo.agent.limit.exceeded"); !exceeded.empty()) counts["limit_exceeded"] = exceeded;
  agent.counts = dump(counts);
  // The SDK records at most one; the last stands if a span has several.
  json failures = events_named(span, "junjo.agent.terminal_commit_failed", "junjo.agent.");
  if (!failures.empty()) agent.terminal_commit_failure = dump(failures.back());
  facts.agent = std::move(agent);
  return facts;
}

// A model request or tool call span of an agent run.
AgentOperationFacts agent_operation(const google::protobuf::RepeatedPtrField<KeyValue>& attributes) {
  AgentOperationFacts op;
  op.runtime_id = string_of(attributes, "junjo.agent.runtime_id");
  op.sequence = int_of(attributes, "junjo.agent.operation.sequence");
  op.type = string_of(attributes, "junjo.agent.operation_type");
  if (op.type == "tool") op.type = "tool_call";  // one name for the kind, as the api lists it
  op.cancelled = bool_of(attributes, "junjo.cancelled");
  op.model_ordinal = int_of(attributes, "junjo.agent.model_request.ordinal");
  op.state_revision = int_of(attributes, "junjo.agent.model_request.state_revision");
  op.model_provider = string_of(attributes, "junjo.agent.model.provider");
  op.model_name = string_of(attributes, "junjo.agent.model.name");
  op.response_type = string_of(attributes, "junjo.agent.model.response_type");
  op.usage = string_of(attributes, "junjo.agent.model.usage");
  op.tool_name = string_of(attributes, "junjo.agent.tool.name");
  op.tool_call_id = string_of(attributes, "junjo.agent.tool_call.id");
  op.tool_call_ordinal = int_of(attributes, "junjo.agent.tool_call.ordinal");
  op.state_revision_before = int_of(attributes, "junjo.agent.tool.state_revision.before");
  op.state_revision_after = int_of(attributes, "junjo.agent.tool.state_revision.after");
  op.requested_arguments = string_of(attributes, "junjo.agent.tool.requested_arguments");
  op.arguments = string_of(attributes, "junjo.agent.tool.arguments");
  op.result = string_of(attributes, "junjo.agent.tool.result");
  op.result_unavailable_reason = string_of(attributes, "junjo.agent.tool.result_candidate.unavailable_reason");
  return op;
}

void read_junjo(const opentelemetry::proto::trace::v1::Span& span, SpanRecord& record) {
  const auto& attributes = span.attributes();
  record.junjo_span_type = string_of(attributes, "junjo.span_type");
  for (int i = 0; i < span.events_size(); ++i) {
    const auto& event = span.events(i);
    if (event.name() != "set_state") continue;
    StateChange change;
    change.event_index = i;
    change.time_ns = static_cast<int64_t>(event.time_unix_nano());
    change.transition_sequence = int_of(event.attributes(), "junjo.store.transition.sequence");
    change.store_id = string_of(event.attributes(), "junjo.store.id");
    change.store_name = string_of(event.attributes(), "junjo.store.name");
    change.action = string_of(event.attributes(), "junjo.store.action");
    change.patch = string_of(event.attributes(), "junjo.state_json_patch");
    change.revision_before = int_of(event.attributes(), "junjo.store.revision.before");
    change.revision_after = int_of(event.attributes(), "junjo.store.revision.after");
    record.state_changes.push_back(std::move(change));
  }
  if (record.junjo_span_type == "agent") {
    record.workflow = agent_run(span);
    return;
  }
  if (record.junjo_span_type.empty() && find(attributes, "junjo.agent.operation_type") != nullptr) {
    record.agent_operation = agent_operation(attributes);
    return;
  }
  if (record.junjo_span_type != "workflow" && record.junjo_span_type != "subflow") return;
  WorkflowFacts facts = run_facts(span);
  facts.store_id = string_of(attributes, "junjo.workflow.store.id");
  facts.parent_store_id = string_of(attributes, "junjo.workflow.parent_store.id");
  facts.state_start = string_of(attributes, "junjo.workflow.state.start");
  facts.state_end = string_of(attributes, "junjo.workflow.state.end");
  facts.node_count = int_of(attributes, "junjo.workflow.node.count").value_or(-1);
  if (std::string v2 = string_of(attributes, "junjo.workflow.execution_graph_snapshot"); !v2.empty()) {
    facts.graph = std::move(v2);
    facts.graph_format = "v2-execution_graph_snapshot";
  } else if (std::string v1 = string_of(attributes, "junjo.workflow.graph_structure"); !v1.empty()) {
    facts.graph = std::move(v1);
    facts.graph_format = "v1-graph_structure";
  }
  record.workflow = std::move(facts);
}

SpanRecord make_record(const opentelemetry::proto::trace::v1::Span& span, const ResourceFacts& resource, const ScopeFacts& scope) {
  SpanRecord record;
  record.trace_id = span.trace_id();
  record.span_id = span.span_id();
  record.parent_span_id = span.parent_span_id();
  record.service = resource.service;
  record.name = span.name();
  record.kind = static_cast<int>(span.kind());
  // The gateway refuses times past 2262 and ends before starts; a WAL
  // written by an older gateway may still hold them, so clamp rather
  // than let a cast or a subtraction overflow.
  record.start_ns = static_cast<int64_t>(std::min<uint64_t>(span.start_time_unix_nano(), INT64_MAX));
  record.end_ns = std::max(record.start_ns, static_cast<int64_t>(std::min<uint64_t>(span.end_time_unix_nano(), INT64_MAX)));
  record.status_code = static_cast<int>(span.status().code());
  record.status_message = span.status().message();
  record.trace_state = span.trace_state();
  record.flags = span.flags();
  record.scope_name = scope.name;
  record.scope_version = scope.version;
  record.resource_json = resource.attributes_json;
  record.scope_json = scope.json;
  record.attributes_json = dump(to_json(span.attributes()));
  record.dropped_attributes_count = span.dropped_attributes_count();
  record.dropped_events_count = span.dropped_events_count();
  record.dropped_links_count = span.dropped_links_count();
  json events = json::array();
  for (const auto& event : span.events()) {
    events.push_back({{"name", event.name()},
                      {"time_unix_nano", static_cast<int64_t>(event.time_unix_nano())},
                      {"attributes", to_json(event.attributes())},
                      {"dropped_attributes_count", event.dropped_attributes_count()}});
    add_rows(event.attributes(), true, record.attributes);
  }
  record.events_json = dump(events);
  events = nullptr;
  json links = json::array();
  for (const auto& link : span.links()) {
    links.push_back({{"trace_id", to_hex(link.trace_id())},
                     {"span_id", to_hex(link.span_id())},
                     {"trace_state", link.trace_state()},
                     {"flags", link.flags()},
                     {"attributes", to_json(link.attributes())},
                     {"dropped_attributes_count", link.dropped_attributes_count()}});
  }
  record.links_json = dump(links);
  add_rows(span.attributes(), false, record.attributes);
  read_junjo(span, record);
  return record;
}

}  // namespace

Status for_each_span(std::string_view bytes, const SpanLimits& limits, const std::function<Status(SpanRecord&&)>& each,
                     DecodeReport* report) {
  DecodeReport local;
  DecodeReport& counts = report != nullptr ? *report : local;
  std::string scratch;
  ResourceFacts resource;
  ScopeFacts scope;
  // One Span object for the whole entry: protobuf reuses what it allocated,
  // and the limits bound what one span can allocate.
  opentelemetry::proto::trace::v1::Span span;
  RequestVisitor visitor = resource_and_scope_visitor(limits, scratch, counts.resource_attributes_dropped, resource, scope);
  visitor.span = [&](std::string_view span_bytes) -> Status {
    SpanTrim trim;
    auto bounded = bound_span(span_bytes, limits, scratch, trim);
    if (!bounded) return bounded.status();
    if (trim.any()) {
      ++counts.spans_trimmed;
      counts.items_dropped += trim.attributes + trim.events + trim.links + trim.event_attributes + trim.link_attributes;
    }
    if (!span.ParseFromArray(bounded->data(), static_cast<int>(bounded->size()))) return not_otlp();
    ++counts.spans;
    return each(make_record(span, resource, scope));
  };
  return walk_export_request(bytes, visitor);
}

Result<std::vector<SpanRecord>> decode_spans(std::string_view bytes, const SpanLimits& limits) {
  std::vector<SpanRecord> records;
  Status decoded = for_each_span(bytes, limits, [&](SpanRecord&& record) {
    records.push_back(std::move(record));
    return Status::ok();
  });
  if (!decoded.is_ok()) return decoded;
  return records;
}

size_t held_bytes(const SpanRecord& record) {
  size_t bytes = sizeof(SpanRecord);
  for (const std::string* text : {&record.trace_id, &record.span_id, &record.parent_span_id, &record.service, &record.name,
                                  &record.status_message, &record.trace_state, &record.scope_name, &record.scope_version,
                                  &record.attributes_json, &record.events_json, &record.links_json, &record.resource_json,
                                  &record.scope_json, &record.junjo_span_type}) {
    bytes += text->capacity();
  }
  bytes += record.attributes.capacity() * sizeof(AttributeRow);
  for (const AttributeRow& row : record.attributes) bytes += row.key.capacity() + row.text.capacity();
  bytes += record.state_changes.capacity() * sizeof(StateChange);
  for (const StateChange& change : record.state_changes) {
    bytes += change.store_id.capacity() + change.store_name.capacity() + change.action.capacity() + change.patch.capacity();
  }
  if (record.workflow) {
    const WorkflowFacts& w = *record.workflow;
    bytes += w.store_id.capacity() + w.parent_store_id.capacity() + w.state_start.capacity() + w.state_end.capacity() +
             w.graph.capacity() + w.graph_format.capacity() + w.span_type.capacity() + w.runtime_id.capacity() +
             w.hook_errors.capacity();
    if (w.agent) {
      const AgentRunFacts& a = *w.agent;
      bytes += a.key.capacity() + a.outcome.capacity() + a.termination_reason.capacity() + a.usage.capacity() +
               a.counts.capacity() + a.terminal_commit_failure.capacity();
    }
  }
  if (record.agent_operation) {
    const AgentOperationFacts& o = *record.agent_operation;
    for (const std::string* text : {&o.runtime_id, &o.type, &o.model_provider, &o.model_name, &o.response_type, &o.usage,
                                    &o.tool_name, &o.tool_call_id, &o.requested_arguments, &o.arguments, &o.result,
                                    &o.result_unavailable_reason}) {
      bytes += text->capacity();
    }
  }
  return bytes;
}

size_t max_indexed_value_bytes() { return kMaxIndexedValueBytes; }

}  // namespace spanline::indexer
