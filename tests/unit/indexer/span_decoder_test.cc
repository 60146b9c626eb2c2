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

TEST(SpanDecoder, NonFiniteDoublesAreKeptAsOtlpJsonWritesThem) {
  opentelemetry::proto::trace::v1::Span* span;
  auto request = one_span(&span);
  add(span, "nan")->mutable_value()->set_double_value(std::numeric_limits<double>::quiet_NaN());
  add(span, "inf")->mutable_value()->set_double_value(std::numeric_limits<double>::infinity());
  add(span, "-inf")->mutable_value()->set_double_value(-std::numeric_limits<double>::infinity());
  add(span, "finite")->mutable_value()->set_double_value(-0.125);
  auto* array = add(span, "in_array")->mutable_value()->mutable_array_value();
  array->add_values()->set_double_value(std::numeric_limits<double>::infinity());
  array->add_values()->set_double_value(1.5);
  auto* event = span->add_events();
  event->set_name("e");
  auto* on_event = event->add_attributes();
  on_event->set_key("event.nan");
  on_event->mutable_value()->set_double_value(std::numeric_limits<double>::quiet_NaN());
  auto* resource_attribute = request.mutable_resource_spans(0)->mutable_resource()->add_attributes();
  resource_attribute->set_key("resource.inf");
  resource_attribute->mutable_value()->set_double_value(-std::numeric_limits<double>::infinity());

  auto records = decode_spans(request.SerializeAsString());
  ASSERT_TRUE(records.is_ok()) << records.status().message();
  const SpanRecord& r = (*records)[0];
  auto attributes = nlohmann::json::parse(r.attributes_json);
  EXPECT_EQ(attributes["nan"], "NaN") << r.attributes_json;
  EXPECT_EQ(attributes["inf"], "Infinity");
  EXPECT_EQ(attributes["-inf"], "-Infinity");
  EXPECT_EQ(attributes["finite"], -0.125);
  EXPECT_EQ(attributes["in_array"], nlohmann::json::parse(R"(["Infinity", 1.5])"));
  EXPECT_EQ(nlohmann::json::parse(r.events_json)[0]["attributes"]["event.nan"], "NaN") << r.events_json;
  EXPECT_EQ(nlohmann::json::parse(r.resource_json)["resource.inf"], "-Infinity") << r.resource_json;
  // The rows keep the double type, so "NaN" the double and "NaN" a string stay apart.
  std::map<std::string, const AttributeRow*> rows;
  for (const auto& row : r.attributes) rows[row.key] = &row;
  ASSERT_EQ(rows.count("nan"), 1u);
  EXPECT_EQ(rows["nan"]->type, ValueType::floating);
  EXPECT_EQ(rows["nan"]->text, "NaN");
  EXPECT_EQ(rows["inf"]->text, "Infinity");
  EXPECT_EQ(rows["inf"]->number, std::numeric_limits<double>::infinity());
  EXPECT_EQ(rows["-inf"]->text, "-Infinity");
  EXPECT_EQ(rows["finite"]->text, "-0.125");
  EXPECT_EQ(rows["event.nan"]->text, "NaN");
  EXPECT_TRUE(rows["event.nan"]->on_event);
}

