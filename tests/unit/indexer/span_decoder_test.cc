#include "stages/indexer/span_decoder.h"

#include <gtest/gtest.h>

#include <functional>
#include <limits>

#include <nlohmann/json.hpp>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace spanline::indexer {
namespace {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;

KeyValue* add(opentelemetry::proto::trace::v1::Span* span, const std::string& key) {
  auto* kv = span->add_attributes();
  kv->set_key(key);
  return kv;
}

ExportTraceServiceRequest one_span(opentelemetry::proto::trace::v1::Span** out) {
  ExportTraceServiceRequest request;
  auto* resource = request.add_resource_spans();
  auto* service = resource->mutable_resource()->add_attributes();
  service->set_key("service.name");
  service->mutable_value()->set_string_value("svc");
  auto* scope = resource->add_scope_spans();
  scope->mutable_scope()->set_name("lib");
  scope->mutable_scope()->set_version("2.1");
  *out = scope->add_spans();
  (*out)->set_trace_id(std::string(16, '\x01'));
  (*out)->set_span_id(std::string(8, '\x02'));
  (*out)->set_name("op");
  return request;
}

TEST(SpanDecoder, DecodesEveryAttributeTypeKeepingItsType) {
  opentelemetry::proto::trace::v1::Span* span;
  auto request = one_span(&span);
  add(span, "s")->mutable_value()->set_string_value("text");
  add(span, "b")->mutable_value()->set_bool_value(true);
  add(span, "i")->mutable_value()->set_int_value(-9007199254740993LL);
  add(span, "d")->mutable_value()->set_double_value(2.5);
  auto* array = add(span, "a")->mutable_value()->mutable_array_value();
  array->add_values()->set_int_value(1);
  array->add_values()->set_string_value("two");
  auto* kvlist = add(span, "k")->mutable_value()->mutable_kvlist_value()->add_values();
  kvlist->set_key("inner");
  kvlist->mutable_value()->set_bool_value(false);
  add(span, "y")->mutable_value()->set_bytes_value(std::string("\xde\xad", 2));
  span->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_CLIENT);
  span->set_trace_state("vendor=1");
  span->set_flags(0x101);
  span->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
  span->mutable_status()->set_message("failed");
  auto* event = span->add_events();
  event->set_name("exception");
  event->set_time_unix_nano(5);
  auto* event_attr = event->add_attributes();
  event_attr->set_key("exception.message");
  event_attr->mutable_value()->set_string_value("boom");
  auto* link = span->add_links();
  link->set_trace_id(std::string(16, '\x03'));
  link->set_span_id(std::string(8, '\x04'));

  auto records = decode_spans(request.SerializeAsString());
  ASSERT_TRUE(records.is_ok());
  ASSERT_EQ(records->size(), 1u);
  const SpanRecord& r = (*records)[0];
  EXPECT_EQ(r.service, "svc");
  EXPECT_EQ(r.scope_name, "lib");
  EXPECT_EQ(r.kind, 3);
  EXPECT_EQ(r.status_code, 2);
  EXPECT_EQ(r.trace_state, "vendor=1");
  EXPECT_EQ(r.flags, 0x101u);
  auto attributes = nlohmann::json::parse(r.attributes_json);
  EXPECT_EQ(attributes["i"].get<int64_t>(), -9007199254740993LL) << "64-bit integers stay exact";
  EXPECT_EQ(attributes["a"], nlohmann::json::parse(R"([1,"two"])"));
  EXPECT_EQ(attributes["k"]["inner"], false);
  EXPECT_EQ(attributes["y"]["$bytes"], "dead");
  auto events = nlohmann::json::parse(r.events_json);
  EXPECT_EQ(events[0]["attributes"]["exception.message"], "boom");
  auto links = nlohmann::json::parse(r.links_json);
  EXPECT_EQ(links[0]["span_id"], "0404040404040404");
  std::map<std::string, ValueType> types;
  for (const auto& row : r.attributes) types[row.key] = row.type;
  EXPECT_EQ(types["s"], ValueType::string);
  EXPECT_EQ(types["b"], ValueType::boolean);
  EXPECT_EQ(types["i"], ValueType::integer);
  EXPECT_EQ(types["d"], ValueType::floating);
  EXPECT_EQ(types["a"], ValueType::array);
  EXPECT_EQ(types["k"], ValueType::kvlist);
  EXPECT_EQ(types["y"], ValueType::bytes);
  EXPECT_EQ(types["exception.message"], ValueType::string);
}

