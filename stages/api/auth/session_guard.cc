#include "stages/api/auth/session_guard.h"

#include "base/crypto/secrets.h"

namespace spanline::api {

SessionGuard::SessionGuard(bus::Context& context, auth::AuthClient& client, const std::string& events_endpoint,
                           std::chrono::milliseconds cache_ttl)
    : client_(client), sessions_(cache_ttl, 100'000) {
  // Any event, and hearing the auth-responder again after silence (events may
  // have been lost meanwhile), drops every cached session.
  events_ = std::make_unique<auth::AuthEvents>(
      context, events_endpoint, [this](const auth::AuthEvent&) { sessions_.clear(); }, [this] { sessions_.clear(); });
}

Status SessionGuard::check(const ApiRequest& request) {
  if (request.session.empty()) return Status(Code::unauthenticated, "sign in first: this route needs a session");
  auto user = user_of(request.session);
  return user.status();
}

Result<auth::UserInfo> SessionGuard::user_of(const std::string& session) {
  if (session.size() > auth::kSessionField.max_bytes) return Status(Code::unauthenticated, "session expired or unknown; sign in again");
  const std::string key = auth::sha256_hex(session);
  if (auto cached = sessions_.get(key)) return *cached;
  auto reply = client_.check_session({session});
  if (!reply) return reply.status();
  sessions_.put(key, reply->user);
  return reply->user;
}

}  // namespace spanline::api
