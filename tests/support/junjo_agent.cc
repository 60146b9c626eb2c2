#include "tests/support/junjo_agent.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/hex.h"
#include "stages/indexer/span_decoder.h"

namespace spanline::testing {
namespace {

using nlohmann::json;
using opentelemetry::proto::trace::v1::Span;

constexpr int64_t kMs = 1'000'000;
constexpr char kAgentStore[] = "agent-store-51";

// Sets each attribute of `values` on `attributes`: strings, integers and
// booleans as the SDK sets them (its JSON payloads are strings of JSON).
void set_all(google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>* attributes, const json& values) {
  for (const auto& [key, value] : values.items()) {
    auto* kv = attributes->Add();
    kv->set_key(key);
    if (value.is_boolean()) kv->mutable_value()->set_bool_value(value.get<bool>());
    else if (value.is_number_integer()) kv->mutable_value()->set_int_value(value.get<int64_t>());
    else if (value.is_string()) kv->mutable_value()->set_string_value(value.get<std::string>());
    else kv->mutable_value()->set_string_value(value.dump());
  }
}

// A full-evidence payload slot (telemetry/payload.py): the JSON and its mode and policy.
json payload(const std::string& root, const json& value) {
  return {{root, value.dump()}, {root + ".mode", "full"}, {root + ".policy", "junjo.full.v1"}};
}

class AgentWriter {
 public:
  AgentWriter(opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request, const JunjoAgentOptions& options)
      : options_(options) {
    auto* resource_spans = request.add_resource_spans();
    set_all(resource_spans->mutable_resource()->mutable_attributes(), {{"service.name", options.service}});
    scope_ = resource_spans->add_scope_spans();
    scope_->mutable_scope()->set_name("junjo");
  }

  Span* span(const std::string& span_hex, const std::string& parent_hex, const std::string& name, int64_t start_ms, int64_t end_ms) {
    Span* s = scope_->add_spans();
    s->set_trace_id(from_hex(options_.trace_id_hex).value_or(std::string()));
    s->set_span_id(from_hex(span_hex).value_or(std::string()));
    if (!parent_hex.empty()) s->set_parent_span_id(from_hex(parent_hex).value_or(std::string()));
    s->set_name(name);
    s->set_kind(Span::SPAN_KIND_INTERNAL);
    s->set_start_time_unix_nano(static_cast<uint64_t>(options_.start_unix_nano + start_ms * kMs));
    s->set_end_time_unix_nano(static_cast<uint64_t>(options_.start_unix_nano + end_ms * kMs));
    return s;
  }

  // A set_state event of the agent store (the store's next revision).
  void step(Span* s, int64_t at_ms, const std::string& action, const json& patch) {
    auto* event = s->add_events();
    event->set_name("set_state");
    event->set_time_unix_nano(static_cast<uint64_t>(options_.start_unix_nano + at_ms * kMs));
    ++revision_;
    set_all(event->mutable_attributes(), {{"id", "agent-transition-" + std::to_string(revision_)},
                                          {"junjo.store.name", "AgentStore"},
                                          {"junjo.store.id", kAgentStore},
                                          {"junjo.store.action", action},
                                          {"junjo.state_json_patch", patch.dump()},
                                          {"junjo.store.transition.sequence", revision_},
                                          {"junjo.store.revision.before", revision_ - 1},
                                          {"junjo.store.revision.after", revision_}});
  }

  int64_t revision() const { return revision_; }

  void error(Span* s, const std::string& type, const std::string& message) {
    s->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
    s->mutable_status()->set_message(message);
    set_all(s->mutable_attributes(), {{"error.type", type}});
    auto* event = s->add_events();
    event->set_name("exception");
    event->set_time_unix_nano(s->end_time_unix_nano());
    set_all(event->mutable_attributes(), {{"exception.type", type}, {"exception.message", message}, {"exception.escaped", "False"}});
  }

