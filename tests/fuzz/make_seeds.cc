// Writes the binary seed inputs of tests/fuzz/corpus/ with the project's own
// encoders, so the seeds follow the formats when they change:
//   cmake --build build-fuzz --target fuzz_make_seeds && build-fuzz/bin/fuzz_make_seeds tests/fuzz/corpus
// The text seeds (query strings, JSON) are plain files kept by hand. All data
// here is made up; the shared OTLP examples are passed to the fuzzer by run.sh
// from where they live.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "bus/header.h"
#include "bus/stats.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "base/crypto/jwt.h"
#include "base/crypto/secrets.h"
#include "base/crypto/signing_key.h"
#include "stages/gateway/http/gzip.h"

namespace fs = std::filesystem;
namespace bus = spanline::bus;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::common::v1::KeyValue;
using opentelemetry::proto::trace::v1::Span;

namespace {

fs::path g_root;

void write(const std::string& target, const std::string& name, const std::string& bytes) {
  fs::create_directories(g_root / target);
  std::ofstream(g_root / target / name, std::ios::binary) << bytes;
}

std::string id(int length, char fill) { return std::string(static_cast<size_t>(length), fill); }

KeyValue* attribute(google::protobuf::RepeatedPtrField<KeyValue>* attributes, const std::string& key) {
  KeyValue* kv = attributes->Add();
  kv->set_key(key);
  return kv;
}

void text(google::protobuf::RepeatedPtrField<KeyValue>* attributes, const std::string& key, const std::string& value) {
  attribute(attributes, key)->mutable_value()->set_string_value(value);
}

Span* add_span(ExportTraceServiceRequest& request, const std::string& service, char trace, char span_id, const std::string& name) {
  auto* resource = request.resource_spans_size() > 0 ? request.mutable_resource_spans(0) : request.add_resource_spans();
  if (resource->resource().attributes_size() == 0) text(resource->mutable_resource()->mutable_attributes(), "service.name", service);
  auto* scope = resource->scope_spans_size() > 0 ? resource->mutable_scope_spans(0) : resource->add_scope_spans();
  scope->mutable_scope()->set_name("fuzz-seed");
  scope->mutable_scope()->set_version("1.0");
  Span* span = scope->add_spans();
  span->set_trace_id(id(16, trace));
  span->set_span_id(id(8, span_id));
  span->set_name(name);
  span->set_kind(Span::SPAN_KIND_SERVER);
  span->set_start_time_unix_nano(1'763'900'000'000'000'000ULL);
  span->set_end_time_unix_nano(1'763'900'000'250'000'000ULL);
  return span;
}

// Two traces (so more than one partition), every attribute type, an event and a link.
ExportTraceServiceRequest typical() {
  ExportTraceServiceRequest request;
  Span* root = add_span(request, "checkout", '\x11', '\x01', "POST /checkout");
  auto* a = root->mutable_attributes();
  text(a, "http.method", "POST");
  attribute(a, "http.status_code")->mutable_value()->set_int_value(500);
  attribute(a, "retry")->mutable_value()->set_bool_value(true);
  attribute(a, "ratio")->mutable_value()->set_double_value(0.25);
  attribute(a, "payload")->mutable_value()->set_bytes_value("\x00\xff", 2);
  auto* list = attribute(a, "tags")->mutable_value()->mutable_array_value();
  list->add_values()->set_string_value("a");
  list->add_values()->set_int_value(2);
  auto* kv = attribute(a, "user")->mutable_value()->mutable_kvlist_value()->add_values();
  kv->set_key("id");
  kv->mutable_value()->set_int_value(7);
  root->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
  root->mutable_status()->set_message("payment declined");
  auto* event = root->add_events();
  event->set_name("exception");
  event->set_time_unix_nano(1'763'900'000'100'000'000ULL);
  text(event->mutable_attributes(), "exception.message", "declined");
  Span* child = add_span(request, "checkout", '\x22', '\x02', "charge card");
  child->set_parent_span_id(id(8, '\x01'));
  auto* link = child->add_links();
  link->set_trace_id(id(16, '\x11'));
  link->set_span_id(id(8, '\x01'));
  return request;
}

// A Junjo workflow span with two state changes (telemetry contract v2).
ExportTraceServiceRequest junjo_workflow() {
  ExportTraceServiceRequest request;
  Span* span = add_span(request, "junjo-app", '\x33', '\x03', "basic workflow");
  auto* a = span->mutable_attributes();
  text(a, "junjo.span_type", "workflow");
  attribute(a, "junjo.telemetry.contract_version")->mutable_value()->set_int_value(2);
  text(a, "junjo.workflow.store.id", "store-1");
  text(a, "junjo.workflow.state.start", R"({"text":"hello"})");
  text(a, "junjo.workflow.state.end", R"({"text":"HELLO"})");
  attribute(a, "junjo.workflow.node.count")->mutable_value()->set_int_value(2);
  text(a, "junjo.workflow.execution_graph_snapshot", R"({"nodes":[{"id":"a"},{"id":"b"}],"edges":[{"from":"a","to":"b"}]})");
  for (int step = 1; step <= 2; ++step) {
    auto* event = span->add_events();
    event->set_name("set_state");
    event->set_time_unix_nano(1'763'900'000'000'000'000ULL + static_cast<uint64_t>(step));
    auto* e = event->mutable_attributes();
    attribute(e, "junjo.store.transition.sequence")->mutable_value()->set_int_value(step);
    text(e, "junjo.store.id", "store-1");
    text(e, "junjo.store.name", "TextStore");
    text(e, "junjo.store.action", "set_text");
    text(e, "junjo.state_json_patch", R"([{"op":"replace","path":"/text","value":"HELLO"}])");
    attribute(e, "junjo.store.revision.before")->mutable_value()->set_double_value(step - 1);
    text(e, "junjo.store.revision.after", std::to_string(step));
  }
  return request;
}

// Spans the gateway must refuse, one reason each, beside one it keeps.
ExportTraceServiceRequest partly_invalid() {
  ExportTraceServiceRequest request;
  add_span(request, "svc", '\x44', '\x04', "ok");
  add_span(request, "svc", '\x55', '\x05', "short trace id")->set_trace_id("abc");
  add_span(request, "svc", '\x00', '\x06', "zero trace id");
  add_span(request, "svc", '\x66', '\x00', "zero span id");
  add_span(request, "svc", '\x77', '\x07', "bad parent")->set_parent_span_id("xy");
  add_span(request, "svc", '\x78', '\x08', "ends before it starts")->set_end_time_unix_nano(1);
  return request;
}

std::string bytes_of(const ExportTraceServiceRequest& request) { return request.SerializeAsString(); }

void trace_seeds() {
  ExportTraceServiceRequest one;
  add_span(one, "frontend", '\x12', '\x34', "GET /");
  for (const std::string target : {"fuzz_otlp_gateway", "fuzz_span_decoder"}) {
    write(target, "typical.pb", bytes_of(typical()));
    write(target, "junjo_workflow.pb", bytes_of(junjo_workflow()));
    write(target, "one_span.pb", bytes_of(one));
  }
  write("fuzz_otlp_gateway", "partly_invalid.pb", bytes_of(partly_invalid()));
  write("fuzz_otlp_gateway", "typical.pb.gz", spanline::gateway::gzip(bytes_of(typical())));
}

// Log records as applications send them: a GenAI event with its messages and
// ids, an evaluation result, and a record with a structured body and no trace.
void log_seeds() {
  opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest request;
  auto* resource = request.add_resource_logs();
  auto* name = resource->mutable_resource()->add_attributes();
  name->set_key("service.name");
  name->mutable_value()->set_string_value("chat");
  auto* scope = resource->add_scope_logs();
  scope->mutable_scope()->set_name("genai-instrumentation");
  auto* details = scope->add_log_records();
  details->set_time_unix_nano(1'763'900'000'000'000'000);
  details->set_severity_number(opentelemetry::proto::logs::v1::SEVERITY_NUMBER_INFO);
  details->set_event_name("gen_ai.client.inference.operation.details");
  details->set_trace_id(std::string(16, '\x12'));
  details->set_span_id(std::string(8, '\x34'));
  auto* messages = details->add_attributes();
  messages->set_key("gen_ai.input.messages");
  messages->mutable_value()->set_string_value(R"([{"role":"user","parts":[{"type":"text","content":"hi"}]}])");
  auto* evaluation = scope->add_log_records();
  evaluation->add_attributes()->set_key("event.name");
  evaluation->mutable_attributes(0)->mutable_value()->set_string_value("gen_ai.evaluation.result");
  auto* score = evaluation->add_attributes();
  score->set_key("gen_ai.evaluation.score.value");
  score->mutable_value()->set_double_value(0.9);
  auto* plain = scope->add_log_records();
  plain->set_observed_time_unix_nano(1'763'900'000'000'000'001);
  plain->set_severity_text("error");
  auto* body = plain->mutable_body()->mutable_kvlist_value()->add_values();
  body->set_key("message");
  body->mutable_value()->mutable_array_value()->add_values()->set_bytes_value("\x01\x02");
  write("fuzz_log_decoder", "genai_events.pb", request.SerializeAsString());
}

void bus_seeds() {
  const std::string target = "fuzz_bus_header";
  bus::Header append = bus::make_header(bus::MessageType::append, 7);
  append.partition = 2;
  append.count = 100;
  append.kind = static_cast<uint8_t>(bus::SignalKind::traces);
  write(target, "append.msgpack", bus::encode_header(append));
  bus::Header read = bus::make_header(bus::MessageType::read, 8);
  read.partition = 1;
  read.sequence = 41;
  read.count = 64;
  read.max_bytes = 2 << 20;
  read.wait_ms = 500;
  read.consumer = "indexer";
  read.instance = "indexer-1";
  read.committed = 40;
  write(target, "read.msgpack", bus::encode_header(read));
  bus::Header reply = bus::make_header(bus::MessageType::read_reply, 8);
  reply.sequence = 43;
  reply.first_sequence = 1;
  reply.sequences = {42, 43};
  reply.kinds = {1, 2};
  reply.received_nanos = {1'763'900'000'000'000'000, 1'763'900'000'000'000'001};
  reply.counts = {100, 3};
  write(target, "read_reply.msgpack", bus::encode_header(reply));
  write(target, "error.msgpack",
        bus::encode_header(bus::make_error(9, spanline::Status(spanline::Code::resource_exhausted, "queue full"))));
  bus::Header query = bus::make_header(bus::MessageType::query, 10);
  query.deadline_ms = 3000;
  write(target, "query.msgpack", bus::encode_header(query));

  bus::StatsSnapshot indexer{"indexer", "indexer-1", 4242, 1'763'900'000'000,
                             {{"spans_indexed", 1000}}, {{"rss_bytes", 8.2e7}},
                             {{"partitions", "0-1,3"}, {"query_endpoint", "ipc:///tmp/q.sock"}}};
  write(target, "stats_indexer.msgpack", bus::encode_stats(indexer));
  bus::StatsSnapshot wal{"wal", "wal-1", 4243, 1'763'900'000'000, {{"appends", 5}}, {}, {{"partitions", "4"}}};
  write(target, "stats_wal.msgpack", bus::encode_stats(wal));
}

void jwt_seeds() {
  const std::string target = "fuzz_jwt";
  auto key = spanline::auth::SigningKey::generate("fuzz-key");
  spanline::auth::TokenClaims claims{"spanline", "spanline-ingest", "key-1", "token-1", 1'899'999'000, 1'899'999'000, 1'900'003'600};
  const std::string token = spanline::auth::sign_token(claims, key);
  write(target, "valid_shape.jwt", token);
  write(target, "two_parts.jwt", token.substr(0, token.rfind('.')));
  const std::string none_header = spanline::auth::base64url_encode(R"({"alg":"none","kid":"fuzz-key"})");
  write(target, "alg_none.jwt", none_header + token.substr(token.find('.')));
  write(target, "jwk.json", key.public_jwk().dump());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus dir, e.g. tests/fuzz/corpus>\n", argv[0]);
    return 2;
  }
  g_root = argv[1];
  trace_seeds();
  log_seeds();
  bus_seeds();
  jwt_seeds();
  return 0;
}
