#pragma once
// How the gateway, the api and the CLI ask the auth-responder: one JSON request
// over a DEALER socket, with a deadline. An error reply comes back as its
// Status (unauthenticated, invalid_argument, ...); an auth-responder that does
// not answer as unavailable / deadline_exceeded, which callers treat as retryable.

#include <chrono>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "bus/request_client.h"
#include "base/status.h"

namespace spanline::auth {

using json = nlohmann::json;

class AuthClient {
 public:
  AuthClient(bus::Context& context, const std::string& endpoint, std::chrono::milliseconds timeout = std::chrono::seconds(3));
  Result<json> call(const json& request);
  const std::string& endpoint() const { return client_.endpoint(); }

 private:
  bus::RequestClient client_;
  std::chrono::milliseconds timeout_;
};

}  // namespace spanline::auth
