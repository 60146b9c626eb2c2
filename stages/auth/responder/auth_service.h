#pragma once
// What the auth-responder does with each request on its bus endpoint (message
// `auth`): the request is decoded with the auth hop's shared codec
// (protocol/auth/auth_codec.h), dispatched by its AuthOp to one method taking
// the typed request, and the typed reply encoded with the same codec. The ops
// are grouped by family, one file each: session_ops.cc (setup, sign-in,
// sessions), user_ops.cc, key_ops.cc (API keys and their states),
// token_ops.cc (ingest tokens and signing keys), price_ops.cc (the model
// price table) and provider_ops.cc (the playground's LLM providers). One AuthService per worker thread, each with its own
// meta.sqlite connection; what the workers share (the sign-in throttle, the
// revocation publisher, counters) lives in AuthShared.
//
// Password hashing (scrypt, tens of milliseconds and 32 MiB at the default
// cost) runs on at most --password-hash-threads workers at once: the router
// has --threads + --password-hash-threads workers, and a password request that
// finds every hashing place taken is refused at once (resource_exhausted), so
// --threads workers are always free for API-key checks, sessions and tokens,
// whatever a sign-in flood does.
//
// Roles are enforced here, not in the api: every user or key op names who asks
// (an Asker: a web user's session, looked up in this same request so a
// demotion counts at once, or the operator, the CLI on the host, which could
// read meta.sqlite anyway); the decoder refuses an op naming neither.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "bus/stats.h"
#include "bus/worker_router.h"
#include "protocol/auth/auth_codec.h"
#include "protocol/auth/auth_messages.h"
#include "stages/auth/auth_config.h"
#include "stages/auth/responder/event_publisher.h"
#include "base/crypto/password_hash.h"
#include "base/crypto/secret_box.h"
#include "base/crypto/signing_key.h"
#include "stages/auth/responder/setup_tokens.h"
#include "stages/auth/responder/sign_in_throttle.h"
#include "stages/auth/store/meta_store.h"
#include "base/counted_gate.h"

namespace spanline::auth {

struct AuthShared {
  const AuthConfig& config;
  SignInThrottle throttle;
  EventPublisher& events;
  std::atomic<uint64_t>& sign_ins;
  std::atomic<uint64_t>& sign_in_failures;
  std::atomic<uint64_t>& sign_ins_throttled;
  std::atomic<uint64_t>& key_checks;
  std::atomic<uint64_t>& key_rejections;
  std::atomic<uint64_t>& tokens_issued;
  // Places to hash passwords in: main() gives it --password-hash-threads.
  CountedGate password_hashes{2};
  std::atomic<uint64_t>* password_hashes_refused_busy = nullptr;  // counted there too when set

  // Verified against when there is no such user, so timing does not tell.
  // Hashed once for all workers (main() asks before serving), not once per
  // worker: each hash holds 32 MiB at the default cost.
  const std::string& dummy_hash() {
    std::call_once(dummy_hash_once,
                   [this] { dummy_hash_value = hash_password("spanline-dummy-password", {.log2_n = config.scrypt_log2_n}); });
    return dummy_hash_value;
  }
  std::once_flag dummy_hash_once;
  std::string dummy_hash_value;
  // One-time first-user setup tokens (while no user exists).
  SetupTokens setup_tokens;

  // The box the playground providers' API keys are sealed with (provider_ops.cc):
  // its data key file beside meta.sqlite is read, or made, on first use.
  Result<const SecretBox*> provider_key_box();
  std::mutex provider_key_box_mutex;
  std::optional<SecretBox> provider_key_box_value;
};

// Who asks for a user or key op: a signed-in user, or the operator (CLI).
struct Actor {
  std::optional<User> user;  // nullopt: the operator
  bool is_admin() const { return !user || user->role == kRoleAdmin; }
  // Who a change is recorded as made by: the user's email, or "operator".
  std::string name() const { return user ? user->email : "operator"; }
};

// ok, or invalid_argument naming the rule: not empty, no control characters
// (C0, DEL, C1, line/paragraph separators), since names are printed to terminals.
Status check_key_name(const std::string& name);

class AuthService {
 public:
  // Opens this thread's connection; throws at start-up if meta.sqlite cannot open.
  AuthService(AuthShared& shared, bus::WorkerRouter& router);

