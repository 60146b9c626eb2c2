#pragma once
// The identity routes of the api, each a thin translation to one auth-responder
// request: first-user setup, sign-in / sign-out / me, users, API keys, the
// ingest token exchange and the JWKS. Sessions travel in the spanline_session
// cookie (HttpOnly, SameSite=Strict, Secure in production).

#include <string>

#include "api/auth/session_guard.h"
#include "api/config/api_config.h"
#include "api/http/api_types.h"
#include "stages/auth/client/auth_client.h"

namespace spanline::api {

inline constexpr const char* kSessionCookie = "spanline_session";

// The JSON object a POST to an identity route carries, or invalid_argument
// saying what is wrong with it. Needs no route state (fuzzed in tests/fuzz).
Result<json> json_object_body(const std::string& body);

class AuthRoutes {
 public:
  AuthRoutes(const ApiConfig& config, auth::AuthClient& client, SessionGuard& guard)
      : config_(config), client_(client), guard_(guard) {}

  // Public.
  ApiReply first_user(const ApiRequest& request);   // GET: is setup open?  POST: create the first user
  ApiReply sign_in(const ApiRequest& request);      // POST
  ApiReply otel_token(const ApiRequest& request);   // POST with X-API-Key
  ApiReply jwks(const ApiRequest& request);         // GET /.well-known/jwks.json
  // Behind the session guard.
  ApiReply sign_out(const ApiRequest& request);     // POST
  ApiReply me(const ApiRequest& request);           // GET
  ApiReply users(const ApiRequest& request);        // GET, POST
  ApiReply user(const ApiRequest& request, const std::string& id);  // DELETE
  ApiReply api_keys(const ApiRequest& request);     // GET, POST
  ApiReply api_key(const ApiRequest& request, const std::string& id);  // DELETE

 private:
  ApiReply session_reply(const json& answer, int status);
  std::string cookie(const std::string& value, int64_t max_age_seconds) const;

  const ApiConfig& config_;
  auth::AuthClient& client_;
  SessionGuard& guard_;
};

}  // namespace spanline::api
