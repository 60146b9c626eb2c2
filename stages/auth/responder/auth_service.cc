#include "stages/auth/responder/auth_service.h"

#include <stdexcept>

#include "base/clock.h"
#include "base/crypto/secrets.h"
#include "base/log.h"
#include "stages/auth/responder/op_support.h"

namespace spanline::auth {

namespace {

bool valid_email(const std::string& email) {
  if (email.empty() || email.size() > kEmailField.max_bytes) return false;
  size_t at = email.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == email.size() || email.find('@', at + 1) != std::string::npos) return false;
  for (unsigned char c : email) {
    if (c <= ' ' || c == 0x7F) return false;
  }
  return true;
}

}  // namespace

Status check_new_user(const std::string& email, const std::string& password, uint32_t min_password_length) {
  if (!valid_email(email)) {
    return bad_request("email must look like name@host (no spaces, at most " + std::to_string(kEmailField.max_bytes) + " bytes)");
  }
  if (password.size() < min_password_length) {
    return bad_request("password must be at least " + std::to_string(min_password_length) + " characters");
  }
  return Status::ok();
}

AuthService::AuthService(AuthShared& shared, bus::WorkerRouter& router) : shared_(shared), router_(router) {
  auto store = MetaStore::open(MetaStore::path_in(shared.config.data_dir));
  if (!store) throw std::runtime_error(store.status().to_string());
  store_ = std::move(store.value());
}

bus::RouterAnswer AuthService::handle(const bus::RouterJob& job) {
  auto request = parse_request(job.body);
  if (!request) return router_.fail(job, request.status());
  Result<json> reply = dispatch(*request);
  if (!reply) {
    if (reply.status().code() == Code::internal) {
      log::error("auth request failed", {{"op", std::string(op_name(request->op))}, {"error", reply.status().message()}});
    }
    return router_.fail(job, reply.status());
  }
  return bus::RouterAnswer{bus::make_header(bus::MessageType::auth_reply, job.header.request_id), reply->dump()};
}

template <typename Request>
Result<json> AuthService::serve(const json& message, Result<typename Request::Reply> (AuthService::*handler)(const Request&)) {
  auto request = decode<Request>(message);
  if (!request) return request.status();
  auto reply = (this->*handler)(*request);
  if (!reply) return reply.status();
  return encode(*reply);
}

Result<json> AuthService::dispatch(const AuthRequestFrame& request) {
  const json& message = request.message;
  switch (request.op) {
    case AuthOp::check_api_key: return serve(message, &AuthService::check_api_key);
    case AuthOp::issue_token: return serve(message, &AuthService::issue_token);
    case AuthOp::jwks: return serve(message, &AuthService::jwks);
    case AuthOp::rotate_signing_key: return serve(message, &AuthService::rotate_signing_key);
    case AuthOp::setup_status: return serve(message, &AuthService::setup_status);
    case AuthOp::issue_setup_token: return serve(message, &AuthService::issue_setup_token);
    case AuthOp::create_first_user: return serve(message, &AuthService::create_first_user);
    case AuthOp::sign_in: return serve(message, &AuthService::sign_in);
    case AuthOp::check_session: return serve(message, &AuthService::check_session);
    case AuthOp::sign_out: return serve(message, &AuthService::sign_out);
    case AuthOp::list_users: return serve(message, &AuthService::list_users);
    case AuthOp::create_user: return serve(message, &AuthService::create_user);
    case AuthOp::delete_user: return serve(message, &AuthService::delete_user);
    case AuthOp::set_user_role: return serve(message, &AuthService::set_user_role);
    case AuthOp::list_api_keys: return serve(message, &AuthService::list_api_keys);
    case AuthOp::create_api_key: return serve(message, &AuthService::create_api_key);
    case AuthOp::delete_api_key: return serve(message, &AuthService::delete_api_key);
    case AuthOp::key_states: return serve(message, &AuthService::key_states);
    case AuthOp::list_prices: return serve(message, &AuthService::list_prices);
    case AuthOp::set_price: return serve(message, &AuthService::set_price);
    case AuthOp::delete_price: return serve(message, &AuthService::delete_price);
    case AuthOp::list_providers: return serve(message, &AuthService::list_providers);
    case AuthOp::set_provider: return serve(message, &AuthService::set_provider);
    case AuthOp::delete_provider: return serve(message, &AuthService::delete_provider);
    case AuthOp::provider_endpoints: return serve(message, &AuthService::provider_endpoints);
  }
  return Status(Code::internal, "auth op " + std::to_string(static_cast<int>(request.op)) + " has no handler");
}

Result<CountedGate::Ticket> AuthService::password_hash_place() {
  CountedGate::Ticket place = shared_.password_hashes.try_enter();
  if (!place) {
    if (shared_.password_hashes_refused_busy != nullptr) shared_.password_hashes_refused_busy->fetch_add(1);
    return Status(Code::resource_exhausted, "password hashing is busy (" + std::to_string(shared_.password_hashes.capacity()) +
                                                " at once); retry in a moment");
  }
  return place;
}

Result<Actor> AuthService::actor_of(const Asker& asker) {
  if (!asker.session) return Actor{};  // the operator
  auto user = store_->find_session(sha256(*asker.session), unix_nanos_now());
  if (!user) return user.status();
  if (!user->has_value()) return Status(Code::unauthenticated, "session expired or unknown; sign in again");
  return Actor{**user};
}

Result<Actor> AuthService::admin_of(const Asker& asker, const std::string& what) {
  auto actor = actor_of(asker);
  if (!actor) return actor.status();
  if (!actor->is_admin()) return forbidden("only an admin may " + what + " (you are a " + actor->user->role + ")");
  return actor;
}

}  // namespace spanline::auth
