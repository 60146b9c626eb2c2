#include "stages/gateway/http/otlp_http_server.h"

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/http_header.h>

#include <sstream>

#include "google/rpc/status.pb.h"
#include "base/http/pistache_headers.h"
#include "base/log.h"
#include "stages/gateway/http/gzip.h"
#include "stages/gateway/http/otlp_json.h"

namespace spanline::gateway {
namespace {

using namespace Pistache;
using http::header_value;
using http::RetryAfter;

enum class Encoding { protobuf, json };

// What the handler decided to send.
struct Reply {
  Http::Code code = Http::Code::Ok;
  std::string body;
  Encoding encoding = Encoding::json;
  bool retry_after = false;
  bool allow_post = false;
};

Http::Code http_code(Code code) {
  switch (code) {
    case Code::invalid_argument: return Http::Code::Bad_Request;
    case Code::unauthenticated: return Http::Code::Unauthorized;
    case Code::permission_denied: return Http::Code::Forbidden;
    case Code::resource_exhausted: return Http::Code::Too_Many_Requests;
    case Code::unavailable:
    case Code::deadline_exceeded: return Http::Code::Service_Unavailable;
    default: return Http::Code::Internal_Server_Error;
  }
}

Reply error_reply(Http::Code code, Code grpc_code, const std::string& message, Encoding encoding) {
  google::rpc::Status status;
  status.set_code(static_cast<int>(grpc_code));
  // 500s never carry internals to the client; the log has them.
  status.set_message(code == Http::Code::Internal_Server_Error ? "internal error" : message);
  Reply reply;
  reply.code = code;
  reply.encoding = encoding;
  reply.body = encoding == Encoding::json ? to_json(status) : status.SerializeAsString();
  reply.retry_after = code == Http::Code::Too_Many_Requests || code == Http::Code::Service_Unavailable;
  return reply;
}

Reply from_status(const Status& status, Encoding encoding) {
  return error_reply(http_code(status.code()), status.code(), status.message(), encoding);
}

}  // namespace

class OtlpHttpServer::Handler final : public http::LimitedHandler {
 public:
  HTTP_PROTOTYPE(Handler)
  Handler(Ingest* ingest, std::shared_ptr<http::ConnectionLimits> limits)
      : http::LimitedHandler(std::move(limits)), ingest_(ingest) {}

  void serve(const Http::Request& request, Http::ResponseWriter response) override {
    Reply reply = handle(request);
    if (reply.retry_after) response.headers().add<RetryAfter>("1");
    if (reply.allow_post) response.headers().add<Http::Header::Allow>(Http::Method::Post);
    response.setMime(reply.encoding == Encoding::json ? MIME(Application, Json)
                                                      : Http::Mime::MediaType::fromString("application/x-protobuf"));
    response.send(reply.code, reply.body);
  }

