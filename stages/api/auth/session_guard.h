#pragma once
// The RequestGuard of every protected /api/v1/* route: the request must carry a
// live session cookie. A session the auth-responder confirmed is trusted for
// --session-cache-ttl; sign-out, user deletion and any revocation broadcast clear
// the cache at once, and so does hearing the auth-responder again after silence.
// The api verifies no token and no key itself (it asks the auth-responder, which
// reads meta.sqlite), so it keeps no revocation list of its own.

#include <memory>
#include <string>

#include <zmq.hpp>

#include "bus/context.h"

#include "stages/api/http/request_guard.h"
#include "protocol/auth/auth_client.h"
#include "protocol/auth/auth_events.h"
#include "protocol/auth/ttl_cache.h"

namespace spanline::api {

class SessionGuard final : public RequestGuard {
 public:
  SessionGuard(bus::Context& context, auth::AuthClient& client, const std::string& events_endpoint,
               std::chrono::milliseconds cache_ttl);
  Status check(const ApiRequest& request) override;
  // The signed-in user, or why not.
  Result<auth::UserInfo> user_of(const std::string& session);
  void forget_all() { sessions_.clear(); }

 private:
  auth::AuthClient& client_;
  auth::TtlCache<auth::UserInfo> sessions_;  // sha256(session) hex -> user
  std::unique_ptr<auth::AuthEvents> events_;
};

}  // namespace spanline::api
