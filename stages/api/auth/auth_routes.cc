#include "stages/api/auth/auth_routes.h"

#include "base/clock.h"
#include "base/json_depth.h"
#include "protocol/auth/auth_codec.h"

namespace spanline::api {

namespace {

// A password request turned away for being one too many waits this long; the
// gate frees in a hash's time (tens of milliseconds), so one second is plenty.
constexpr int kBusyRetryAfterSeconds = 1;

Status invalid(const std::string& message) { return Status(Code::invalid_argument, message); }

// The email and password a form sent, as the auth hop reads them.
struct Credentials {
  std::string email;
  std::string password;
};
Result<Credentials> credentials_of(const json& body) {
  auto email = auth::read_text(body, auth::kEmailField);
  if (!email) return email.status();
  auto password = auth::read_text(body, auth::kPasswordField);
  if (!password) return password.status();
  return Credentials{std::move(*email), std::move(*password)};
}

// A reply as the browser gets it: the auth hop's own JSON for it.
template <typename Reply>
ApiReply reply_of(const Result<Reply>& answer, int status = 200) {
  return answer ? json_reply(auth::encode(*answer), status) : error_reply(answer.status());
}

}  // namespace

Result<json> json_object_body(const std::string& body_text) {
  if (body_text.empty()) return invalid("the request needs a JSON body");
  // A parsed body is destroyed (and would be copied or dumped) recursively, one stack frame per level.
  constexpr int kMaxDepth = 32;
  if (json_nests_deeper_than(body_text, kMaxDepth)) {
    return invalid("the body nests deeper than " + std::to_string(kMaxDepth) + " levels");
  }
  json body = json::parse(body_text, nullptr, false);
  if (body.is_discarded()) return invalid("the body is not valid JSON");
  if (!body.is_object()) return invalid("the body must be a JSON object");
  return body;
}

std::string AuthRoutes::cookie(const std::string& value, int64_t max_age_seconds) const {
  std::string out = std::string(kSessionCookie) + "=" + value + "; Path=/; Max-Age=" + std::to_string(max_age_seconds) +
                    "; HttpOnly; SameSite=Strict";
  if (config_.env == "production") out += "; Secure";
  return out;
}

ApiReply AuthRoutes::session_reply(const auth::NewSession& session, int status) {
  ApiReply reply = json_reply({{"user", auth::encode(session.user)}, {"expires_at_ms", session.expires_at_ms}}, status);
  const int64_t max_age = std::max<int64_t>((session.expires_at_ms - unix_nanos_now() / 1'000'000) / 1000, 1);
  reply.set_cookie = cookie(session.session, max_age);
  if (!session.device.empty()) reply.device_cookie = session.device;
  return reply;
}

template <typename Request>
Result<typename Request::Reply> AuthRoutes::ask_hashing(const Request& request) {
  CountedGate::Ticket ticket = password_gate_.try_enter();
  if (!ticket) return Status(Code::resource_exhausted, "too many sign-ins in progress; retry in a moment");
  return client_.ask(request);
}

ApiReply AuthRoutes::busy_reply(const Status& status) {
  refused_busy_.fetch_add(1);
  ApiReply reply = error_reply(429, "too_many_requests", status.message());
  reply.retry_after = std::to_string(kBusyRetryAfterSeconds);
  return reply;
}

ApiReply AuthRoutes::first_user(const ApiRequest& request) {
  if (request.method == "GET" || request.method == "HEAD") {
    auto status = client_.setup_status();
    if (!status) return error_reply(status.status());
    // From another machine the form must ask for the setup token.
    return json_reply({{"open", !status->has_users}, {"token_required", !request.from_loopback}});
  }
  if (request.method != "POST") return method_not_allowed(request, "GET, HEAD, POST");
  auto body = json_object_body(request.body);
  if (!body) return error_reply(body.status());
  auto credentials = credentials_of(*body);
  if (!credentials) return error_reply(credentials.status());
  auto setup_token = auth::read_text(*body, auth::kSetupTokenField, false);
  if (!setup_token) return error_reply(setup_token.status());
  // The auth-responder lets a loopback client set up without a token.
  auto answer = ask_hashing(auth::CreateFirstUser{credentials->email, credentials->password, request.from_loopback, *setup_token});
  if (!answer) {
    if (answer.status().code() == Code::resource_exhausted) return busy_reply(answer.status());
    if (answer.status().code() == Code::failed_precondition) {
      return error_reply(409, "setup_closed", "a user already exists; first-user setup is closed");
    }
    return error_reply(answer.status());
  }
  return session_reply(*answer, 201);
}

ApiReply AuthRoutes::sign_in(const ApiRequest& request) {
  if (request.method != "POST") return method_not_allowed(request, "POST");
  auto body = json_object_body(request.body);
  if (!body) return error_reply(body.status());
  auto credentials = credentials_of(*body);
  if (!credentials) return error_reply(credentials.status());
  // The address is the client's (behind --trusted-proxies, from X-Forwarded-For).
  auto answer = ask_hashing(auth::SignIn{credentials->email, credentials->password, request.address, request.device});
  if (!answer && answer.status().code() == Code::resource_exhausted) return busy_reply(answer.status());
  if (!answer) return error_reply(answer.status());
  if (answer->throttled_for_s) {
    const int64_t wait = *answer->throttled_for_s;
    ApiReply reply = error_reply(429, "too_many_requests",
                                 "too many failed sign-ins for this account from here; try again in " + std::to_string(wait) + " s");
    reply.retry_after = std::to_string(wait);
    return reply;
  }
  return session_reply(answer->session, 200);
}

ApiReply AuthRoutes::otel_token(const ApiRequest& request) {
  if (request.method != "POST") return method_not_allowed(request, "POST");
  if (request.api_key.empty()) return error_reply(401, "unauthenticated", "send an API key in the X-API-Key header");
  return reply_of(client_.issue_token({request.api_key}));
}

ApiReply AuthRoutes::jwks(const ApiRequest& request) {
  if (request.method != "GET" && request.method != "HEAD") return method_not_allowed(request, "GET, HEAD");
  auto answer = client_.jwks();
  if (!answer) return error_reply(answer.status());
  ApiReply reply = json_reply(auth::encode(*answer));
  reply.content_type = "application/jwk-set+json";
  reply.cache_control = "public, max-age=300";
  return reply;
}

ApiReply AuthRoutes::sign_out(const ApiRequest& request) {
  if (request.method != "POST") return method_not_allowed(request, "POST");
  auto answer = client_.sign_out({request.session});
  if (!answer) return error_reply(answer.status());
  guard_.forget_all();
  ApiReply reply = no_content_reply();
  reply.set_cookie = cookie("", 0);
  return reply;
}

ApiReply AuthRoutes::me(const ApiRequest& request) {
  if (request.method != "GET" && request.method != "HEAD") return method_not_allowed(request, "GET, HEAD");
  auto user = guard_.user_of(request.session);
  if (!user) return error_reply(user.status());
  return json_reply(auth::encode(auth::UserReply{*user}));
}

// Users and keys: the auth-responder decides what the session's role allows
// (it looks the session up itself, so a demotion counts at once); these
// handlers only translate HTTP to its ops and back.
ApiReply AuthRoutes::users(const ApiRequest& request) {
  const auth::Asker asker = auth::Asker::with_session(request.session);
  if (request.method == "GET" || request.method == "HEAD") return reply_of(client_.list_users({asker}));
  if (request.method != "POST") return method_not_allowed(request, "GET, HEAD, POST");
  auto body = json_object_body(request.body);
  if (!body) return error_reply(body.status());
  auto credentials = credentials_of(*body);
  if (!credentials) return error_reply(credentials.status());
  auto role = auth::read_text(*body, auth::kRoleField, false);
  if (!role) return error_reply(role.status());
  auto answer = ask_hashing(auth::CreateUser{asker, credentials->email, credentials->password, *role});
  if (!answer && answer.status().code() == Code::resource_exhausted) return busy_reply(answer.status());
  return reply_of(answer, 201);
}

ApiReply AuthRoutes::user(const ApiRequest& request, const std::string& id) {
  if (request.method != "DELETE" && request.method != "PATCH") return method_not_allowed(request, "DELETE, PATCH");
  const std::optional<int64_t> number = auth::user_id_from_text(id);
  if (!number) return error_reply(400, "invalid_argument", "a user id is a positive integer");
  const auth::Asker asker = auth::Asker::with_session(request.session);
  if (request.method == "PATCH") {
    auto body = json_object_body(request.body);
    if (!body) return error_reply(body.status());
    if (!body->contains(auth::kRoleField.name)) {
      return error_reply(400, "invalid_argument", "send {\"role\": \"admin\" | \"member\" | \"viewer\"}");
    }
    auto role = auth::read_text(*body, auth::kRoleField);
    if (!role) return error_reply(role.status());
    auto answer = client_.set_user_role({asker, *number, *role});
    if (!answer) return error_reply(answer.status());
    guard_.forget_all();
    return reply_of(answer);
  }
  auto self = guard_.user_of(request.session);
  if (!self) return error_reply(self.status());
  if (self->id == *number) {
    return error_reply(409, "failed_precondition", "you cannot delete your own user; ask another admin to do it");
  }
  auto answer = client_.delete_user({asker, *number});
  if (!answer) return error_reply(answer.status());
  guard_.forget_all();
  return no_content_reply();
}

ApiReply AuthRoutes::api_keys(const ApiRequest& request) {
  const auth::Asker asker = auth::Asker::with_session(request.session);
  if (request.method == "GET" || request.method == "HEAD") return reply_of(client_.list_api_keys({asker}));
  if (request.method != "POST") return method_not_allowed(request, "GET, HEAD, POST");
  auto body = json_object_body(request.body);
  if (!body) return error_reply(body.status());
  auto name = auth::read_text(*body, auth::kKeyNameField);
  if (!name) return error_reply(name.status());
  return reply_of(client_.create_api_key({asker, *name}), 201);
}

ApiReply AuthRoutes::api_key(const ApiRequest& request, const std::string& id) {
  if (request.method != "DELETE") return method_not_allowed(request, "DELETE");
  if (id.empty() || id.size() > auth::kKeyIdField.max_bytes) return error_reply(400, "invalid_argument", "an API key id is 16 hex digits");
  auto answer = client_.delete_api_key({auth::Asker::with_session(request.session), id});
  if (!answer) return error_reply(answer.status());
  return no_content_reply();
}

}  // namespace spanline::api
