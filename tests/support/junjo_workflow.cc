#include "tests/support/junjo_workflow.h"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "base/hex.h"

namespace spanline::testing {
namespace {

using nlohmann::json;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::common::v1::KeyValue;
using opentelemetry::proto::trace::v1::Span;

constexpr int64_t kMs = 1'000'000;

void put(google::protobuf::RepeatedPtrField<KeyValue>* attributes, const std::string& key, const std::string& value) {
  auto* kv = attributes->Add();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}
void put(google::protobuf::RepeatedPtrField<KeyValue>* attributes, const std::string& key, const char* value) {
  put(attributes, key, std::string(value));
}
void put(google::protobuf::RepeatedPtrField<KeyValue>* attributes, const std::string& key, int64_t value) {
  auto* kv = attributes->Add();
  kv->set_key(key);
  kv->mutable_value()->set_int_value(value);
}
void put(google::protobuf::RepeatedPtrField<KeyValue>* attributes, const std::string& key, bool value) {
  auto* kv = attributes->Add();
  kv->set_key(key);
  kv->mutable_value()->set_bool_value(value);
}

std::string bytes(const std::string& hex) {
  auto out = from_hex(hex);
  if (!out) throw std::runtime_error("not hex: " + hex);
  return *out;
}

// One executable of the run: its ids in the v2 contract and where it sits.
struct Executable {
  std::string span_id;    // 16 hex digits
  std::string name;       // span name and node label
  std::string type;       // junjo.span_type
  std::string node_type;  // class name in the graph
  std::string runtime_id;
  std::string structural_id;
};

// A run being written: the workflow span first, then its executables.
class RunWriter {
 public:
  RunWriter(ExportTraceServiceRequest& request, const JunjoWorkflowOptions& options, std::string graph_id, std::string store_id,
            std::string store_name)
      : options_(options), graph_id_(std::move(graph_id)), store_id_(std::move(store_id)), store_name_(std::move(store_name)) {
    auto* resource_spans = request.add_resource_spans();
    auto* resource = resource_spans->mutable_resource()->mutable_attributes();
    put(resource, "service.name", options.service);
    put(resource, "service.namespace", "spanline.tests");
    put(resource, "service.version", "1.0.0");
    scope_ = resource_spans->add_scope_spans();
    scope_->mutable_scope()->set_name("junjo");
  }

  Span* workflow(const Executable& e, const std::string& definition_id, int64_t end_ms) {
    Span* span = add_span(e, "", 0, end_ms);
    common(span, e, definition_id);
    return span;
  }

  Span* executable(const Executable& e, const Executable& parent, const std::string& parent_definition_id, int64_t start_ms,
                   int64_t end_ms) {
    Span* span = add_span(e, parent.span_id, start_ms, end_ms);
    common(span, e, e.runtime_id);
    put(span->mutable_attributes(), "junjo.parent_executable_definition_id", parent_definition_id);
    put(span->mutable_attributes(), "junjo.parent_executable_runtime_id", parent.runtime_id);
    put(span->mutable_attributes(), "junjo.parent_executable_structural_id", parent.structural_id);
    return span;
  }

  // A step: a set_state event, the store's next transition, with its RFC 6902 patch ("[]": no change).
  void step(Span* span, int64_t at_ms, const std::string& action, const json& patch) {
    patches_.push_back(patch);
    ++sequence_;
    int64_t before = revision_;
    if (!patch.empty()) ++revision_;
    auto* event = span->add_events();
    event->set_name("set_state");
    event->set_time_unix_nano(static_cast<uint64_t>(options_.start_unix_nano + at_ms * kMs));
    auto* a = event->mutable_attributes();
    put(a, "id", store_id_ + "-transition-" + std::to_string(sequence_));
    put(a, "junjo.store.name", store_name_);
    put(a, "junjo.store.id", store_id_);
    put(a, "junjo.store.action", action);
    put(a, "junjo.state_json_patch", patch.dump());
    put(a, "junjo.store.transition.sequence", sequence_);
    put(a, "junjo.store.revision.before", before);
    put(a, "junjo.store.revision.after", revision_);
    put(a, "junjo.state_json_patch.mode", "full");
    put(a, "junjo.state_json_patch.policy", "junjo.full.v1");
  }