TEST(SpanDecoder, EveryDroppedCountAndSchemaUrlIsKept) {
  opentelemetry::proto::trace::v1::Span* span;
  auto request = one_span(&span);
  auto* resource_spans = request.mutable_resource_spans(0);
  resource_spans->set_schema_url("https://opentelemetry.io/schemas/1.26.0");
  resource_spans->mutable_resource()->set_dropped_attributes_count(7);
  auto* scope_spans = resource_spans->mutable_scope_spans(0);
  scope_spans->set_schema_url("https://opentelemetry.io/schemas/1.24.0");
  scope_spans->mutable_scope()->set_dropped_attributes_count(3);
  auto* scope_attribute = scope_spans->mutable_scope()->add_attributes();
  scope_attribute->set_key("scope.kind");
  scope_attribute->mutable_value()->set_string_value("library");
  span->set_dropped_attributes_count(11);
  span->set_dropped_events_count(12);
  span->set_dropped_links_count(13);
  auto* event = span->add_events();
  event->set_name("e");
  event->set_dropped_attributes_count(21);
  auto* link = span->add_links();
  link->set_trace_id(std::string(16, '\x03'));
  link->set_span_id(std::string(8, '\x04'));
  link->set_dropped_attributes_count(31);
  // A second scope of the same resource: its own schema_url, the resource's again.
  auto* second_scope = resource_spans->add_scope_spans();
  second_scope->mutable_scope()->set_name("other");
  *second_scope->add_spans() = *span;
  second_scope->mutable_spans(0)->set_span_id(std::string(8, '\x05'));

  auto records = decode_spans(request.SerializeAsString());
  ASSERT_TRUE(records.is_ok()) << records.status().message();
  ASSERT_EQ(records->size(), 2u);
  const SpanRecord& r = (*records)[0];
  EXPECT_EQ(r.dropped_attributes_count, 11u);
  EXPECT_EQ(r.dropped_events_count, 12u);
  EXPECT_EQ(r.dropped_links_count, 13u);
  EXPECT_EQ(nlohmann::json::parse(r.events_json)[0]["dropped_attributes_count"], 21);
  EXPECT_EQ(nlohmann::json::parse(r.links_json)[0]["dropped_attributes_count"], 31);
  EXPECT_EQ(nlohmann::json::parse(r.scope_json), nlohmann::json::parse(R"({
    "name": "lib", "version": "2.1", "attributes": {"scope.kind": "library"}, "dropped_attributes_count": 3,
    "schema_url": "https://opentelemetry.io/schemas/1.24.0",
    "resource_schema_url": "https://opentelemetry.io/schemas/1.26.0", "resource_dropped_attributes_count": 7})"))
      << r.scope_json;
  EXPECT_EQ(nlohmann::json::parse((*records)[1].scope_json), nlohmann::json::parse(R"({
    "name": "other", "version": "", "attributes": {},
    "resource_schema_url": "https://opentelemetry.io/schemas/1.26.0", "resource_dropped_attributes_count": 7})"))
      << (*records)[1].scope_json;
}

TEST(SpanDecoder, AScopeWithNothingMoreToSayKeepsItsShortDocument) {
  // Unset schema URLs and zero counts are not written: a document stored before
  // they were kept reads the same as one of today without them.
  opentelemetry::proto::trace::v1::Span* span;
  auto request = one_span(&span);
  auto records = decode_spans(request.SerializeAsString());
  ASSERT_TRUE(records.is_ok());
  EXPECT_EQ(nlohmann::json::parse((*records)[0].scope_json),
            nlohmann::json::parse(R"({"name": "lib", "version": "2.1", "attributes": {}})"));
}

// A length-delimited field on the wire: tag, length, bytes.
std::string wire_field(int number, const std::string& payload) {
  std::string out(1, static_cast<char>(number << 3 | 2));
  for (uint64_t n = payload.size();; n >>= 7) {
    out += static_cast<char>((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
    if (n < 0x80) break;
  }
  return out + payload;
}

TEST(SpanDecoder, ASchemaUrlSentTwiceKeepsTheLastLikeProtobuf) {
  opentelemetry::proto::trace::v1::Span* span;
  auto request = one_span(&span);
  auto* resource_spans = request.mutable_resource_spans(0);
  resource_spans->set_schema_url("resource-first");
  resource_spans->mutable_scope_spans(0)->set_schema_url("scope-first");
  // ScopeSpans.schema_url (3) and ResourceSpans.schema_url (3) each written a second time.
  std::string scope_spans = resource_spans->scope_spans(0).SerializeAsString() + wire_field(3, "scope-last");
  resource_spans->clear_scope_spans();
  std::string bytes =
      wire_field(1, resource_spans->SerializeAsString() + wire_field(2, scope_spans) + wire_field(3, "resource-last"));
  ExportTraceServiceRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  ASSERT_EQ(parsed.resource_spans(0).scope_spans(0).schema_url(), "scope-last");

  auto records = decode_spans(bytes);
  ASSERT_TRUE(records.is_ok()) << records.status().message();
  auto scope = nlohmann::json::parse((*records)[0].scope_json);
  EXPECT_EQ(scope["schema_url"], parsed.resource_spans(0).scope_spans(0).schema_url());
  EXPECT_EQ(scope["resource_schema_url"], parsed.resource_spans(0).schema_url());
  EXPECT_EQ(scope["resource_schema_url"], "resource-last");
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
