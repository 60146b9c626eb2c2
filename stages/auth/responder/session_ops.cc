// The session family of auth ops: first-user setup, sign-in, session checks and sign-out.
#include "base/clock.h"
#include "base/crypto/password_hash.h"
#include "base/crypto/secrets.h"
#include "base/hex.h"
#include "base/log.h"
#include "stages/auth/responder/auth_service.h"
#include "stages/auth/responder/op_support.h"

namespace spanline::auth {

namespace {

// The throttle's name for an account: emails differ in case only by accident.
std::string account_of(const std::string& email) {
  std::string account = email;
  for (char& c : account) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return account;
}

}  // namespace

Result<SetupState> AuthService::setup_status(const GetSetupStatus&) {
  auto any = store_->has_users();
  if (!any) return any.status();
  return SetupState{*any};
}

Result<SetupToken> AuthService::issue_setup_token(const IssueSetupToken&) {
  auto any = store_->has_users();
  if (!any) return any.status();
  if (*any) return Status(Code::failed_precondition, "a user already exists; first-user setup is closed");
  const auto ttl = shared_.config.setup_token_ttl;
  std::string token = shared_.setup_tokens.issue(ttl, SignInThrottle::Clock::now());
  return SetupToken{token, ms_of(unix_nanos_now()) + static_cast<int64_t>(ttl.count())};
}

Result<NewSession> AuthService::start_session(const User& user, const std::string& email) {
  const int64_t now = unix_nanos_now();
  const int64_t expires = now + static_cast<int64_t>(shared_.config.session_ttl.count()) * kNanosPerMs;
  std::string session = random_token();
  if (Status s = store_->create_session(sha256(session), user.id, now, expires); !s.is_ok()) return s;
  (void)store_->delete_expired_sessions(now);
  return NewSession{user_info(user), session, ms_of(expires), new_device(email)};
}

std::string AuthService::new_device(const std::string& email) {
  std::string device = random_token();
  shared_.throttle.add_device(sha256(device), account_of(email), SignInThrottle::Clock::now());
  return device;
}

Result<NewSession> AuthService::create_first_user(const CreateFirstUser& request) {
  if (Status fresh = check_new_user(request.email, request.password, shared_.config.min_password_length); !fresh.is_ok()) return fresh;
  auto place = password_hash_place();
  if (!place) return place.status();
  // Whoever reaches the port first must not own the deployment: the api vouches
  // for a request from this host's loopback interface; anyone else needs a setup token.
  if (!request.local && !shared_.setup_tokens.consume(request.setup_token, SignInThrottle::Clock::now())) {
    return Status(Code::permission_denied,
                  request.setup_token.empty()
                      ? "first-user setup from another machine needs the setup token that `spanline up` printed (also in the api's log; `spanline setup-token` prints a new one)"
                      : "that setup token is unknown, expired or used; `spanline setup-token` prints a new one");
  }
  auto user = store_->create_user(request.email, hash_password(request.password, {.log2_n = shared_.config.scrypt_log2_n}),
                                  unix_nanos_now(), true);
  if (!user) return user.status();
  shared_.setup_tokens.clear();  // setup is closed for good
  log::info("first user created", {{"user_id", user->id}, {"with_setup_token", !request.local}});
  return start_session(*user, request.email);
}

Result<SignInResult> AuthService::sign_in(const SignIn& request) {
  const SignInThrottle::Attempt attempt{account_of(request.email), request.address,
                                        request.device.empty() ? std::string() : sha256(request.device)};
  const auto now = SignInThrottle::Clock::now();
  if (auto wait = shared_.throttle.admit(attempt, now)) {
    shared_.sign_ins_throttled.fetch_add(1);
    return SignInResult{wait->count(), {}};
  }
  auto place = password_hash_place();
  if (!place) return place.status();
  auto found = store_->find_user(request.email);
  if (!found) return found.status();
  // Verify against a dummy hash when there is no such user, so the answer takes as long either way.
  auto verified = verify_password(request.password, found->has_value() ? (*found)->password_hash : shared_.dummy_hash());
  if (!verified) return verified.status();
  if (!found->has_value() || !*verified) {
    shared_.throttle.failed(attempt, now);
    shared_.sign_in_failures.fetch_add(1);
    return Status(Code::unauthenticated, "wrong email or password");
  }
  shared_.throttle.succeeded(attempt, now);
  shared_.sign_ins.fetch_add(1);
  auto session = start_session((*found)->user, request.email);
  if (!session) return session.status();
  return SignInResult{std::nullopt, std::move(*session)};
}

Result<UserReply> AuthService::check_session(const CheckSession& request) {
  auto actor = actor_of(Asker::with_session(request.session));
  if (!actor) return actor.status();
  return UserReply{user_info(*actor->user)};
}

Result<Done> AuthService::sign_out(const SignOut& request) {
  const std::string hash = sha256(request.session);
  if (Status s = store_->delete_session(hash); !s.is_ok()) return s;
  shared_.events.publish(event::SessionEnded{to_hex(hash)});
  return Done{};
}

}  // namespace spanline::auth