 private:
  Reply handle(const Http::Request& request) {
    const std::string& path = request.resource();
    bool traces = path == "/v1/traces", logs = path == "/v1/logs", metrics = path == "/v1/metrics";
    if (!traces && !logs && !metrics) {
      return error_reply(Http::Code::Not_Found, Code::not_found, "no such path: use /v1/traces, /v1/logs or /v1/metrics",
                         Encoding::json);
    }
    if (request.method() != Http::Method::Post) {
      Reply reply = error_reply(Http::Code::Method_Not_Allowed, Code::invalid_argument, "use POST", Encoding::json);
      reply.allow_post = true;
      return reply;
    }
    std::string content_type = http::ascii_lower(header_value(request, "content-type").value_or(""));
    content_type = content_type.substr(0, content_type.find(';'));
    while (!content_type.empty() && content_type.back() == ' ') content_type.pop_back();
    Encoding encoding;
    if (content_type == "application/x-protobuf") encoding = Encoding::protobuf;
    else if (content_type == "application/json") encoding = Encoding::json;
    else
      return error_reply(Http::Code::Unsupported_Media_Type, Code::invalid_argument,
                         "content-type must be application/x-protobuf or application/json, not '" + content_type + "'",
                         Encoding::json);

    RequestContext context;
    context.peer = request.address().host();
    context.header = [&request](std::string_view name) { return header_value(request, name); };
    // Credentials before the body is inflated or parsed.
    if (Status auth = ingest_->check_credentials(context); !auth.is_ok()) return from_status(auth, encoding);

    const uint64_t limit = ingest_->options().max_request_bytes;
    std::string body = request.body();
    std::string encoding_header = http::ascii_lower(header_value(request, "content-encoding").value_or("identity"));
    if (encoding_header == "gzip") {
      auto inflated = gunzip(body, limit);
      if (!inflated) {
        Code code = inflated.status().code();
        return error_reply(code == Code::resource_exhausted ? Http::Code::Request_Entity_Too_Large : Http::Code::Bad_Request,
                           code == Code::resource_exhausted ? Code::invalid_argument : code, inflated.status().message(),
                           encoding);
      }
      body = std::move(inflated.value());
    } else if (encoding_header != "identity" && !encoding_header.empty()) {
      return error_reply(Http::Code::Unsupported_Media_Type, Code::invalid_argument,
                         "content-encoding '" + encoding_header + "' is not supported (use gzip or none)", encoding);
    }
    if (body.size() > limit) {
      // 413: not retried by OTLP SDKs (the OTLP specification retries 429, 502, 503, 504).
      return error_reply(Http::Code::Request_Entity_Too_Large, Code::invalid_argument,
                         "the request is " + std::to_string(body.size()) + " bytes; the limit is " + std::to_string(limit) +
                             " (--max-request-bytes): send smaller batches",
                         encoding);
    }
    IngestReply result;
    if (traces) {
      result = encoding == Encoding::protobuf ? ingest_->export_traces_bytes(std::move(body), context)
                                              : ingest_->export_traces_json(body, parse_traces_json, context);
      if (!result.status.is_ok()) return failed(result, encoding);
      opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse response;
      if (result.rejected > 0 || !result.rejected_message.empty()) {
        response.mutable_partial_success()->set_rejected_spans(static_cast<int64_t>(result.rejected));
        response.mutable_partial_success()->set_error_message(result.rejected_message);
      }
      return ok_reply(response, encoding);
    }
    if (logs) {
      result = encoding == Encoding::protobuf ? ingest_->export_logs_bytes(body, context)
                                              : ingest_->export_logs_json(body, parse_logs_json, context);
      if (!result.status.is_ok()) return failed(result, encoding);
      return ok_reply(opentelemetry::proto::collector::logs::v1::ExportLogsServiceResponse(), encoding);
    }
    result = encoding == Encoding::protobuf ? ingest_->export_metrics_bytes(body, context)
                                            : ingest_->export_metrics_json(body, parse_metrics_json, context);
    if (!result.status.is_ok()) return failed(result, encoding);
    return ok_reply(opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceResponse(), encoding);
  }

  // A refused request: Retry-After only when Ingest says a retry can help.
  static Reply failed(const IngestReply& result, Encoding encoding) {
    Reply reply = from_status(result.status, encoding);
    reply.retry_after = result.retry_after.has_value() || reply.code == Http::Code::Service_Unavailable;
    return reply;
  }

  static Reply ok_reply(const google::protobuf::Message& response, Encoding encoding) {
    Reply reply;
    reply.encoding = encoding;
    reply.body = encoding == Encoding::json ? to_json(response) : response.SerializeAsString();
    return reply;
  }

  Ingest* ingest_;
};

OtlpHttpServer::OtlpHttpServer(Ingest& ingest, std::string address, size_t threads,
                               http::ConnectionLimitOptions limits, http::HttpTimeouts timeouts)
    : ingest_(ingest),
      address_(std::move(address)),
      threads_(threads),
      limits_(std::make_shared<http::ConnectionLimits>(std::move(limits))),
      timeouts_(timeouts) {}

OtlpHttpServer::~OtlpHttpServer() { stop(); }

Status OtlpHttpServer::start() {
  try {
    Address address(address_);
    endpoint_ = std::make_unique<Http::Endpoint>(address);
    auto options = Http::Endpoint::options()
                       .threads(static_cast<int>(threads_))
                       .flags(Tcp::Options::ReuseAddr)
                       // Headers and framing on top of the largest body we accept.
                       .maxRequestSize(ingest_.options().max_request_bytes + (64 << 10))
                       .maxResponseSize(1 << 20);
    http::apply_timeouts(options, timeouts_);
    endpoint_->init(options);
    endpoint_->setHandler(Http::make_handler<Handler>(&ingest_, limits_));
    endpoint_->serveThreaded();
  } catch (const std::exception& e) {
    endpoint_.reset();
    return Status(Code::unavailable, "cannot listen for OTLP/HTTP on " + address_ + ": " + e.what());
  }
  log::info("OTLP/HTTP listening", {{"address", address_}, {"port", static_cast<unsigned>(port())}});
  return Status::ok();
}

void OtlpHttpServer::stop() {
  if (!endpoint_) return;
  endpoint_->shutdown();
  endpoint_.reset();
}

uint16_t OtlpHttpServer::port() const { return endpoint_ ? static_cast<uint16_t>(endpoint_->getPort()) : 0; }

}  // namespace spanline::gateway