  bus::RouterAnswer handle(const bus::RouterJob& job);

  // Makes sure an active signing key exists (at start-up, before serving).
  Status ensure_signing_key();

 private:
  Result<json> dispatch(const AuthRequestFrame& request);
  // Decodes `message` as the handler's request, runs it, encodes its reply.
  template <typename Request>
  Result<json> serve(const json& message, Result<typename Request::Reply> (AuthService::*handler)(const Request&));

  // session_ops.cc
  Result<SetupState> setup_status(const GetSetupStatus& request);
  Result<SetupToken> issue_setup_token(const IssueSetupToken& request);
  Result<NewSession> create_first_user(const CreateFirstUser& request);
  Result<SignInResult> sign_in(const SignIn& request);
  Result<UserReply> check_session(const CheckSession& request);
  Result<Done> sign_out(const SignOut& request);
  // user_ops.cc
  Result<UserList> list_users(const ListUsers& request);
  Result<UserReply> create_user(const CreateUser& request);
  Result<UserDeleted> delete_user(const DeleteUser& request);
  Result<UserReply> set_user_role(const SetUserRole& request);
  // key_ops.cc
  Result<ApiKeyChecked> check_api_key(const CheckApiKey& request);
  Result<ApiKeyList> list_api_keys(const ListApiKeys& request);
  Result<CreatedApiKey> create_api_key(const CreateApiKey& request);
  Result<Done> delete_api_key(const DeleteApiKey& request);
  Result<KeyStatesReply> key_states(const GetKeyStates& request);
  // token_ops.cc
  Result<IssuedToken> issue_token(const IssueToken& request);
  Result<JwkSet> jwks(const GetJwks& request);
  Result<RotatedSigningKey> rotate_signing_key(const RotateSigningKey& request);
  // price_ops.cc
  Result<PriceList> list_prices(const ListPrices& request);
  Result<PriceChange> set_price(const SetPrice& request);
  Result<PriceChange> delete_price(const DeletePrice& request);
  // provider_ops.cc
  Result<ProviderList> list_providers(const ListProviders& request);
  Result<ProviderInfo> set_provider(const SetProvider& request);
  Result<Done> delete_provider(const DeleteProvider& request);
  Result<ProviderSecretList> provider_endpoints(const GetProviderEndpoints& request);

  Result<Actor> actor_of(const Asker& asker);
  // The actor when an admin (or the operator), else permission_denied saying what only admins may do.
  Result<Actor> admin_of(const Asker& asker, const std::string& what);

  // The stored key whose secret is `key`, or unauthenticated (counted).
  Result<ApiKeyRecord> find_key(const std::string& key);
  // A place to hash a password in, or (counted) resource_exhausted when all are taken.
  Result<CountedGate::Ticket> password_hash_place();
  // A new session for `user`, and a device cookie for the account of `email`.
  Result<NewSession> start_session(const User& user, const std::string& email);
  // A new device cookie for the account of `email`: its sign-ins skip the limits others' failures set (sign_in_throttle.h).
  std::string new_device(const std::string& email);
  Result<SigningKey> active_signing_key(bool may_rotate = true);
  // The parsed key of a stored record, parsed once per thread.
  Result<SigningKey> parsed_key(const SigningKeyRecord& record);
  // Replaces the active signing key and broadcasts it; with `only_if_older_than_ns`
  // set, does nothing (nullopt) when another thread already replaced it.
  Result<std::optional<std::string>> rotate(int64_t now, int64_t only_if_older_than_ns);

  AuthShared& shared_;
  bus::WorkerRouter& router_;
  std::unique_ptr<MetaStore> store_;
  std::map<std::string, SigningKey> parsed_keys_;  // kid -> key, so PEM is parsed once per thread
};

}  // namespace spanline::auth