  // The workflow span's run attributes, once the steps are written.
  void finish(Span* workflow_span, const json& graph, const json& state_start, int64_t node_count) {
    json state_end = state_start;
    for (const auto& step : patches_) state_end = state_end.patch(step);
    auto* a = workflow_span->mutable_attributes();
    put(a, "junjo.workflow.execution_graph_snapshot", graph.dump());
    put(a, "junjo.workflow.store.id", store_id_);
    put(a, "junjo.workflow.node.count", node_count);
    put(a, "junjo.workflow.state.start", state_start.dump());
    put(a, "junjo.workflow.state.start.mode", "full");
    put(a, "junjo.workflow.state.start.policy", "junjo.full.v1");
    put(a, "junjo.workflow.state.end", state_end.dump());
    put(a, "junjo.workflow.state.end.mode", "full");
    put(a, "junjo.workflow.state.end.policy", "junjo.full.v1");
    put(a, "junjo.store.revision.start", int64_t{0});
    put(a, "junjo.store.revision.end", revision_);
    put(a, "junjo.store.transition.count", sequence_);
    put(a, "junjo.store.reconstructable", true);
  }

  const std::string& graph_id() const { return graph_id_; }

 private:
  Span* add_span(const Executable& e, const std::string& parent_span_id, int64_t start_ms, int64_t end_ms) {
    Span* span = scope_->add_spans();
    span->set_trace_id(bytes(options_.trace_id_hex));
    span->set_span_id(bytes(e.span_id));
    if (!parent_span_id.empty()) span->set_parent_span_id(bytes(parent_span_id));
    span->set_name(e.name);
    span->set_kind(Span::SPAN_KIND_INTERNAL);
    span->set_start_time_unix_nano(static_cast<uint64_t>(options_.start_unix_nano + start_ms * kMs));
    span->set_end_time_unix_nano(static_cast<uint64_t>(options_.start_unix_nano + end_ms * kMs));
    return span;
  }

  void common(Span* span, const Executable& e, const std::string& definition_id) {
    auto* a = span->mutable_attributes();
    put(a, "junjo.telemetry.contract_version", int64_t{2});
    put(a, "junjo.span_type", e.type);
    put(a, "junjo.executable_definition_id", definition_id);
    put(a, "junjo.executable_runtime_id", e.runtime_id);
    put(a, "junjo.executable_structural_id", e.structural_id);
    put(a, "junjo.enclosing_graph_structural_id", graph_id_);
  }

