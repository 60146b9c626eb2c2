#pragma once
// The auth hop's contract: every request the gateway, the api and the CLI may
// send the auth-responder (bus message `auth`), the reply each gets
// (`auth_reply`), and what the auth-responder broadcasts (`auth_event`),
// declared once for both ends. A request is one JSON object {"op": <name>,
// ...fields}, an event one {"event": <name>, ...fields}; auth_codec.h turns
// these structs into that JSON and back, and is the only code that spells a
// field name. bus/README.md ("Auth ops") describes each op for people.
//
// Adding an op: a value in AuthOp and a row in kAuthOpNames, a request struct
// naming its op and Reply type, the reply struct, their encode/decode in
// auth_codec.cc, an AuthClient method, and a case in the responder's dispatch
// (the compiler lists the switches that miss it).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/auth/roles.h"

namespace spanline::auth {

using json = nlohmann::json;

enum class AuthOp : uint8_t {
  check_api_key,
  issue_token,
  jwks,
  rotate_signing_key,
  setup_status,
  issue_setup_token,
  create_first_user,
  sign_in,
  check_session,
  sign_out,
  list_users,
  create_user,
  delete_user,
  set_user_role,
  list_api_keys,
  create_api_key,
  delete_api_key,
  key_states,
  list_prices,
  set_price,
  delete_price,
  list_providers,
  set_provider,
  delete_provider,
  provider_endpoints,
};

// The op names on the wire, in AuthOp's order (a static_assert in auth_codec.cc checks the count).
inline constexpr std::array<std::string_view, 25> kAuthOpNames = {
    "check_api_key", "issue_token",       "jwks",          "rotate_signing_key", "setup_status", "issue_setup_token",
    "create_first_user", "sign_in",       "check_session", "sign_out",           "list_users",   "create_user",
    "delete_user",   "set_user_role",     "list_api_keys", "create_api_key",     "delete_api_key", "key_states",
    "list_prices",   "set_price",         "delete_price",  "list_providers",     "set_provider", "delete_provider",
    "provider_endpoints",
};

inline std::string_view op_name(AuthOp op) { return kAuthOpNames[static_cast<size_t>(op)]; }
std::optional<AuthOp> op_named(std::string_view name);

// A text field of a request: its name on the wire and the most bytes either end
// accepts. The responder refuses a longer value (invalid_argument); callers check
// the same limit first where a too-long value has an answer of its own (a
// gateway's unknown key, an api's unknown session).
struct TextField {
  std::string_view name;
  size_t max_bytes;
};
inline constexpr TextField kApiKeyField{"key", 256};        // the secret "spl_..." an SDK sends
inline constexpr TextField kSessionField{"session", 256};   // the spanline_session cookie
inline constexpr TextField kEmailField{"email", 254};       // RFC 5321's path limit
inline constexpr TextField kPasswordField{"password", 1024};
inline constexpr TextField kAddressField{"address", 128};   // the sign-in's client address, for the throttle
inline constexpr TextField kDeviceField{"device", 256};     // the spanline_device cookie
inline constexpr TextField kSetupTokenField{"setup_token", 256};
inline constexpr TextField kRoleField{"role", 16};
inline constexpr TextField kKeyNameField{"name", 200};
inline constexpr TextField kKeyIdField{"id", 64};           // an API key's id (16 hex digits today)
inline constexpr TextField kModelField{"model", 256};       // a priced model: an LLM record's model_group, matched exactly

// The playground's LLM providers kept in Settings (admins add them; the api
// adds them to those of its configuration). A name is 1 to 64 of [a-z0-9._-]
// (it is a path segment and a span attribute); a base URL is http:// or
// https://, no spaces or control characters; a key is any text up to 4096 bytes.
inline constexpr TextField kProviderNameField{"name", 64};
inline constexpr TextField kProviderKindField{"kind", 16};
inline constexpr TextField kProviderBaseUrlField{"base_url", 2048};
inline constexpr TextField kProviderApiKeyField{"api_key", 4096};
inline constexpr std::string_view kProviderNameCharacters = "abcdefghijklmnopqrstuvwxyz0123456789._-";
// The protocols a provider may speak, in the order of the api's ProviderKind, which takes its names from here.
inline constexpr std::array<std::string_view, 3> kProviderKinds = {"openai", "anthropic", "gemini"};
inline constexpr size_t kMaxSettingsProviders = 100;

// The model price table's bounds (the store refuses past them, the api and the
// web say them): how many models may have a price at once, how many changes the
// table keeps in all (each change is kept: earlier calls keep the price they
// had), and the largest price, in USD per million tokens (prices are >= 0).
inline constexpr size_t kMaxPricedModels = 1000;
inline constexpr size_t kMaxPriceChanges = 10000;
inline constexpr double kMaxPricePerMillion = 1'000'000;

// A user id as people type it (a path segment, a CLI word): 1 to 18 decimal
// digits, so it always fits an int64; nullopt otherwise.
std::optional<int64_t> user_id_from_text(std::string_view text);

// Who asks for a user or key op. A web user is named by their session (the
// responder looks it up in the same request, so a role change counts at once);
// the operator is the CLI on the host, which could read meta.sqlite anyway.
struct Asker {
  std::optional<std::string> session;  // nullopt: the operator
  static Asker with_session(std::string session) { return Asker{std::move(session)}; }
  static Asker the_operator() { return Asker{}; }
  bool operator==(const Asker&) const = default;
};

// ---- What replies carry ----

struct UserInfo {
  int64_t id = 0;
  std::string email;
  int64_t created_at_ms = 0;
  std::string role;  // roles.h
  bool operator==(const UserInfo&) const = default;
};

struct KeyOwner {
  int64_t id = 0;
  std::string email;
  bool operator==(const KeyOwner&) const = default;
};

// An API key as listed: never its secret.
struct ApiKeyInfo {
  std::string id;
  std::string name;
  int64_t created_at_ms = 0;
  std::optional<int64_t> last_used_at_ms;  // nullopt: never used
  std::optional<KeyOwner> owner;           // nullopt: made before the first user
  bool operator==(const ApiKeyInfo&) const = default;
};

// A session just started (first-user setup or sign-in).
struct NewSession {
  UserInfo user;
  std::string session;
  int64_t expires_at_ms = 0;
  std::string device;  // a new spanline_device cookie for the account (sign_in_throttle.h)
  bool operator==(const NewSession&) const = default;
};

struct Done {  // an op that answers nothing but success: {}
  bool operator==(const Done&) const = default;
};

struct ApiKeyChecked {
  std::string key_id;
  std::string name;
  bool operator==(const ApiKeyChecked&) const = default;
};

struct IssuedToken {
  std::string token;
  std::string token_type = "Bearer";
  int64_t expires_in = 0;  // seconds
  bool operator==(const IssuedToken&) const = default;
};

struct JwkSet {
  std::vector<json> keys;  // public JWKs (base/crypto/signing_key.h), newest first
  bool operator==(const JwkSet&) const = default;
};

struct RotatedSigningKey {
  std::string kid;
  bool operator==(const RotatedSigningKey&) const = default;
};

struct SetupState {
  bool has_users = false;
  bool operator==(const SetupState&) const = default;
};

struct SetupToken {
  std::string token;
  int64_t expires_at_ms = 0;
  bool operator==(const SetupToken&) const = default;
};

struct SignInResult {
  std::optional<int64_t> throttled_for_s;  // set: too many failures, retry after this many seconds (no session)
  NewSession session;                      // when not throttled
  bool operator==(const SignInResult&) const = default;
};

struct UserReply {
  UserInfo user;
  bool operator==(const UserReply&) const = default;
};

struct UserList {
  std::vector<UserInfo> users;
  bool operator==(const UserList&) const = default;
};

struct UserDeleted {
  std::vector<std::string> revoked_key_ids;  // the user's keys, revoked with them
  bool operator==(const UserDeleted&) const = default;
};

struct ApiKeyList {
  std::vector<ApiKeyInfo> api_keys;
  bool operator==(const ApiKeyList&) const = default;
};

struct CreatedApiKey {
  ApiKeyInfo info;
  std::string key;  // the secret: the only time it is ever shown
  bool operator==(const CreatedApiKey&) const = default;
};

struct KeyStatesReply {
  std::vector<std::string> live_key_ids;
  std::vector<std::string> revoked_key_ids;
  int64_t token_ttl_s = 0;
  bool operator==(const KeyStatesReply&) const = default;
};

// A model's price, in USD per million tokens. Cached input tokens (a
// record's cache_read_tokens, counted inside its input tokens) cost
// `cached_input_per_million`, or the input price when it is not set.
struct ModelPrice {
  double input_per_million = 0;
  double output_per_million = 0;
  std::optional<double> cached_input_per_million;
  bool operator==(const ModelPrice&) const = default;
};

// One change of the price table: from `effective_from_ns` (when it was made) on,
// `model` costs `price`, or has no price (nullopt: deleted). Changes are never
// rewritten, so a call keeps the price in effect at its start.
struct PriceChange {
  std::string model;
  std::optional<ModelPrice> price;
  int64_t effective_from_ns = 0;
  std::string changed_by;  // the admin's email, or "operator" (the CLI)
  bool operator==(const PriceChange&) const = default;
};

struct PriceList {
  std::vector<PriceChange> changes;  // every change kept, by model, oldest first
  bool operator==(const PriceList&) const = default;
};

// A playground provider kept in Settings, as listed: never its key.
struct ProviderInfo {
  std::string name;
  std::string kind;  // one of kProviderKinds
  std::string base_url;
  bool key_set = false;
  int64_t updated_ns = 0;
  std::string updated_by;  // the admin's email, or "operator" (the CLI)
  bool operator==(const ProviderInfo&) const = default;
};

struct ProviderList {
  std::vector<ProviderInfo> providers;  // by name
  bool operator==(const ProviderList&) const = default;
};

// A provider with its key decrypted, for the api to call it with.
struct ProviderSecret {
  ProviderInfo info;
  std::string api_key;         // "" when none is set
  bool key_unreadable = false;  // a key is stored but does not decrypt with the data key (the key file was replaced)
  bool operator==(const ProviderSecret&) const = default;
};

struct ProviderSecretList {
  std::vector<ProviderSecret> providers;  // by name
  bool operator==(const ProviderSecretList&) const = default;
};

// ---- The requests, one per op ----

struct CheckApiKey {
  static constexpr AuthOp op = AuthOp::check_api_key;
  using Reply = ApiKeyChecked;  // or unauthenticated
  std::string key;
  bool operator==(const CheckApiKey&) const = default;
};

struct IssueToken {
  static constexpr AuthOp op = AuthOp::issue_token;
  using Reply = IssuedToken;
  std::string key;
  bool operator==(const IssueToken&) const = default;
};

struct GetJwks {
  static constexpr AuthOp op = AuthOp::jwks;
  using Reply = JwkSet;
  bool operator==(const GetJwks&) const = default;
};

struct RotateSigningKey {
  static constexpr AuthOp op = AuthOp::rotate_signing_key;
  using Reply = RotatedSigningKey;
  bool operator==(const RotateSigningKey&) const = default;
};

struct GetSetupStatus {
  static constexpr AuthOp op = AuthOp::setup_status;
  using Reply = SetupState;
  bool operator==(const GetSetupStatus&) const = default;
};

struct IssueSetupToken {
  static constexpr AuthOp op = AuthOp::issue_setup_token;
  using Reply = SetupToken;  // failed_precondition once a user exists
  bool operator==(const IssueSetupToken&) const = default;
};

struct CreateFirstUser {
  static constexpr AuthOp op = AuthOp::create_first_user;
  using Reply = NewSession;
  std::string email;
  std::string password;
  bool local = false;       // the api vouches the client is on its loopback interface
  std::string setup_token;  // needed when not local
  bool operator==(const CreateFirstUser&) const = default;
};

struct SignIn {
  static constexpr AuthOp op = AuthOp::sign_in;
  using Reply = SignInResult;
  std::string email;
  std::string password;
  std::string address;  // the client's, for the throttle
  std::string device;   // the spanline_device cookie, when sent
  bool operator==(const SignIn&) const = default;
};

struct CheckSession {
  static constexpr AuthOp op = AuthOp::check_session;
  using Reply = UserReply;
  std::string session;
  bool operator==(const CheckSession&) const = default;
};

struct SignOut {
  static constexpr AuthOp op = AuthOp::sign_out;
  using Reply = Done;
  std::string session;
  bool operator==(const SignOut&) const = default;
};

struct ListUsers {
  static constexpr AuthOp op = AuthOp::list_users;
  using Reply = UserList;
  Asker asker;
  bool operator==(const ListUsers&) const = default;
};

struct CreateUser {
  static constexpr AuthOp op = AuthOp::create_user;
  using Reply = UserReply;  // {user}
  Asker asker;
  std::string email;
  std::string password;
  std::string role;  // roles.h; empty: member
  bool operator==(const CreateUser&) const = default;
};

struct DeleteUser {
  static constexpr AuthOp op = AuthOp::delete_user;
  using Reply = UserDeleted;
  Asker asker;
  int64_t id = 0;
  bool operator==(const DeleteUser&) const = default;
};

struct SetUserRole {
  static constexpr AuthOp op = AuthOp::set_user_role;
  using Reply = UserReply;  // {user}
  Asker asker;
  int64_t id = 0;
  std::string role;
  bool operator==(const SetUserRole&) const = default;
};

struct ListApiKeys {
  static constexpr AuthOp op = AuthOp::list_api_keys;
  using Reply = ApiKeyList;
  Asker asker;
  bool operator==(const ListApiKeys&) const = default;
};

struct CreateApiKey {
  static constexpr AuthOp op = AuthOp::create_api_key;
  using Reply = CreatedApiKey;
  Asker asker;
  std::string name;
  bool operator==(const CreateApiKey&) const = default;
};

struct DeleteApiKey {
  static constexpr AuthOp op = AuthOp::delete_api_key;
  using Reply = Done;
  Asker asker;
  std::string id;
  bool operator==(const DeleteApiKey&) const = default;
};

struct GetKeyStates {
  static constexpr AuthOp op = AuthOp::key_states;
  using Reply = KeyStatesReply;
  bool operator==(const GetKeyStates&) const = default;
};

// Anyone on the bus may read the price table (the api serves it to every
// signed-in user and prices LLM calls with it); only an admin may change it.
struct ListPrices {
  static constexpr AuthOp op = AuthOp::list_prices;
  using Reply = PriceList;
  bool operator==(const ListPrices&) const = default;
};

struct SetPrice {
  static constexpr AuthOp op = AuthOp::set_price;
  using Reply = PriceChange;  // the change made
  Asker asker;
  std::string model;
  ModelPrice price;
  bool operator==(const SetPrice&) const = default;
};

struct DeletePrice {
  static constexpr AuthOp op = AuthOp::delete_price;
  using Reply = PriceChange;  // the change made (no price from now on); not_found when the model has none
  Asker asker;
  std::string model;
  bool operator==(const DeletePrice&) const = default;
};

// Anyone on the bus may list the Settings providers (never a key); only an admin may change them.
struct ListProviders {
  static constexpr AuthOp op = AuthOp::list_providers;
  using Reply = ProviderList;
  bool operator==(const ListProviders&) const = default;
};

// Adds or replaces the provider `name`. `api_key`: nullopt keeps the stored key, "" removes it.
struct SetProvider {
  static constexpr AuthOp op = AuthOp::set_provider;
  using Reply = ProviderInfo;  // the provider as now listed
  Asker asker;
  std::string name;
  std::string kind;
  std::string base_url;
  std::optional<std::string> api_key;
  bool operator==(const SetProvider&) const = default;
};

struct DeleteProvider {
  static constexpr AuthOp op = AuthOp::delete_provider;
  using Reply = Done;  // not_found when there is no such provider
  Asker asker;
  std::string name;
  bool operator==(const DeleteProvider&) const = default;
};

// The Settings providers with their keys decrypted: what the api calls them
// with. It names no user: the bus between stages is trusted (ipc sockets in
// the private data folder, CURVE-encrypted and authenticated on tcp), as it is
// for check_api_key and jwks. The api never passes a key on to a browser.
struct GetProviderEndpoints {
  static constexpr AuthOp op = AuthOp::provider_endpoints;
  using Reply = ProviderSecretList;
  bool operator==(const GetProviderEndpoints&) const = default;
};

// ---- What the auth-responder broadcasts (auth_event, PUB/SUB) ----

namespace event {

// Every second: a listener hearing it after silence, or from a new instance, reloads what it may have missed.
struct Hello {
  static constexpr std::string_view name = "hello";
  int64_t instance_started_ms = 0;
  bool operator==(const Hello&) const = default;
};
// Also one per key of a deleted user.
struct ApiKeyRevoked {
  static constexpr std::string_view name = "api_key_revoked";
  std::string key_id;
  std::string key_hash;  // hex SHA-256 of the secret
  bool operator==(const ApiKeyRevoked&) const = default;
};
struct UserDeleted {
  static constexpr std::string_view name = "user_deleted";
  int64_t user_id = 0;
  bool operator==(const UserDeleted&) const = default;
};
struct UserChanged {  // a new role
  static constexpr std::string_view name = "user_changed";
  int64_t user_id = 0;
  bool operator==(const UserChanged&) const = default;
};
struct SessionEnded {
  static constexpr std::string_view name = "session_ended";
  std::string session_hash;  // hex SHA-256 of the session
  bool operator==(const SessionEnded&) const = default;
};
struct SigningKeyRotated {
  static constexpr std::string_view name = "signing_key_rotated";
  std::string kid;
  bool operator==(const SigningKeyRotated&) const = default;
};

}  // namespace event

using AuthEvent =
    std::variant<event::Hello, event::ApiKeyRevoked, event::UserDeleted, event::UserChanged, event::SessionEnded, event::SigningKeyRotated>;

}  // namespace spanline::auth