 private:
  const JunjoAgentOptions& options_;
  opentelemetry::proto::trace::v1::ScopeSpans* scope_;
  int64_t revision_ = 0;
};

json operation_common(const std::string& type, int64_t sequence) {
  return {{"junjo.telemetry.contract_version", 2}, {"junjo.agent.operation_type", type}, {"junjo.agent.key", "forecaster"},
          {"junjo.agent.runtime_id", kAgentRuntimeId}, {"junjo.agent.operation.sequence", sequence}};
}

json model_request(int64_t sequence, int64_t ordinal, int64_t revision, const json& response, int64_t in, int64_t out) {
  json a = operation_common("model_request", sequence);
  a.update({{"junjo.agent.model_request.ordinal", ordinal},
            {"junjo.agent.model.driver_key", "scripted"},
            {"junjo.agent.model.provider", "junjo-test"},
            {"junjo.agent.model.name", kAgentModelName},
            {"junjo.agent.model_request.state_revision", revision},
            {"junjo.agent.model.response_candidate.available", true},
            {"junjo.agent.model.response_type", "tool_calls"},
            {"junjo.agent.model.usage", json({{"v", 1}, {"inputTokens", in}, {"outputTokens", out}, {"totalTokens", in + out}}).dump()}});
  a.update(payload("junjo.agent.model.request", {{"v", 1}, {"ordinal", ordinal}}));
  a.update(payload("junjo.agent.model.response", response));
  return a;
}

json tool_call(int64_t sequence, const std::string& tool, const std::string& call_id, int64_t ordinal, const json& requested) {
  json a = operation_common("tool", sequence);
  a.update({{"junjo.agent.tool_call.id", call_id},
            {"junjo.agent.tool_call.ordinal", ordinal},
            {"junjo.agent.tool.name", tool},
            {"junjo.agent.tool.structural_id", "tool_sha256:" + tool}});
  a.update(payload("junjo.agent.tool.requested_arguments", requested));
  return a;
}

}  // namespace

opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest junjo_agent_request(const JunjoAgentOptions& options) {
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
  AgentWriter w(request, options);
  const std::string run_parent = options.inside_workflow ? kAgentNodeSpanHex : "";
  const json calls_1 = {{"v", 1}, {"type", "tool_calls"}, {"calls", {{{"id", "call-1"}, {"name", "lookup_city"}, {"arguments", {{"city", "Oslo"}}}}}}};
  const json calls_2 = {{"v", 1}, {"type", "tool_calls"}, {"calls", {{{"id", "call-2"}, {"name", "to_fahrenheit"}, {"arguments", {{"celsius", "warm"}}}}}}};

  Span* model_1 = w.span(kAgentOperationSpanHex[0], kAgentRunSpanHex, "model request 1", 12, 20);
  w.step(model_1, 12, "record_model_start", json::array({{{"op", "replace"}, {"path", "/model_request_count"}, {"value", 1}}}));
  set_all(model_1->mutable_attributes(), model_request(1, 1, w.revision(), calls_1, 30, 8));
  w.step(model_1, 19, "record_model_response", json::array({{{"op", "add"}, {"path", "/pending_tool_call_ids/0"}, {"value", "call-1"}}}));

  Span* tool_1 = w.span(kAgentOperationSpanHex[1], kAgentRunSpanHex, "tool lookup_city", 21, 25);
  w.step(tool_1, 21, "record_tool_started", json::array({{{"op", "replace"}, {"path", "/tool_call_started_count"}, {"value", 1}}}));
  json tool_1_attributes = tool_call(2, "lookup_city", "call-1", 1, {{"city", "Oslo"}});
  tool_1_attributes["junjo.agent.tool.state_revision.before"] = w.revision();
  tool_1_attributes.update(payload("junjo.agent.tool.arguments", {{"city", "Oslo"}}));
  tool_1_attributes["junjo.agent.tool.result_candidate.available"] = true;
  tool_1_attributes.update(payload("junjo.agent.tool.result_candidate", {{"celsius", 12.5}}));
  w.step(tool_1, 24, "record_tool_result", json::array({{{"op", "replace"}, {"path", "/tool_call_completed_count"}, {"value", 1}}}));
  tool_1_attributes.update(payload("junjo.agent.tool.result", {{"celsius", 12.5}}));
  tool_1_attributes["junjo.agent.tool.state_revision.after"] = w.revision();
  set_all(tool_1->mutable_attributes(), tool_1_attributes);

  Span* model_2 = w.span(kAgentOperationSpanHex[2], kAgentRunSpanHex, "model request 2", 26, 33);
  w.step(model_2, 26, "record_model_start", json::array({{{"op", "replace"}, {"path", "/model_request_count"}, {"value", 2}}}));
  set_all(model_2->mutable_attributes(), model_request(3, 2, w.revision(), calls_2, 45, 9));
  w.step(model_2, 32, "record_model_response", json::array({{{"op", "add"}, {"path", "/pending_tool_call_ids/0"}, {"value", "call-2"}}}));

  Span* tool_2 = w.span(kAgentOperationSpanHex[3], kAgentRunSpanHex, "tool to_fahrenheit", 34, 35);
  json tool_2_attributes = tool_call(4, "to_fahrenheit", "call-2", 2, {{"celsius", "warm"}});
  tool_2_attributes["junjo.agent.tool.state_revision.before"] = w.revision();
  tool_2_attributes["junjo.agent.tool.result_candidate.available"] = false;
  tool_2_attributes["junjo.agent.tool.result_candidate.unavailable_reason"] = "not_invoked";
  set_all(tool_2->mutable_attributes(), tool_2_attributes);
  w.error(tool_2, "AgentToolInputValidationError", "Arguments for Tool 'to_fahrenheit' failed declared validation.");

  Span* run = w.span(kAgentRunSpanHex, run_parent, "Forecaster", 10, 40);
  const json state_start = {{"input", {{"question", "How warm is warm?"}}}, {"model_request_count", 0}, {"tool_call_started_count", 0},
                            {"tool_call_completed_count", 0}};
  json state_end = state_start;
  state_end["model_request_count"] = 2;
  state_end["tool_call_started_count"] = 1;
  state_end["tool_call_completed_count"] = 1;
  json a = {{"junjo.telemetry.contract_version", 2},
            {"junjo.span_type", "agent"},
            {"junjo.executable_definition_id", "agent-definition-1"},
            {"junjo.executable_runtime_id", kAgentRuntimeId},
            {"junjo.executable_structural_id", "agent_sha256:0f"},
            {"junjo.agent.key", "forecaster"},
            {"junjo.agent.name", "Forecaster"},
            {"junjo.agent.runtime_id", kAgentRuntimeId},
            {"junjo.agent.limit.model_requests", 8},
            {"junjo.agent.limit.tool_calls", 32},
            {"junjo.agent.store.id", kAgentStore},
            {"junjo.store.revision.start", 0},
            {"junjo.agent.state.available", true},
            {"junjo.agent.operation.count", 4},
            {"junjo.agent.model_request.count", 2},
            {"junjo.agent.tool_call.requested_count", 2},
            {"junjo.agent.tool_call.admitted_count", 1},
            {"junjo.agent.tool_call.started_count", 1},
            {"junjo.agent.tool_call.completed_count", 1},
            {"junjo.agent.usage", json({{"v", 1},
                                        {"modelResponses", 2},
                                        {"fields",
                                         {{"inputTokens", {{"sum", 75}, {"observations", 2}}},
                                          {"outputTokens", {{"sum", 17}, {"observations", 2}}},
                                          {"totalTokens", {{"sum", 92}, {"observations", 2}}}}}})
                                      .dump()},
            {"junjo.agent.outcome", "failed"},
            {"junjo.agent.termination_reason", "tool_input_validation_error"},
            {"junjo.store.revision.end", w.revision()},
            {"junjo.store.transition.count", w.revision()},
            {"junjo.store.reconstructable", true}};
  a.update(payload("junjo.agent.definition_snapshot", {{"key", "forecaster"}, {"model", {{"model", kAgentModelName}}}}));
  a.update(payload("junjo.agent.input", {{"question", "How warm is warm?"}}));
  a.update(payload("junjo.agent.state.start", state_start));
  a.update(payload("junjo.agent.state.end", state_end));
  if (options.inside_workflow) {
    a.update({{"junjo.parent_executable_definition_id", "node-definition-1"},
              {"junjo.parent_executable_runtime_id", "node-run-1"},
              {"junjo.parent_executable_structural_id", "node_sha256:1"},
              {"junjo.parent_executable_type", "node"}});
  }
  set_all(run->mutable_attributes(), a);
  auto* hook = run->add_events();
  hook->set_name("junjo.hook_error");
  hook->set_time_unix_nano(static_cast<uint64_t>(options.start_unix_nano + 39 * kMs));
  set_all(hook->mutable_attributes(), {{"junjo.hook.event", "terminal_dispatch"},
                                       {"junjo.hook.callback", "junjo.lifecycle.dispatcher"},
                                       {"junjo.hook.error.type", "RuntimeError"},
                                       {"junjo.hook.error.message", "observer failed"}});
  w.error(run, "AgentToolInputValidationError", "Arguments for Tool 'to_fahrenheit' failed declared validation.");

  if (options.inside_workflow) {
    Span* node = w.span(kAgentNodeSpanHex, kAgentWorkflowSpanHex, "AskAgentNode", 5, 45);
    set_all(node->mutable_attributes(), {{"junjo.telemetry.contract_version", 2},
                                         {"junjo.span_type", "node"},
                                         {"junjo.executable_runtime_id", "node-run-1"}});
    Span* workflow = w.span(kAgentWorkflowSpanHex, "", "AskWorkflow", 0, 50);
    set_all(workflow->mutable_attributes(), {{"junjo.telemetry.contract_version", 2},
                                             {"junjo.span_type", "workflow"},
                                             {"junjo.executable_runtime_id", "workflow-run-1"},
                                             {"junjo.workflow.store.id", "ask-store-1"},
                                             {"junjo.workflow.node.count", 1}});
  }
  return request;
}

std::vector<indexer::SpanRecord> junjo_agent_records(const JunjoAgentOptions& options) {
  auto records = indexer::decode_spans(junjo_agent_request(options).SerializeAsString());
  EXPECT_TRUE(records.is_ok()) << records.status().to_string();
  return records.is_ok() ? std::move(records.value()) : std::vector<indexer::SpanRecord>{};
}

const indexer::SpanRecord* record_of(const std::vector<indexer::SpanRecord>& records, const std::string& span_hex) {
  for (const indexer::SpanRecord& r : records) {
    if (to_hex(r.span_id) == span_hex) return &r;
  }
  return nullptr;
}

}  // namespace spanline::testing
