#include "stages/api/routes/playground_routes.h"

#include "base/crypto/secrets.h"
#include "stages/api/playground/providers/http_transport.h"

namespace spanline::api {
namespace {

using namespace playground;

// A model list is short; one that does not come within these is a provider fault.
constexpr auto kModelsDeadline = std::chrono::seconds(15);
constexpr size_t kMaxModelsBody = 4u << 20;

ApiReply failure_reply(const ProviderFailure& failure) {
  return error_reply(502, failure_kind_name(failure.kind), failure.message);
}

}  // namespace

std::optional<ApiReply> PlaygroundRoutes::run(const ApiRequest& request, const OpenStream& open_stream) {
  auto parsed = parse_run_request(request.body);
  if (!parsed) return error_reply(parsed.status());
  auto endpoint = providers_.find(parsed->provider);
  if (!endpoint) return error_reply(endpoint.status());
  auto user = guard_.user_of(request.session);
  if (!user) return error_reply(user.status());
  if (auto refused = runner_.reserve(user->id)) return refused;
  auto stream = open_stream();
  if (!stream) {
    runner_.release(user->id);
    if (stream.status().code() == Code::cancelled) return std::nullopt;  // the client left: nothing to answer
    return error_reply(stream.status());
  }
  runner_.start(RunTicket{std::move(*parsed), std::move(*endpoint), user->id, user->email}, std::move(stream).value());
  return std::nullopt;
}

ApiReply PlaygroundRoutes::models(const ApiRequest& /*request*/, const std::string& provider) {
  auto endpoint = providers_.find(provider);
  if (!endpoint) return error_reply(endpoint.status());
  // The key's digest is part of the cache key: a key changed in Settings (or removed)
  // asks the provider again at once instead of showing what the old key could list.
  const std::string cache_key = endpoint->name + "\n" + std::string(provider_kind_name(endpoint->kind)) + "\n" + endpoint->base_url +
                                "\n" + auth::sha256_hex(endpoint->api_key);
  if (auto cached = models_.get(cache_key)) return json_reply(json{{"models", *cached}});
  if (listings_.fetch_add(1) >= kMaxModelListings) {
    listings_.fetch_sub(1);
    ApiReply reply = error_reply(503, "unavailable", "too many model listings in progress; retry shortly");
    reply.retry_after = "1";
    return reply;
  }
  struct Release {
    std::atomic<uint32_t>& count;
    ~Release() { count.fetch_sub(1); }
  } release{listings_};
  const ProviderProtocol& protocol = protocol_for(endpoint->kind);
  int http_status = 0;
  std::string retry_after;
  std::string body;
  TransferCallbacks callbacks;
  callbacks.on_status = [&](int status, std::string_view retry) {
    http_status = status;
    retry_after = retry;
  };
  callbacks.on_body = [&](std::string_view bytes) {
    body.append(bytes);
    return true;
  };
  TransferLimits limits;
  limits.deadline = kModelsDeadline;
  limits.stall = kModelsDeadline;
  limits.max_body_bytes = kMaxModelsBody;
  TransferOutcome transfer = perform(protocol.models_call(*endpoint), limits, callbacks);
  if (!transfer.complete) return failure_reply(redacted(transfer.failure, endpoint->api_key));
  if (http_status < 200 || http_status >= 300) {
    return failure_reply(redacted(protocol.classify_error(http_status, retry_after, body), endpoint->api_key));
  }
  auto models = protocol.parse_models(body);
  if (!models) return failure_reply(redacted(ProviderFailure{ProviderFailure::Kind::provider_error, models.status().message(), http_status, {}}, endpoint->api_key));
  models_.put(cache_key, *models);
  return json_reply(json{{"models", *models}});
}

}  // namespace spanline::api