TEST(SpanDecoder, RecognisesJunjoWorkflowsOfBothContracts) {
  opentelemetry::proto::trace::v1::Span* span;
  auto request = one_span(&span);
  add(span, "junjo.span_type")->mutable_value()->set_string_value("subflow");
  add(span, "junjo.telemetry.contract_version")->mutable_value()->set_int_value(2);
  add(span, "junjo.workflow.store.id")->mutable_value()->set_string_value("child");
  add(span, "junjo.workflow.parent_store.id")->mutable_value()->set_string_value("parent");
  add(span, "junjo.workflow.execution_graph_snapshot")->mutable_value()->set_string_value(R"({"v":2})");
  add(span, "junjo.workflow.node.count")->mutable_value()->set_int_value(3);
  add(span, "junjo.cancelled")->mutable_value()->set_bool_value(true);
  auto* event = span->add_events();
  event->set_name("set_state");
  for (auto [k, v] : {std::pair<std::string, std::string>{"junjo.store.id", "child"}, {"junjo.store.action", "set"},
                      {"junjo.state_json_patch", "[]"}}) {
    auto* kv = event->add_attributes();
    kv->set_key(k);
    kv->mutable_value()->set_string_value(v);
  }
  auto* sequence = event->add_attributes();
  sequence->set_key("junjo.store.transition.sequence");
  sequence->mutable_value()->set_int_value(7);
  auto records = decode_spans(request.SerializeAsString());
  ASSERT_TRUE(records.is_ok());
  const SpanRecord& r = (*records)[0];
  ASSERT_TRUE(r.workflow.has_value());
  EXPECT_EQ(r.workflow->contract_version, 2);
  EXPECT_EQ(r.workflow->span_type, "subflow");
  EXPECT_EQ(r.workflow->parent_store_id, "parent");
  EXPECT_EQ(r.workflow->graph_format, "v2-execution_graph_snapshot");
  EXPECT_EQ(r.workflow->node_count, 3);
  EXPECT_TRUE(r.workflow->cancelled);
  ASSERT_EQ(r.state_changes.size(), 1u);
  EXPECT_EQ(r.state_changes[0].transition_sequence, 7);
  EXPECT_EQ(r.state_changes[0].store_id, "child");

  opentelemetry::proto::trace::v1::Span* plain;
  auto plain_request = one_span(&plain);
  auto plain_records = decode_spans(plain_request.SerializeAsString());
  EXPECT_FALSE((*plain_records)[0].workflow.has_value());
  EXPECT_TRUE((*plain_records)[0].junjo_span_type.empty());
}

// Junjo's counters arrive from clients: a string that is not a number, or a
// double no 64-bit integer holds (casting one is undefined behaviour), leaves
// the value empty instead of a made-up number; a double in range is truncated.
TEST(SpanDecoder, JunjoNumbersOfTheWrongTypeAreLeftEmpty) {
  auto decode_with = [](const std::function<void(AnyValue*)>& set) {
    opentelemetry::proto::trace::v1::Span* span;
    auto request = one_span(&span);
    add(span, "junjo.span_type")->mutable_value()->set_string_value("workflow");
    set(add(span, "junjo.workflow.node.count")->mutable_value());
    auto* event = span->add_events();
    event->set_name("set_state");
    auto* sequence = event->add_attributes();
    sequence->set_key("junjo.store.transition.sequence");
    set(sequence->mutable_value());
    auto records = decode_spans(request.SerializeAsString());
    EXPECT_TRUE(records.is_ok()) << records.status().to_string();
    return std::move(records.value().at(0));
  };
  const std::vector<std::pair<std::string, std::function<void(AnyValue*)>>> wrong = {
      {"the string abc", [](AnyValue* v) { v->set_string_value("abc"); }},
      {"1e300", [](AnyValue* v) { v->set_double_value(1e300); }},
      {"-1e300", [](AnyValue* v) { v->set_double_value(-1e300); }},
      {"NaN", [](AnyValue* v) { v->set_double_value(std::numeric_limits<double>::quiet_NaN()); }},
      {"infinity", [](AnyValue* v) { v->set_double_value(std::numeric_limits<double>::infinity()); }},
      {"2^63 as a double", [](AnyValue* v) { v->set_double_value(9223372036854775808.0); }},
      {"a bool", [](AnyValue* v) { v->set_bool_value(true); }},
  };
  for (const auto& [what, set] : wrong) {
    SpanRecord record = decode_with(set);
    ASSERT_TRUE(record.workflow.has_value()) << what;
    EXPECT_EQ(record.workflow->node_count, -1) << what << ": -1 is the decoder's 'not given'";
    ASSERT_EQ(record.state_changes.size(), 1u) << what;
    EXPECT_FALSE(record.state_changes[0].transition_sequence.has_value()) << what;
  }
  SpanRecord in_range = decode_with([](AnyValue* v) { v->set_double_value(3.7); });
  EXPECT_EQ(in_range.workflow->node_count, 3);
  EXPECT_EQ(in_range.state_changes[0].transition_sequence, 3);
  SpanRecord as_text = decode_with([](AnyValue* v) { v->set_string_value("12"); });
  EXPECT_EQ(as_text.workflow->node_count, 12) << "a number sent as a string is still read";
}

TEST(SpanDecoder, GarbageIsAnErrorAndAMissingServiceNameIsNamed) {
  EXPECT_EQ(decode_spans("\x0a\xff\xff\xff\xff\x0f").status().code(), Code::invalid_argument);
  ExportTraceServiceRequest request;
  auto* span = request.add_resource_spans()->add_scope_spans()->add_spans();
  span->set_trace_id(std::string(16, '\x01'));
  span->set_span_id(std::string(8, '\x01'));
  auto records = decode_spans(request.SerializeAsString());
  ASSERT_TRUE(records.is_ok());
  EXPECT_EQ((*records)[0].service, "unknown_service");
}

}  // namespace
}  // namespace spanline::indexer
