#include "stages/api/auth/auth_routes.h"

#include "base/clock.h"
#include "base/json_depth.h"

namespace spanline::api {

namespace {

// A password request turned away for being one too many waits this long; the
// gate frees in a hash's time (tens of milliseconds), so one second is plenty.
constexpr int kBusyRetryAfterSeconds = 1;

Status invalid(const std::string& message) { return Status(Code::invalid_argument, message); }

// An auth request carrying the body's email and password as sent; the auth-responder checks their types.
json credentials_request(const char* op, const json& body) {
  return {{"op", op}, {"email", body.value("email", json())}, {"password", body.value("password", json())}};
}

}  // namespace

Result<json> json_object_body(const std::string& body_text) {
  if (body_text.empty()) return invalid("the request needs a JSON body");
  // The body's values are copied and serialized (recursively) on their way to the auth-responder.
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

ApiReply AuthRoutes::session_reply(const json& answer, int status) {
  ApiReply reply = json_reply({{"user", answer["user"]}, {"expires_at_ms", answer["expires_at_ms"]}}, status);
  const int64_t max_age = std::max<int64_t>((answer["expires_at_ms"].get<int64_t>() - unix_nanos_now() / 1'000'000) / 1000, 1);
  reply.set_cookie = cookie(answer["session"].get<std::string>(), max_age);
  if (answer.contains("device") && answer["device"].is_string()) reply.device_cookie = answer["device"].get<std::string>();
  return reply;
}

Result<json> AuthRoutes::call_hashing(const json& request) {
  CountedGate::Ticket ticket = password_gate_.try_enter();
  if (!ticket) return Status(Code::resource_exhausted, "too many sign-ins in progress; retry in a moment");
  return client_.call(request);
}

ApiReply AuthRoutes::busy_reply(const Status& status) {
  refused_busy_.fetch_add(1);
  ApiReply reply = error_reply(429, "too_many_requests", status.message());
  reply.retry_after = std::to_string(kBusyRetryAfterSeconds);
  return reply;
}

ApiReply AuthRoutes::first_user(const ApiRequest& request) {
  if (request.method == "GET" || request.method == "HEAD") {
    auto status = client_.call({{"op", "setup_status"}});
    if (!status) return error_reply(status.status());
    // From another machine the form must ask for the setup token.
    return json_reply({{"open", !(*status)["has_users"].get<bool>()}, {"token_required", !request.from_loopback}});
  }
  if (request.method != "POST") return method_not_allowed(request, "GET, HEAD, POST");
  auto body = json_object_body(request.body);
  if (!body) return error_reply(body.status());
  json create = credentials_request("create_first_user", *body);
  // The auth-responder lets a loopback client set up without a token; the token's type it checks itself.
  create["local"] = request.from_loopback;
  create["setup_token"] = body->value("setup_token", json());
  auto answer = call_hashing(create);
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
  json sign_in = credentials_request("sign_in", *body);
  sign_in["address"] = request.address;  // behind --trusted-proxies, from X-Forwarded-For
  if (!request.device.empty()) sign_in["device"] = request.device;
  auto answer = call_hashing(sign_in);
  if (!answer && answer.status().code() == Code::resource_exhausted) return busy_reply(answer.status());
  if (!answer) return error_reply(answer.status());
  if (answer->value("throttled", false)) {
    const int64_t wait = answer->value("retry_after_s", int64_t{60});
    ApiReply reply = error_reply(429, "too_many_requests",
                                 "too many failed sign-ins for this account from here; try again in " + std::to_string(wait) + " s");
    reply.retry_after = std::to_string(wait);
    return reply;
  }
  return session_reply(*answer, 200);
}

ApiReply AuthRoutes::otel_token(const ApiRequest& request) {
  if (request.method != "POST") return method_not_allowed(request, "POST");
  if (request.api_key.empty()) return error_reply(401, "unauthenticated", "send an API key in the X-API-Key header");
  auto answer = client_.call({{"op", "issue_token"}, {"key", request.api_key}});
  if (!answer) return error_reply(answer.status());
  return json_reply(*answer);
}

ApiReply AuthRoutes::jwks(const ApiRequest& request) {
  if (request.method != "GET" && request.method != "HEAD") return method_not_allowed(request, "GET, HEAD");
  auto answer = client_.call({{"op", "jwks"}});
  if (!answer) return error_reply(answer.status());
  ApiReply reply = json_reply(*answer);
  reply.content_type = "application/jwk-set+json";
  reply.cache_control = "public, max-age=300";
  return reply;
}

ApiReply AuthRoutes::sign_out(const ApiRequest& request) {
  if (request.method != "POST") return method_not_allowed(request, "POST");
  auto answer = client_.call({{"op", "sign_out"}, {"session", request.session}});
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
  return json_reply({{"user", *user}});
}

// Users and keys: the auth-responder decides what the session's role allows
// (it looks the session up itself, so a demotion counts at once); these
// handlers only translate HTTP to its ops and back.
ApiReply AuthRoutes::users(const ApiRequest& request) {
  if (request.method == "GET" || request.method == "HEAD") {
    auto answer = client_.call({{"op", "list_users"}, {"session", request.session}});
    return answer ? json_reply(*answer) : error_reply(answer.status());
  }
  if (request.method != "POST") return method_not_allowed(request, "GET, HEAD, POST");
  auto body = json_object_body(request.body);
  if (!body) return error_reply(body.status());
  json create = credentials_request("create_user", *body);
  create["session"] = request.session;
  if (body->contains("role")) create["role"] = (*body)["role"];
  auto answer = call_hashing(create);
  if (!answer && answer.status().code() == Code::resource_exhausted) return busy_reply(answer.status());
  return answer ? json_reply(*answer, 201) : error_reply(answer.status());
}

ApiReply AuthRoutes::user(const ApiRequest& request, const std::string& id) {
  if (request.method != "DELETE" && request.method != "PATCH") return method_not_allowed(request, "DELETE, PATCH");
  int64_t number = 0;
  if (id.empty() || id.size() > 18 || id.find_first_not_of("0123456789") != std::string::npos) {
    return error_reply(400, "invalid_argument", "a user id is a positive integer");
  }
  number = std::stoll(id);
  if (request.method == "PATCH") {
    auto body = json_object_body(request.body);
    if (!body) return error_reply(body.status());
    if (!body->contains("role")) return error_reply(400, "invalid_argument", "send {\"role\": \"admin\" | \"member\" | \"viewer\"}");
    auto answer = client_.call({{"op", "set_user_role"}, {"session", request.session}, {"id", number}, {"role", (*body)["role"]}});
    if (!answer) return error_reply(answer.status());
    guard_.forget_all();
    return json_reply(*answer);
  }
  auto self = guard_.user_of(request.session);
  if (!self) return error_reply(self.status());
  if ((*self)["id"].get<int64_t>() == number) {
    return error_reply(409, "failed_precondition", "you cannot delete your own user; ask another admin to do it");
  }
  auto answer = client_.call({{"op", "delete_user"}, {"session", request.session}, {"id", number}});
  if (!answer) return error_reply(answer.status());
  guard_.forget_all();
  return no_content_reply();
}

ApiReply AuthRoutes::api_keys(const ApiRequest& request) {
  if (request.method == "GET" || request.method == "HEAD") {
    auto answer = client_.call({{"op", "list_api_keys"}, {"session", request.session}});
    return answer ? json_reply(*answer) : error_reply(answer.status());
  }
  if (request.method != "POST") return method_not_allowed(request, "GET, HEAD, POST");
  auto body = json_object_body(request.body);
  if (!body) return error_reply(body.status());
  auto answer = client_.call({{"op", "create_api_key"}, {"session", request.session}, {"name", body->value("name", json())}});
  return answer ? json_reply(*answer, 201) : error_reply(answer.status());
}

ApiReply AuthRoutes::api_key(const ApiRequest& request, const std::string& id) {
  if (request.method != "DELETE") return method_not_allowed(request, "DELETE");
  if (id.empty() || id.size() > 64) return error_reply(400, "invalid_argument", "an API key id is 16 hex digits");
  auto answer = client_.call({{"op", "delete_api_key"}, {"session", request.session}, {"id", id}});
  if (!answer) return error_reply(answer.status());
  return no_content_reply();
}

}  // namespace spanline::api
