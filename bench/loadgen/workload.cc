#include "bench/loadgen/workload.h"

#include <chrono>

namespace spanline::bench {
namespace {

using opentelemetry::proto::trace::v1::Span;

void set_string(Span* span, const std::string& key, const std::string& value) {
  auto* kv = span->add_attributes();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}
void set_int(Span* span, const std::string& key, int64_t value) {
  auto* kv = span->add_attributes();
  kv->set_key(key);
  kv->mutable_value()->set_int_value(value);
}

// A Junjo workflow of `spans` spans: the workflow, then nodes alternating with
// the LLM calls they make.
void add_junjo_trace(google::protobuf::RepeatedPtrField<Span>* spans, uint32_t count, const std::string& filler) {
  Span* workflow = spans->Add();
  workflow->set_name("support_workflow");
  workflow->set_kind(Span::SPAN_KIND_INTERNAL);
  set_string(workflow, "junjo.span_type", "workflow");
  set_string(workflow, "junjo.id", "wf-1");
  set_string(workflow, "junjo.workflow.state.start", R"({"question":"How do I reset my password?","answer":null,"step":0})");
  set_string(workflow, "junjo.workflow.state.end",
             R"({"question":"How do I reset my password?","answer":"Use the reset link.","step:":3})");
  set_string(workflow, "junjo.workflow.graph_structure",
             R"({"nodes":[{"id":"classify"},{"id":"retrieve"},{"id":"answer"}],"edges":[{"source":"classify","target":"retrieve"},{"source":"retrieve","target":"answer"}]})");
  set_int(workflow, "junjo.workflow.node.count", 3);
  for (uint32_t s = 1; s < count; ++s) {
    Span* span = spans->Add();
    bool llm = s % 2 == 0;
    span->set_name(llm ? "chat gpt-4o" : "node " + std::to_string(s));
    span->set_kind(llm ? Span::SPAN_KIND_CLIENT : Span::SPAN_KIND_INTERNAL);
    if (llm) {
      set_string(span, "gen_ai.system", "openai");
      set_string(span, "gen_ai.request.model", "gpt-4o");
      set_int(span, "gen_ai.usage.input_tokens", 200 + s);
      set_int(span, "gen_ai.usage.output_tokens", 40 + s);
      set_string(span, "gen_ai.prompt", "You are a support assistant. " + filler);
      set_string(span, "gen_ai.completion", "Use the reset link on the sign-in page.");
    } else {
      set_string(span, "junjo.span_type", "node");
      set_string(span, "junjo.id", "node-" + std::to_string(s));
      auto* event = span->add_events();
      event->set_name("set_state");
      auto* action = event->add_attributes();
      action->set_key("junjo.store.action");
      action->mutable_value()->set_string_value("set_answer");
      auto* patch = event->add_attributes();
      patch->set_key("junjo.state_json_patch");
      patch->mutable_value()->set_string_value(R"([{"op":"replace","path":"/step","value":)" + std::to_string(s) + "}]");
    }
  }
}

void add_plain_trace(google::protobuf::RepeatedPtrField<Span>* spans, uint32_t count, uint32_t attributes,
                     const std::string& filler) {
  for (uint32_t s = 0; s < count; ++s) {
    Span* span = spans->Add();
    span->set_name(s == 0 ? "request" : "step " + std::to_string(s % 8));
    span->set_kind(s == 0 ? Span::SPAN_KIND_SERVER : Span::SPAN_KIND_INTERNAL);
    for (uint32_t a = 0; a < attributes; ++a) set_string(span, "attr." + std::to_string(a), filler);
  }
}

}  // namespace

std::string WorkloadShape::describe() const {
  if (junjo) return std::to_string(spans_per_request) + " spans/request, Junjo-shaped";
  return std::to_string(spans_per_request) + " spans/request, " + std::to_string(attributes_per_span) + " attributes x " +
         std::to_string(attribute_bytes) + " B" + (varied_values ? ", varied values" : "");
}

RequestFactory::RequestFactory(WorkloadShape shape, uint64_t seed) : shape_(std::move(shape)), random_(seed) {
  auto* resource_spans = template_.add_resource_spans();
  auto* service = resource_spans->mutable_resource()->add_attributes();
  service->set_key("service.name");
  service->mutable_value()->set_string_value(shape_.service);
  auto* scope_spans = resource_spans->add_scope_spans();
  scope_spans->mutable_scope()->set_name("spanline-loadgen");
  std::string filler(shape_.attribute_bytes, 'x');
  if (shape_.varied_values) {
    // Pseudo-words of two or three syllables: a vocabulary with the spread of trigrams real text has.
    const char* syllables[] = {"ka", "lo", "mi", "ren", "sto", "var", "qui", "de", "na", "tor", "pe", "sil", "gra", "ult", "fen", "bo"};
    for (uint32_t w = 0; w < 1024; ++w) {
      words_.push_back(std::string(syllables[w % 16]) + syllables[(w / 16) % 16] + (w >= 256 ? syllables[(w / 256 + w) % 16] : ""));
    }
    for (uint32_t c = 0; c < 16; ++c) choices_.push_back("route /api/v" + std::to_string(c % 3) + "/" + words_[c * 37] + " " + std::to_string(200 + c));
  }
  // Traces of 10 spans (or fewer when a request holds fewer).
  uint32_t per_trace = std::min<uint32_t>(10, std::max<uint32_t>(1, shape_.spans_per_request));
  for (uint32_t made = 0; made < shape_.spans_per_request; made += per_trace) {
    uint32_t count = std::min(per_trace, shape_.spans_per_request - made);
    if (shape_.junjo) {
      add_junjo_trace(scope_spans->mutable_spans(), count, filler);
    } else {
      add_plain_trace(scope_spans->mutable_spans(), count, shape_.attributes_per_span, filler);
    }
  }
  // Span ids, and parents: the first span of each trace is its root.
  std::string root;
  uint32_t index = 0;
  for (auto& span : *scope_spans->mutable_spans()) {
    span.set_span_id(random_id(8));
    if (index++ % per_trace == 0) {
      root = span.span_id();
    } else {
      span.set_parent_span_id(root);
    }
  }
  renew(template_);
}

opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest RequestFactory::make() { return template_; }

void RequestFactory::renew(opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request) {
  uint64_t now = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  std::string trace_id;
  for (auto& scope_spans : *request.mutable_resource_spans(0)->mutable_scope_spans()) {
    uint32_t index = 0;
    for (auto& span : *scope_spans.mutable_spans()) {
      if (span.parent_span_id().empty()) trace_id = random_id(16);
      span.set_trace_id(trace_id);
      uint64_t start = now + index * 1'000'000ULL;
      span.set_start_time_unix_nano(start);
      span.set_end_time_unix_nano(start + (span.parent_span_id().empty() ? 50'000'000ULL : 800'000ULL));
      if (shape_.varied_values && !shape_.junjo) {
        for (int a = 0; a < span.attributes_size(); ++a) *span.mutable_attributes(a)->mutable_value()->mutable_string_value() = varied_value(a);
      }
      ++index;
    }
  }
}

std::string RequestFactory::varied_value(uint32_t index) {
  const size_t bytes = shape_.attribute_bytes;
  std::string value;
  switch (index % 4) {
    case 0:
      value = choices_[random_() % choices_.size()];
      break;
    case 1:
      while (value.size() < bytes) value += (value.empty() ? "" : " ") + words_[random_() % words_.size()];
      break;
    case 2: {
      static constexpr char kHex[] = "0123456789abcdef";
      while (value.size() < bytes) {
        uint64_t bits = random_();
        for (int i = 0; i < 16 && value.size() < bytes; ++i) value += kHex[(bits >> (4 * i)) & 15];
      }
      break;
    }
    default:
      value = "user-" + std::to_string(random_() % 5000);
  }
  value.resize(bytes, '.');  // exactly the filler's size, so the OTLP bytes per span stay comparable
  return value;
}

std::string RequestFactory::random_id(size_t bytes) {
  std::string out(bytes, '\0');
  for (size_t i = 0; i < bytes; i += 8) {
    uint64_t value = random_() | 1;
    for (size_t b = 0; b < 8 && i + b < bytes; ++b) out[i + b] = static_cast<char>(value >> (8 * b));
  }
  return out;
}

}  // namespace spanline::bench