  const JunjoWorkflowOptions& options_;
  std::string graph_id_, store_id_, store_name_;
  opentelemetry::proto::trace::v1::ScopeSpans* scope_ = nullptr;
  int64_t sequence_ = 0, revision_ = 0;
  std::vector<json> patches_;
};

json graph_node(const Executable& e) {
  return {{"nodeRuntimeId", e.runtime_id}, {"nodeStructuralId", e.structural_id}, {"nodeType", e.node_type}, {"nodeLabel", e.name}};
}

json graph_edge(const std::string& id, const Executable& tail, const Executable& head) {
  return {{"edgeStructuralId", id},          {"tailNodeRuntimeId", tail.runtime_id}, {"tailNodeStructuralId", tail.structural_id},
          {"headNodeRuntimeId", head.runtime_id}, {"headNodeStructuralId", head.structural_id}, {"edgeConditionLabel", nullptr},
          {"edgeScope", "explicit"},         {"parentSubflowRuntimeId", nullptr}};
}

}  // namespace

ExportTraceServiceRequest junjo_workflow_request(const JunjoWorkflowOptions& options) {
  ExportTraceServiceRequest request;
  RunWriter run(request, options, "graph-greeter", "store-greeter-1", "GreeterState");
  Executable workflow{"5b1a0e0000000001", "greeter_workflow", "workflow", "Workflow", "run-greeter-1", "graph-greeter"};
  Executable load{"5b1a0e0000000002", "load_name", "node", "Node", "node.greeter.load_name", "struct-greeter-load"};
  Executable compose{"5b1a0e0000000003", "compose_greeting", "node", "Node", "node.greeter.compose_greeting", "struct-greeter-compose"};
  Span* workflow_span = run.workflow(workflow, "workflow.greeter", 400);
  Span* load_span = run.executable(load, workflow, "workflow.greeter", 40, 140);
  run.step(load_span, 90, "set_name", json::parse(R"([{"op":"replace","path":"/name","value":"Ada"}])"));
  Span* compose_span = run.executable(compose, workflow, "workflow.greeter", 180, 360);
  run.step(compose_span, 220, "check_name", json::array());  // nothing changed: the empty patch
  run.step(compose_span, 300, "set_greeting", json::parse(R"([{"op":"replace","path":"/greeting","value":"Hello, Ada"}])"));
  json graph = {{"v", 2},
                {"graphStructuralId", run.graph_id()},
                {"nodes", {graph_node(load), graph_node(compose)}},
                {"edges", {graph_edge("edge-greeter-load-compose", load, compose)}}};
  run.finish(workflow_span, graph, json::parse(R"({"name":"ada","greeting":null})"), 2);
  return request;
}

ExportTraceServiceRequest junjo_concurrent_workflow_request(JunjoWorkflowOptions options) {
  ExportTraceServiceRequest request;
  RunWriter run(request, options, "graph-lookups", "store-lookups-1", "LookupState");
  Executable workflow{"5b1a0e00000000c1", "parallel_lookups", "workflow", "Workflow", "run-lookups-1", "graph-lookups"};
  Executable plan{"5b1a0e00000000c2", "plan", "node", "Node", "node.lookups.plan", "struct-lookups-plan"};
  Executable both{"5b1a0e00000000c3", "both_lookups", "run_concurrent", "RunConcurrent", "run.lookups.both", "struct-lookups-both"};
  Executable weather{"5b1a0e00000000c4", "lookup_weather", "node", "Node", "node.lookups.weather", "struct-lookups-weather"};
  Executable news{"5b1a0e00000000c5", "lookup_news", "node", "Node", "node.lookups.news", "struct-lookups-news"};
  Span* workflow_span = run.workflow(workflow, "workflow.lookups", 400);
  run.executable(plan, workflow, "workflow.lookups", 10, 60);
  run.executable(both, workflow, "workflow.lookups", 80, 330);
  Span* weather_span = run.executable(weather, both, "run.lookups.both", 100, 250);
  Span* news_span = run.executable(news, both, "run.lookups.both", 105, 300);
  run.step(weather_span, 200, "set_weather", json::parse(R"([{"op":"replace","path":"/weather","value":"sunny"}])"));
  run.step(news_span, 260, "set_news", json::parse(R"([{"op":"replace","path":"/news","value":"quiet"}])"));
  json concurrent = graph_node(both);
  concurrent["isConcurrentSubgraph"] = true;
  concurrent["childNodeRuntimeIds"] = {weather.runtime_id, news.runtime_id};
  json graph = {{"v", 2},
                {"graphStructuralId", run.graph_id()},
                {"nodes", {graph_node(plan), concurrent, graph_node(weather), graph_node(news)}},
                {"edges", {graph_edge("edge-lookups-plan-both", plan, both)}}};
  run.finish(workflow_span, graph, json::parse(R"({"weather":null,"news":null})"), 3);
  return request;
}

std::string service_name_of(const ExportTraceServiceRequest& request) {
  for (const auto& resource_spans : request.resource_spans()) {
    for (const auto& kv : resource_spans.resource().attributes()) {
      if (kv.key() == "service.name") return kv.value().string_value();
    }
  }
  return {};
}

int64_t span_count_of(const ExportTraceServiceRequest& request) {
  int64_t count = 0;
  for (const auto& resource_spans : request.resource_spans()) {
    for (const auto& scope_spans : resource_spans.scope_spans()) count += scope_spans.spans_size();
  }
  return count;
}

std::string string_attribute(const Span& span, const std::string& key) {
  for (const auto& kv : span.attributes()) {
    if (kv.key() == key) return kv.value().string_value();
  }
  return {};
}

}  // namespace spanline::testing
