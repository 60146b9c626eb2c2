#include "tests/support/otlp_client.h"

#include <grpcpp/generic/generic_stub.h>

#include <condition_variable>
#include <mutex>

namespace spanline::testing {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse;

namespace {
// gRPC shares one connection between channels to the same target with the same
// arguments (its global subchannel pool). A client here stands for a separate
// application, so each gets a connection of its own: otherwise the gateway
// closing an attacker's connection would also cut off the bystander's calls.
std::shared_ptr<grpc::Channel> own_connection_channel(const std::string& target) {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), arguments);
}
}  // namespace

OtlpClient::OtlpClient(const std::string& target, std::string api_key)
    : channel_(own_connection_channel(target)),
      stub_(opentelemetry::proto::collector::trace::v1::TraceService::NewStub(channel_)),
      random_(std::random_device{}()),
      api_key_(std::move(api_key)) {}

void OtlpClient::add_credentials(grpc::ClientContext& context) const {
  if (!api_key_.empty()) context.AddMetadata("x-junjo-api-key", api_key_);
  if (!bearer_.empty()) context.AddMetadata("authorization", "Bearer " + bearer_);
}

ExportTraceServiceRequest OtlpClient::make_request(int traces, int spans_per_trace, const std::string& service) {
  ExportTraceServiceRequest request;
  auto* resource_spans = request.add_resource_spans();
  auto* attribute = resource_spans->mutable_resource()->add_attributes();
  attribute->set_key("service.name");
  attribute->mutable_value()->set_string_value(service);
  auto* scope_spans = resource_spans->add_scope_spans();
  scope_spans->mutable_scope()->set_name("spanline-tests");
  auto random_bytes = [this](size_t n) {
    std::string out(n, '\0');
    for (auto& c : out) c = static_cast<char>(random_() | 1);
    return out;
  };
  for (int t = 0; t < traces; ++t) {
    std::string trace_id = random_bytes(16);
    std::string root;
    for (int s = 0; s < spans_per_trace; ++s) {
      auto* span = scope_spans->add_spans();
      span->set_trace_id(trace_id);
      span->set_span_id(random_bytes(8));
      if (s == 0) root = span->span_id();
      else span->set_parent_span_id(root);
      span->set_name(s == 0 ? "workflow" : "node");
      span->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_INTERNAL);
      span->set_start_time_unix_nano(1'700'000'000'000'000'000ULL + static_cast<uint64_t>(s) * 1000);
      span->set_end_time_unix_nano(1'700'000'000'000'000'000ULL + static_cast<uint64_t>(s) * 1000 + 500);
      auto* kv = span->add_attributes();
      kv->set_key("llm.model_name");
      kv->mutable_value()->set_string_value("gpt-4o");
    }
  }
  return request;
}

grpc::Status OtlpClient::send(const ExportTraceServiceRequest& request, ExportTraceServiceResponse* response,
                              std::chrono::milliseconds timeout, bool gzip) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  if (gzip) context.set_compression_algorithm(GRPC_COMPRESS_GZIP);
  add_credentials(context);
  ExportTraceServiceResponse ignored;
  return stub_->Export(&context, request, response != nullptr ? response : &ignored);
}

grpc::Status OtlpClient::send_raw(const std::string& bytes, std::chrono::milliseconds timeout, bool gzip) {
  grpc::GenericStub generic(channel_);
  grpc::ClientContext context;
  if (gzip) context.set_compression_algorithm(GRPC_COMPRESS_GZIP);
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  add_credentials(context);
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::Status status;
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  generic.UnaryCall(&context, "/opentelemetry.proto.collector.trace.v1.TraceService/Export", grpc::StubOptions(), &request,
                    &response, [&](grpc::Status s) {
                      std::lock_guard lock(mutex);
                      status = std::move(s);
                      done = true;
                      done_cv.notify_all();
                    });
  std::unique_lock lock(mutex);
  done_cv.wait(lock, [&] { return done; });
  return status;
}

std::set<SpanKey> OtlpClient::keys_of(const ExportTraceServiceRequest& request) {
  std::set<SpanKey> keys;
  for (const auto& resource_spans : request.resource_spans()) {
    for (const auto& scope_spans : resource_spans.scope_spans()) {
      for (const auto& span : scope_spans.spans()) keys.insert({to_hex(span.trace_id()), to_hex(span.span_id())});
    }
  }
  return keys;
}

}  // namespace spanline::testing
