#include "stages/api/playground/run_recorder.h"

#include "base/hex.h"
#include "base/log.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "protocol/wal/partitions.h"
#include "protocol/wal/wal_writer.h"

namespace spanline::api::playground {
namespace {

using json = nlohmann::json;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::common::v1::KeyValue;
using opentelemetry::proto::trace::v1::Span;
using SpanStatus = opentelemetry::proto::trace::v1::Status;

constexpr auto kAppendTimeout = std::chrono::seconds(5);

// GenAI's gen_ai.provider.name values for each protocol.
std::string_view genai_provider(ProviderKind kind) {
  switch (kind) {
    case ProviderKind::openai: return "openai";
    case ProviderKind::anthropic: return "anthropic";
    case ProviderKind::gemini: return "gcp.gemini";
  }
  return "openai";
}

json part_json(const ChatPart& part) {
  switch (part.type) {
    case ChatPart::Type::text: return {{"type", "text"}, {"content", part.content}};
    case ChatPart::Type::tool_call: {
      json out{{"type", "tool_call"}, {"name", part.name}, {"arguments", json_or_text(part.arguments)}};
      if (!part.id.empty()) out["id"] = part.id;
      return out;
    }
    case ChatPart::Type::tool_call_response: {
      json out{{"type", "tool_call_response"}, {"response", json_or_text(part.content)}};
      if (!part.id.empty()) out["id"] = part.id;
      return out;
    }
  }
  return json::object();
}

std::string dumped(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

class Attributes {
 public:
  explicit Attributes(google::protobuf::RepeatedPtrField<KeyValue>* out) : out_(out) {}
  void text(const char* key, std::string_view value) {
    KeyValue* kv = out_->Add();
    kv->set_key(key);
    kv->mutable_value()->set_string_value(std::string(value));
  }
  void integer(const char* key, int64_t value) {
    KeyValue* kv = out_->Add();
    kv->set_key(key);
    kv->mutable_value()->set_int_value(value);
  }
  void number(const char* key, double value) {
    KeyValue* kv = out_->Add();
    kv->set_key(key);
    kv->mutable_value()->set_double_value(value);
  }
  void texts(const char* key, const std::vector<std::string>& values) {
    KeyValue* kv = out_->Add();
    kv->set_key(key);
    auto* array = kv->mutable_value()->mutable_array_value();
    for (const std::string& value : values) array->add_values()->set_string_value(value);
  }

 private:
  google::protobuf::RepeatedPtrField<KeyValue>* out_;
};

void add_request(Attributes& a, const RunRequest& request) {
  const ChatRequest& chat = request.chat;
  const ChatParameters& p = chat.parameters;
  a.text("gen_ai.request.model", chat.model);
  if (p.temperature) a.number("gen_ai.request.temperature", *p.temperature);
  if (p.top_p) a.number("gen_ai.request.top_p", *p.top_p);
  if (p.max_tokens) a.integer("gen_ai.request.max_tokens", *p.max_tokens);
  if (p.seed) a.integer("gen_ai.request.seed", *p.seed);
  if (!p.stop.empty()) a.texts("gen_ai.request.stop_sequences", p.stop);
  if (p.response_format != ChatParameters::ResponseFormat::text) {
    a.text("gen_ai.output.type", "json");
  }
  if (!chat.system.empty()) a.text("gen_ai.system_instructions", dumped(json::array({{{"type", "text"}, {"content", chat.system}}})));
  json messages = json::array();
  for (const ChatMessage& message : chat.messages) {
    json parts = json::array();
    for (const ChatPart& part : message.parts) parts.push_back(part_json(part));
    messages.push_back({{"role", message.role}, {"parts", std::move(parts)}});
  }
  a.text("gen_ai.input.messages", dumped(messages));
  if (!chat.tools.empty()) {
    json tools = json::array();
    for (const ToolDefinition& tool : chat.tools) {
      json out{{"type", "function"}, {"name", tool.name}};
      if (!tool.description.empty()) out["description"] = tool.description;
      if (!tool.parameters.empty()) out["parameters"] = json_or_text(tool.parameters);
      tools.push_back(std::move(out));
    }
    a.text("gen_ai.tool.definitions", dumped(tools));
  }
}

void add_answer(Attributes& a, const RunOutcome& run) {
  if (!run.response_model.empty()) a.text("gen_ai.response.model", run.response_model);
  if (!run.response_id.empty()) a.text("gen_ai.response.id", run.response_id);
  if (!run.finish_reason.empty()) a.texts("gen_ai.response.finish_reasons", {run.finish_reason});
  const ChatUsage& u = run.usage;
  if (u.input_tokens) a.integer("gen_ai.usage.input_tokens", *u.input_tokens);
  if (u.output_tokens) a.integer("gen_ai.usage.output_tokens", *u.output_tokens);
  if (u.cache_read_tokens) a.integer("gen_ai.usage.cache_read.input_tokens", *u.cache_read_tokens);
  if (u.cache_write_tokens) a.integer("gen_ai.usage.cache_creation.input_tokens", *u.cache_write_tokens);
  if (u.reasoning_tokens) a.integer("gen_ai.usage.reasoning.output_tokens", *u.reasoning_tokens);
  if (run.text.empty() && run.tool_calls.empty()) return;
  json parts = json::array();
  if (!run.text.empty()) parts.push_back({{"type", "text"}, {"content", run.text}});
  for (const ChatPart& call : run.tool_calls) parts.push_back(part_json(call));
  json message{{"role", "assistant"}, {"parts", std::move(parts)}};
  if (!run.finish_reason.empty()) message["finish_reason"] = run.finish_reason;
  a.text("gen_ai.output.messages", dumped(json::array({std::move(message)})));
}

}  // namespace

std::string run_span_export(const RunOutcome& run, const RunRequest& request, const std::string& user_email) {
  ExportTraceServiceRequest export_request;
  auto* resource_spans = export_request.add_resource_spans();
  Attributes resource(resource_spans->mutable_resource()->mutable_attributes());
  resource.text("service.name", kPlaygroundService);
  auto* scope_spans = resource_spans->add_scope_spans();
  scope_spans->mutable_scope()->set_name(kPlaygroundService);
  Span* span = scope_spans->add_spans();
  span->set_trace_id(from_hex(run.trace_id).value_or(""));
  span->set_span_id(from_hex(run.span_id).value_or(""));
  span->set_name("chat " + request.chat.model);
  span->set_kind(Span::SPAN_KIND_CLIENT);
  span->set_start_time_unix_nano(static_cast<uint64_t>(run.start_ns));
  span->set_end_time_unix_nano(static_cast<uint64_t>(std::max(run.end_ns, run.start_ns)));
  Attributes a(span->mutable_attributes());
  a.text("gen_ai.operation.name", "chat");
  a.text("gen_ai.provider.name", genai_provider(run.kind));
  add_request(a, request);
  add_answer(a, run);
  a.text("spanline.playground.provider", run.provider);
  a.text("spanline.playground.run_id", run.run_id);
  a.text("spanline.playground.stream", request.chat.stream ? "true" : "false");
  if (!user_email.empty()) a.text("spanline.playground.user", user_email);
  if (!request.label.empty()) a.text("spanline.playground.label", request.label);
  if (run.first_token_ns) a.integer("spanline.playground.time_to_first_token_ms", (*run.first_token_ns - run.start_ns) / 1000000);
  if (run.failure) {
    a.text("error.type", failure_kind_name(run.failure->kind));
    if (run.failure->http_status) a.integer("http.response.status_code", *run.failure->http_status);
    span->mutable_status()->set_code(SpanStatus::STATUS_CODE_ERROR);
    span->mutable_status()->set_message(run.failure->message);
  } else if (run.content_filtered) {
    a.text("error.type", failure_kind_name(ProviderFailure::Kind::content_filtered));
    span->mutable_status()->set_code(SpanStatus::STATUS_CODE_ERROR);
    span->mutable_status()->set_message("the provider filtered the answer (finish reason " + run.finish_reason + ")");
  } else {
    span->mutable_status()->set_code(SpanStatus::STATUS_CODE_OK);
  }
  if (request.source) {
    auto* link = span->add_links();
    link->set_trace_id(from_hex(request.source->trace_id).value_or(""));
    link->set_span_id(from_hex(request.source->span_id).value_or(""));
    Attributes link_attributes(link->mutable_attributes());
    link_attributes.text("spanline.link.type", "playground_source");
  }
  return export_request.SerializeAsString();
}

RunRecorder::RunRecorder(bus::Context& context, const ApiConfig& config, bus::StatsRegistry& stats)
    : context_(context),
      config_(config),
      recorded_(stats.counter("playground_runs_recorded")),
      failures_(stats.counter("playground_record_failures")) {}

RunRecorder::~RunRecorder() = default;

wal::WalWriter& RunRecorder::writer() {
  std::lock_guard lock(mutex_);
  if (!writer_) {
    // Few appends: a small in-flight cap; the count is the WAL's (the api's --partitions is only a check of its queries).
    writer_ = std::make_unique<wal::WalWriter>(context_, config_.wal_endpoint, 64, 0, "the api (playground runs)");
  }
  return *writer_;
}

Status RunRecorder::record(const RunOutcome& run, const RunRequest& request, const std::string& user_email) {
  wal::WalWriter& wal = writer();
  Status appended = [&]() -> Status {
    auto partitions = wal.wait_for_partitions(std::chrono::seconds(1));
    if (!partitions) return partitions.status();
    std::vector<wal::WalPart> parts;
    parts.push_back(wal::WalPart{wal::partition_of(from_hex(run.trace_id).value_or(""), *partitions), bus::SignalKind::traces, 1,
                                 run_span_export(run, request, user_email)});
    return wal.append_all(std::move(parts), kAppendTimeout);
  }();
  if (appended.is_ok()) {
    recorded_.fetch_add(1);
  } else {
    failures_.fetch_add(1);
    log::warn("playground run not recorded", {{"run_id", run.run_id}, {"trace_id", run.trace_id}, {"error", appended.message()}});
  }
  return appended;
}

}  // namespace spanline::api::playground
