#pragma once
// The identity routes of the api, each a thin translation to one typed
// auth-responder request (protocol/auth/auth_messages.h): first-user setup, sign-in / sign-out / me, users, API keys, the
// ingest token exchange and the JWKS. Sessions travel in the spanline_session
// cookie (HttpOnly, SameSite=Strict, Secure in production). Roles (admin,
// member, viewer) are enforced by the auth-responder, which is handed the
// session with every users/keys request.
//
// Password hashing (sign-in, first-user setup, new users) costs the
// auth-responder tens of milliseconds of scrypt each, and an HTTP worker waits
// for it. So at most --max-concurrent-sign-ins such requests wait at once; the
// others are answered 429 with Retry-After at once, and a sign-in flood can
// hold only that many of the api's --threads workers, never all of them.

#include <atomic>
#include <string>

#include "stages/api/auth/session_guard.h"
#include "stages/api/config/api_config.h"
#include "stages/api/http/api_types.h"
#include "protocol/auth/auth_client.h"
#include "base/counted_gate.h"

namespace spanline::api {

inline constexpr const char* kSessionCookie = "spanline_session";

// The JSON object a POST to an identity route carries, or invalid_argument
// saying what is wrong with it. Needs no route state (fuzzed in tests/fuzz).
// Its fields are read with the auth hop's own rules (auth::read_text), so a
// browser gets the words the auth-responder would say.
Result<json> json_object_body(const std::string& body);

// A signed-in user's change (PUT /api/v1/llm/prices/{model}, /api/v1/playground/providers/{name}):
// its JSON body with the path's value as `path_field` and the session, read as
// the auth op `Request` with the auth hop's own rules, so a browser gets its words.
template <typename Request>
Result<Request> auth_request_from_body(const ApiRequest& request, auth::TextField path_field, const std::string& path_value) {
  auto body = json_object_body(request.body);
  if (!body) return body.status();
  json message = std::move(*body);
  message[path_field.name] = path_value;
  message[auth::kSessionField.name] = request.session;
  return auth::decode<Request>(message);
}

class AuthRoutes {
 public:
  // `refused_busy` counts the password requests turned away at the gate or by a busy auth-responder.
  AuthRoutes(const ApiConfig& config, auth::AuthClient& client, SessionGuard& guard, std::atomic<uint64_t>& refused_busy)
      : config_(config), client_(client), guard_(guard), password_gate_(config.max_concurrent_sign_ins), refused_busy_(refused_busy) {}

  // Public.
  ApiReply first_user(const ApiRequest& request);   // GET: is setup open?  POST: create the first user
  ApiReply sign_in(const ApiRequest& request);      // POST
  ApiReply otel_token(const ApiRequest& request);   // POST with X-API-Key
  ApiReply jwks(const ApiRequest& request);         // GET /.well-known/jwks.json
  // Behind the session guard.
  ApiReply sign_out(const ApiRequest& request);     // POST
  ApiReply me(const ApiRequest& request);           // GET
  ApiReply users(const ApiRequest& request);        // GET, POST
  ApiReply user(const ApiRequest& request, const std::string& id);  // DELETE, PATCH {"role"}
  ApiReply api_keys(const ApiRequest& request);     // GET, POST
  ApiReply api_key(const ApiRequest& request, const std::string& id);  // DELETE

 private:
  ApiReply session_reply(const auth::NewSession& session, int status);
  std::string cookie(const std::string& value, int64_t max_age_seconds) const;
  // Asks the auth-responder something that hashes a password, through the gate:
  // resource_exhausted when the gate is full or the auth-responder's hashing
  // pool is (busy_reply() answers it).
  template <typename Request>
  Result<typename Request::Reply> ask_hashing(const Request& request);
  ApiReply busy_reply(const Status& status);

  const ApiConfig& config_;
  auth::AuthClient& client_;
  SessionGuard& guard_;
  CountedGate password_gate_;
  std::atomic<uint64_t>& refused_busy_;
};

}  // namespace spanline::api
