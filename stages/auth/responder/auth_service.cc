#include "stages/auth/responder/auth_service.h"

#include <stdexcept>

#include "bus/sockets.h"
#include "base/crypto/jwt.h"
#include "base/crypto/password_hash.h"
#include "base/crypto/secrets.h"
#include "base/clock.h"
#include "base/hex.h"
#include "base/log.h"

namespace spanline::auth {

namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;
constexpr int64_t kNanosPerMs = 1'000'000;
// last_used is a hint for people, not an audit log: one write a minute per key at most.
constexpr int64_t kTouchIntervalNs = 60 * kNanosPerSecond;

Status bad_request(const std::string& message) { return Status(Code::invalid_argument, message); }

Result<std::string> text_field(const json& request, const char* name, size_t max_bytes, bool required = true) {
  if (!request.contains(name) || request[name].is_null()) {
    if (required) return bad_request(std::string("missing field '") + name + "'");
    return std::string();
  }
  if (!request[name].is_string()) return bad_request(std::string("field '") + name + "' must be a string");
  std::string value = request[name].get<std::string>();
  if (value.size() > max_bytes) return bad_request(std::string("field '") + name + "' is longer than " + std::to_string(max_bytes) + " bytes");
  return value;
}

bool valid_email(const std::string& email) {
  if (email.empty() || email.size() > 254) return false;
  size_t at = email.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == email.size() || email.find('@', at + 1) != std::string::npos) return false;
  for (unsigned char c : email) {
    if (c <= ' ' || c == 0x7F) return false;
  }
  return true;
}

// "k" and 16 hex digits. Built with append: GCC 12 warns falsely on "k" + string.
std::string new_key_id() {
  std::string kid = "k";
  kid.append(to_hex(random_bytes(8)));
  return kid;
}

int64_t ms_of(int64_t ns) { return ns / kNanosPerMs; }

// The throttle's name for an account: emails differ in case only by accident.
std::string account_of(const std::string& email) {
  std::string account = email;
  for (char& c : account) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return account;
}

json user_json(const User& user) {
  return {{"id", user.id}, {"email", user.email}, {"created_at_ms", ms_of(user.created_ns)}, {"role", user.role}};
}

json key_json(const ApiKeyRecord& key) {
  json out = {{"id", key.id}, {"name", key.name}, {"created_at_ms", ms_of(key.created_ns)}};
  out["last_used_at_ms"] = key.last_used_ns == 0 ? json(nullptr) : json(ms_of(key.last_used_ns));
  out["owner"] = key.owner_id == 0 ? json(nullptr) : json{{"id", key.owner_id}, {"email", key.owner_email}};
  return out;
}

Status forbidden(const std::string& message) { return Status(Code::permission_denied, message); }

// The decoded code point at `at` (advancing it), for well-formed UTF-8 (the JSON
// parser has checked it already); 0xFFFD for a stray byte.
uint32_t next_code_point(const std::string& text, size_t& at) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  size_t length = lead < 0x80 ? 1 : lead >> 5 == 0x6 ? 2 : lead >> 4 == 0xE ? 3 : lead >> 3 == 0x1E ? 4 : 0;
  if (length == 0 || at + length > text.size()) {
    ++at;
    return 0xFFFD;
  }
  uint32_t point = length == 1 ? lead : lead & (0xFF >> (length + 1));
  for (size_t i = 1; i < length; ++i) point = (point << 6) | (byte(at + i) & 0x3F);
  at += length;
  return point;
}

}  // namespace

// A key name is shown in terminals (`spanline key list`) and pages: control
// characters (C0, DEL, C1, which include ESC and CSI) could rewrite what an
// operator sees, and line or paragraph separators break the listing.
Status check_key_name(const std::string& name) {
  if (name.empty()) return bad_request("field 'name' must not be empty");
  for (size_t at = 0; at < name.size();) {
    const uint32_t point = next_code_point(name, at);
    if (point < 0x20 || (point >= 0x7F && point <= 0x9F) || point == 0x2028 || point == 0x2029) {
      return bad_request("field 'name' must not contain control characters (tabs, newlines, escapes)");
    }
  }
  return Status::ok();
}

namespace {

}  // namespace

