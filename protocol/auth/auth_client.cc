#include "protocol/auth/auth_client.h"

namespace spanline::auth {

AuthClient::AuthClient(bus::Context& context, const std::string& endpoint, std::chrono::milliseconds timeout)
    : client_(context, {.endpoint = endpoint, .max_in_flight = 1024}), timeout_(timeout) {}

Result<json> AuthClient::call(const json& request) {
  std::string body = serialize(request);
  std::vector<zmq::message_t> payload;
  payload.emplace_back(body.data(), body.size());
  bus::Header header = bus::make_header(bus::MessageType::auth);
  header.deadline_ms = static_cast<uint32_t>(timeout_.count());
  auto reply = client_.call(header, std::move(payload), {.timeout = timeout_});
  if (!reply) {
    Status status = reply.status();
    if (status.code() == Code::deadline_exceeded || status.code() == Code::unavailable) {
      return Status(Code::unavailable, "auth-responder did not answer: " + status.message());
    }
    return status;
  }
  if (reply->header.message_type() != bus::MessageType::auth_reply || reply->payload.size() != 1) {
    return Status(Code::internal, "auth-responder sent an unexpected reply");
  }
  json answer = json::parse(reply->payload[0].to_string(), nullptr, false);
  if (answer.is_discarded() || !answer.is_object()) return Status(Code::internal, "auth-responder sent malformed JSON");
  return answer;
}

}  // namespace spanline::auth