EventPublisher::EventPublisher(bus::Context& context, const std::string& endpoint)
    : socket_(bus::bind_publisher(context, endpoint)) {}

EventPublisher::~EventPublisher() {
  {
    std::lock_guard lock(heartbeat_mutex_);
    stopping_ = true;
  }
  heartbeat_stop_.notify_all();
  if (heartbeat_.joinable()) heartbeat_.join();
}

void EventPublisher::start_heartbeat() {
  const int64_t started_ms = unix_nanos_now() / kNanosPerMs;
  heartbeat_ = std::thread([this, started_ms] {
    std::unique_lock lock(heartbeat_mutex_);
    while (!stopping_) {
      lock.unlock();
      publish({{"event", "hello"}, {"instance_started_ms", started_ms}});
      lock.lock();
      heartbeat_stop_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
    }
  });
}

void EventPublisher::publish(const json& event) {
  std::string header = bus::encode_header(bus::make_header(bus::MessageType::auth_event));
  std::string body = event.dump();
  std::lock_guard lock(mutex_);
  (void)socket_.send(zmq::buffer(header), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
  (void)socket_.send(zmq::buffer(body), zmq::send_flags::dontwait);
}

AuthService::AuthService(AuthShared& shared, bus::WorkerRouter& router) : shared_(shared), router_(router) {
  auto store = MetaStore::open(MetaStore::path_in(shared.config.data_dir));
  if (!store) throw std::runtime_error(store.status().to_string());
  store_ = std::move(store.value());
}

bus::RouterAnswer AuthService::handle(const bus::RouterJob& job) {
  json request = json::parse(job.body, nullptr, false);
  if (request.is_discarded() || !request.is_object() || !request.contains("op") || !request["op"].is_string()) {
    return router_.fail(job, bad_request("an auth request is a JSON object with a string 'op'"));
  }
  const std::string op = request["op"].get<std::string>();
  Result<json> reply = dispatch(op, request);
  if (!reply) {
    if (reply.status().code() == Code::internal) log::error("auth request failed", {{"op", op}, {"error", reply.status().message()}});
    return router_.fail(job, reply.status());
  }
  return bus::RouterAnswer{bus::make_header(bus::MessageType::auth_reply, job.header.request_id), reply->dump()};
}

Result<json> AuthService::dispatch(const std::string& op, const json& request) {
  if (op == "check_api_key") return check_api_key(request);
  if (op == "issue_token") return issue_token(request);
  if (op == "jwks") return jwks();
  if (op == "rotate_signing_key") return rotate_signing_key();
  if (op == "setup_status") return setup_status();
  if (op == "issue_setup_token") return issue_setup_token();
  if (op == "create_first_user") return create_first_user(request);
  if (op == "sign_in") return sign_in(request);
  if (op == "check_session") return check_session(request);
  if (op == "sign_out") return sign_out(request);
  if (op == "list_users") return list_users(request);
  if (op == "create_user") return create_user(request);
  if (op == "delete_user") return delete_user(request);
  if (op == "set_user_role") return set_user_role(request);
  if (op == "list_api_keys") return list_api_keys(request);
  if (op == "create_api_key") return create_api_key(request);
  if (op == "delete_api_key") return delete_api_key(request);
  if (op == "key_states") return key_states();
  return bad_request("unknown auth op '" + op.substr(0, 64) + "'");
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

Result<ApiKeyRecord> AuthService::find_key(const json& request) {
  shared_.key_checks.fetch_add(1);
  auto key = text_field(request, "key", 256);
  if (!key) return key.status();
  const std::string hash = sha256(*key);
  auto found = store_->find_api_key(hash);
  if (!found) return found.status();
  // The lookup is by hash; comparing the stored hash again in constant time
  // keeps the decision itself free of early-exit timing.
  if (!found->has_value() || !constant_time_equal((*found)->key_hash, hash)) {
    shared_.key_rejections.fetch_add(1);
    return Status(Code::unauthenticated, "API key not recognised (revoked or never issued)");
  }
  ApiKeyRecord record = **found;
  const int64_t now = unix_nanos_now();
  if (now - record.last_used_ns > kTouchIntervalNs) (void)store_->touch_api_key(record.id, now);
  return record;
}

Result<json> AuthService::check_api_key(const json& request) {
  auto key = find_key(request);
  if (!key) return key.status();
  return json{{"key_id", key->id}, {"name", key->name}};
}

Result<json> AuthService::key_states() {
  auto live = store_->live_key_ids();
  if (!live) return live.status();
  auto revoked = store_->revoked_key_ids();
  if (!revoked) return revoked.status();
  const int64_t ttl_s = std::chrono::duration_cast<std::chrono::seconds>(shared_.config.token_ttl).count();
  return json{{"live_key_ids", *live}, {"revoked_key_ids", *revoked}, {"token_ttl_s", ttl_s}};
}

Result<Actor> AuthService::actor_of(const json& request) {
  if (request.contains("session")) {
    auto session = text_field(request, "session", 256);
    if (!session) return session.status();
    auto user = store_->find_session(sha256(*session), unix_nanos_now());
    if (!user) return user.status();
    if (!user->has_value()) return Status(Code::unauthenticated, "session expired or unknown; sign in again");
    return Actor{**user};
  }
  if (request.value("operator", false) == true) return Actor{};
  return bad_request("say who asks: 'session' (a signed-in user) or 'operator: true' (the CLI)");
}

Result<Actor> AuthService::admin_of(const json& request, const std::string& what) {
  auto actor = actor_of(request);
  if (!actor) return actor.status();
  if (!actor->is_admin()) return forbidden("only an admin may " + what + " (you are a " + actor->user->role + ")");
  return actor;
}

Result<SigningKey> AuthService::parsed_key(const SigningKeyRecord& record) {
  auto parsed = parsed_keys_.find(record.kid);
  if (parsed != parsed_keys_.end()) return parsed->second;
  auto key = SigningKey::from_pem(record.kid, record.private_pem);
  if (!key) return key.status();
  parsed_keys_.emplace(record.kid, *key);
  return *key;
}

Result<std::optional<std::string>> AuthService::rotate(int64_t now, int64_t only_if_older_than_ns) {
  SigningKey fresh = SigningKey::generate(new_key_id());
  auto rotated = store_->rotate_signing_key({fresh.kid(), fresh.private_pem(), now, 0}, now, only_if_older_than_ns);
  if (!rotated) return rotated.status();
  if (!*rotated) return std::optional<std::string>();  // another thread rotated first
  log::info("signing key rotated", {{"kid", fresh.kid()}});
  shared_.events.publish({{"event", "signing_key_rotated"}, {"kid", fresh.kid()}});
  parsed_keys_.emplace(fresh.kid(), fresh);
  return std::optional<std::string>(fresh.kid());
}

Result<SigningKey> AuthService::active_signing_key(bool may_rotate) {
  const int64_t now = unix_nanos_now();
  auto keys = store_->signing_keys();
  if (!keys) return keys.status();
  const SigningKeyRecord* active = nullptr;
  for (const auto& key : *keys) {
    if (key.retired_ns == 0) {
      active = &key;
      break;
    }
  }
  const int64_t rotation_ns = static_cast<int64_t>(shared_.config.signing_key_rotation.count()) * kNanosPerMs;
  if (may_rotate && (active == nullptr || now - active->created_ns >= rotation_ns)) {
    auto rotated = rotate(now, active == nullptr ? 0 : now - rotation_ns + 1);
    if (!rotated) return rotated.status();
    return active_signing_key(false);
  }
  if (active == nullptr) return Status(Code::internal, "no active signing key");
  return parsed_key(*active);
}

Status AuthService::ensure_signing_key() {
  auto key = active_signing_key();
  return key.status();
}

Result<json> AuthService::issue_token(const json& request) {
  auto key = find_key(request);
  if (!key) return key.status();
  auto signer = active_signing_key();
  if (!signer) return signer.status();
  const int64_t now = unix_nanos_now() / kNanosPerSecond;
  const int64_t ttl = static_cast<int64_t>(std::chrono::duration_cast<std::chrono::seconds>(shared_.config.token_ttl).count());
  TokenClaims claims{shared_.config.token_issuer, shared_.config.token_audience, key->id, random_token(), now, now, now + ttl};
  shared_.tokens_issued.fetch_add(1);
  return json{{"token", sign_token(claims, *signer)}, {"token_type", "Bearer"}, {"expires_in", ttl}};
}

Result<json> AuthService::jwks() {
  const int64_t now = unix_nanos_now();
  // A retired key stays published while tokens it signed may still be live.
  const int64_t keep_ns = (static_cast<int64_t>(shared_.config.token_ttl.count()) + 60'000) * kNanosPerMs;
  (void)store_->prune_signing_keys(now - keep_ns);
  auto keys = store_->signing_keys();
  if (!keys) return keys.status();
  json out = json::array();
  for (const auto& record : *keys) {
    if (record.retired_ns != 0 && record.retired_ns < now - keep_ns) continue;
    auto key = parsed_key(record);
    if (!key) return key.status();
    out.push_back(key->public_jwk());
  }
  return json{{"keys", out}};
}

Result<json> AuthService::rotate_signing_key() {
  auto kid = rotate(unix_nanos_now(), 0);  // unconditional: the operator asked
  if (!kid) return kid.status();
  return json{{"kid", kid->value()}};
}

Result<json> AuthService::setup_status() {
  auto any = store_->has_users();
  if (!any) return any.status();
  return json{{"has_users", *any}};
}

Result<json> AuthService::issue_setup_token() {
  auto any = store_->has_users();
  if (!any) return any.status();
  if (*any) return Status(Code::failed_precondition, "a user already exists; first-user setup is closed");
  const auto ttl = shared_.config.setup_token_ttl;
  std::string token = shared_.setup_tokens.issue(ttl, SignInThrottle::Clock::now());
  return json{{"token", token}, {"expires_at_ms", ms_of(unix_nanos_now()) + static_cast<int64_t>(ttl.count())}};
}

Result<json> AuthService::start_session(const User& user) {
  const int64_t now = unix_nanos_now();
  const int64_t expires = now + static_cast<int64_t>(shared_.config.session_ttl.count()) * kNanosPerMs;
  std::string session = random_token();
  if (Status s = store_->create_session(sha256(session), user.id, now, expires); !s.is_ok()) return s;
  (void)store_->delete_expired_sessions(now);
  return json{{"user", user_json(user)}, {"session", session}, {"expires_at_ms", ms_of(expires)}};
}

namespace {

struct NewUser {
  std::string email;
  std::string password;
};

Result<NewUser> read_new_user(const json& request, uint32_t min_password_length) {
  auto email = text_field(request, "email", 254);
  if (!email) return email.status();
  auto password = text_field(request, "password", 1024);
  if (!password) return password.status();
  if (!valid_email(*email)) return bad_request("email must look like name@host (no spaces, at most 254 bytes)");
  if (password->size() < min_password_length) {
    return bad_request("password must be at least " + std::to_string(min_password_length) + " characters");
  }
  return NewUser{*email, *password};
}

}  // namespace

Result<json> AuthService::create_first_user(const json& request) {
  auto fresh = read_new_user(request, shared_.config.min_password_length);
  if (!fresh) return fresh.status();
  auto place = password_hash_place();
  if (!place) return place.status();
  // Whoever reaches the port first must not own the deployment: the api vouches
  // for a request from this host's loopback interface; anyone else needs a setup token.
  const bool local = request.value("local", false) == true;
  auto setup_token = text_field(request, "setup_token", 256, false);
  if (!setup_token) return setup_token.status();
  if (!local && !shared_.setup_tokens.consume(*setup_token, SignInThrottle::Clock::now())) {
    return Status(Code::permission_denied,
                  setup_token->empty()
                      ? "first-user setup from another machine needs the setup token that `spanline up` printed (also in the api's log; `spanline setup-token` prints a new one)"
                      : "that setup token is unknown, expired or used; `spanline setup-token` prints a new one");
  }
  auto user = store_->create_user(fresh->email, hash_password(fresh->password, {.log2_n = shared_.config.scrypt_log2_n}),
                                  unix_nanos_now(), true);
  if (!user) return user.status();
  shared_.setup_tokens.clear();  // setup is closed for good
  log::info("first user created", {{"user_id", user->id}, {"with_setup_token", !local}});
  auto session = start_session(*user);
  if (session) (*session)["device"] = new_device(fresh->email);
  return session;
}

std::string AuthService::new_device(const std::string& email) {
  std::string device = random_token();
  shared_.throttle.add_device(sha256(device), account_of(email), SignInThrottle::Clock::now());
  return device;
}

Result<json> AuthService::sign_in(const json& request) {
  auto email = text_field(request, "email", 254);
  if (!email) return email.status();
  auto password = text_field(request, "password", 1024);
  if (!password) return password.status();
  auto address = text_field(request, "address", 128, false);
  if (!address) return address.status();
  auto device = text_field(request, "device", 256, false);
  if (!device) return device.status();
  const SignInThrottle::Attempt attempt{account_of(*email), *address, device->empty() ? std::string() : sha256(*device)};
  const auto now = SignInThrottle::Clock::now();
  if (auto wait = shared_.throttle.admit(attempt, now)) {
    shared_.sign_ins_throttled.fetch_add(1);
    return json{{"throttled", true}, {"retry_after_s", wait->count()}};
  }
  auto place = password_hash_place();
  if (!place) return place.status();
  auto found = store_->find_user(*email);
  if (!found) return found.status();
  // Verify against a dummy hash when there is no such user, so the answer takes as long either way.
  auto verified = verify_password(*password, found->has_value() ? (*found)->password_hash : shared_.dummy_hash());
  if (!verified) return verified.status();
  if (!found->has_value() || !*verified) {
    shared_.throttle.failed(attempt, now);
    shared_.sign_in_failures.fetch_add(1);
    return Status(Code::unauthenticated, "wrong email or password");
  }
  shared_.throttle.succeeded(attempt, now);
  shared_.sign_ins.fetch_add(1);
  auto session = start_session((*found)->user);
  if (session) (*session)["device"] = new_device(*email);
  return session;
}

Result<json> AuthService::check_session(const json& request) {
  auto session = text_field(request, "session", 256);
  if (!session) return session.status();
  auto user = store_->find_session(sha256(*session), unix_nanos_now());
  if (!user) return user.status();
  if (!user->has_value()) return Status(Code::unauthenticated, "session expired or unknown; sign in again");
  return json{{"user", user_json(**user)}};
}

Result<json> AuthService::sign_out(const json& request) {
  auto session = text_field(request, "session", 256);
  if (!session) return session.status();
  const std::string hash = sha256(*session);
  if (Status s = store_->delete_session(hash); !s.is_ok()) return s;
  shared_.events.publish({{"event", "session_ended"}, {"session_hash", to_hex(hash)}});
  return json::object();
}

Result<json> AuthService::list_users(const json& request) {
  auto actor = actor_of(request);
  if (!actor) return actor.status();
  auto users = store_->list_users();
  if (!users) return users.status();
  json out = json::array();
  for (const User& user : *users) out.push_back(user_json(user));
  return json{{"users", out}};
}

Result<json> AuthService::create_user(const json& request) {
  auto actor = admin_of(request, "create users");
  if (!actor) return actor.status();
  auto fresh = read_new_user(request, shared_.config.min_password_length);
  if (!fresh) return fresh.status();
  auto role = text_field(request, "role", 16, false);
  if (!role) return role.status();
  if (role->empty()) *role = kRoleMember;
  if (!valid_role(*role)) return bad_request("field 'role' must be admin, member or viewer");
  auto place = password_hash_place();
  if (!place) return place.status();
  auto user = store_->create_user(fresh->email, hash_password(fresh->password, {.log2_n = shared_.config.scrypt_log2_n}),
                                  unix_nanos_now(), false, *role);
  if (!user) return user.status();
  log::info("user created", {{"user_id", user->id}, {"role", user->role}});
  return json{{"user", user_json(*user)}};
}

namespace {

Result<int64_t> user_id_field(const json& request) {
  if (!request.contains("id") || !request["id"].is_number_integer()) return bad_request("field 'id' must be an integer");
  return request["id"].get<int64_t>();
}

}  // namespace

Result<json> AuthService::delete_user(const json& request) {
  auto actor = admin_of(request, "delete users");
  if (!actor) return actor.status();
  auto id = user_id_field(request);
  if (!id) return id.status();
  auto revoked = store_->delete_user(*id, unix_nanos_now());
  if (!revoked) return revoked.status();
  if (!revoked->has_value()) return Status(Code::not_found, "no user with id " + std::to_string(*id));
  log::info("user deleted", {{"user_id", *id}, {"keys_revoked", (*revoked)->size()}});
  for (const RevokedKey& key : **revoked) {
    shared_.events.publish({{"event", "api_key_revoked"}, {"key_id", key.id}, {"key_hash", to_hex(key.key_hash)}});
  }
  shared_.events.publish({{"event", "user_deleted"}, {"user_id", *id}});
  return json{{"revoked_key_ids", [&] {
                 json ids = json::array();
                 for (const RevokedKey& key : **revoked) ids.push_back(key.id);
                 return ids;
               }()}};
}

Result<json> AuthService::set_user_role(const json& request) {
  auto actor = admin_of(request, "change roles");
  if (!actor) return actor.status();
  auto id = user_id_field(request);
  if (!id) return id.status();
  auto role = text_field(request, "role", 16);
  if (!role) return role.status();
  if (!valid_role(*role)) return bad_request("field 'role' must be admin, member or viewer");
  auto changed = store_->set_role(*id, *role);
  if (!changed) return changed.status();
  if (!*changed) return Status(Code::not_found, "no user with id " + std::to_string(*id));
  log::info("user role changed", {{"user_id", *id}, {"role", *role}});
  shared_.events.publish({{"event", "user_changed"}, {"user_id", *id}});
  auto user = store_->find_user(*id);
  if (!user) return user.status();
  if (!user->has_value()) return Status(Code::not_found, "no user with id " + std::to_string(*id));
  return json{{"user", user_json(**user)}};
}

Result<json> AuthService::list_api_keys(const json& request) {
  auto actor = actor_of(request);
  if (!actor) return actor.status();
  // Admins see every key with its owner; everyone else their own.
  auto keys = store_->list_api_keys(actor->is_admin() ? std::nullopt : std::optional<int64_t>(actor->user->id));
  if (!keys) return keys.status();
  json out = json::array();
  for (const auto& key : *keys) out.push_back(key_json(key));
  return json{{"api_keys", out}};
}

Result<json> AuthService::create_api_key(const json& request) {
  auto actor = actor_of(request);
  if (!actor) return actor.status();
  if (actor->user && actor->user->role == kRoleViewer) return forbidden("a viewer cannot create API keys; ask an admin");
  auto name = text_field(request, "name", 200);
  if (!name) return name.status();
  if (Status named = check_key_name(*name); !named.is_ok()) return named;
  std::string secret = "spl_" + random_token();
  // The operator's keys belong to the first admin (or to the first user, once there is one).
  ApiKeyRecord record{to_hex(random_bytes(8)), *name, sha256(secret), unix_nanos_now(), 0, actor->user ? actor->user->id : 0, ""};
  if (Status s = store_->create_api_key(record); !s.is_ok()) return s;
  log::info("API key created", {{"key_id", record.id}, {"owner_id", record.owner_id}});
  auto stored = store_->find_api_key_by_id(record.id);
  if (stored && stored->has_value()) record = **stored;
  json out = key_json(record);
  out["key"] = secret;  // the only time the key is ever shown
  return out;
}

Result<json> AuthService::delete_api_key(const json& request) {
  auto actor = actor_of(request);
  if (!actor) return actor.status();
  auto id = text_field(request, "id", 64);
  if (!id) return id.status();
  if (!actor->is_admin()) {
    auto key = store_->find_api_key_by_id(*id);
    if (!key) return key.status();
    if (key->has_value() && (*key)->owner_id != actor->user->id) return forbidden("only an admin may revoke another user's API key");
  }
  auto deleted = store_->delete_api_key(*id, unix_nanos_now());
  if (!deleted) return deleted.status();
  if (!deleted->has_value()) return Status(Code::not_found, "no API key with id '" + *id + "'");
  log::info("API key revoked", {{"key_id", *id}});
  shared_.events.publish({{"event", "api_key_revoked"}, {"key_id", *id}, {"key_hash", to_hex(**deleted)}});
  return json::object();
}

}  // namespace spanline::auth
