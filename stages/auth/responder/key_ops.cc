// The API-key family of auth ops: checking a key (every uncached Export at a
// gateway), listing, creating and revoking keys, and the key states gateways
// check tokens against.
#include "base/clock.h"
#include "base/crypto/secrets.h"
#include "base/hex.h"
#include "base/log.h"
#include "stages/auth/responder/auth_service.h"
#include "stages/auth/responder/op_support.h"

namespace spanline::auth {

namespace {

// last_used is a hint for people, not an audit log: one write a minute per key at most.
constexpr int64_t kTouchIntervalNs = 60 * kNanosPerSecond;

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

Result<ApiKeyRecord> AuthService::find_key(const std::string& key) {
  shared_.key_checks.fetch_add(1);
  const std::string hash = sha256(key);
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

Result<ApiKeyChecked> AuthService::check_api_key(const CheckApiKey& request) {
  auto key = find_key(request.key);
  if (!key) return key.status();
  return ApiKeyChecked{key->id, key->name};
}

Result<KeyStatesReply> AuthService::key_states(const GetKeyStates&) {
  auto live = store_->live_key_ids();
  if (!live) return live.status();
  auto revoked = store_->revoked_key_ids();
  if (!revoked) return revoked.status();
  const int64_t ttl_s = std::chrono::duration_cast<std::chrono::seconds>(shared_.config.token_ttl).count();
  return KeyStatesReply{std::move(*live), std::move(*revoked), ttl_s};
}

Result<ApiKeyList> AuthService::list_api_keys(const ListApiKeys& request) {
  auto actor = actor_of(request.asker);
  if (!actor) return actor.status();
  // Admins see every key with its owner; everyone else their own.
  auto keys = store_->list_api_keys(actor->is_admin() ? std::nullopt : std::optional<int64_t>(actor->user->id));
  if (!keys) return keys.status();
  ApiKeyList out;
  for (const auto& key : *keys) out.api_keys.push_back(key_info(key));
  return out;
}

Result<CreatedApiKey> AuthService::create_api_key(const CreateApiKey& request) {
  auto actor = actor_of(request.asker);
  if (!actor) return actor.status();
  if (actor->user && actor->user->role == kRoleViewer) return forbidden("a viewer cannot create API keys; ask an admin");
  if (Status named = check_key_name(request.name); !named.is_ok()) return named;
  std::string secret = "spl_" + random_token();
  // The operator's keys belong to the first admin (or to the first user, once there is one).
  ApiKeyRecord record{to_hex(random_bytes(8)), request.name, sha256(secret), unix_nanos_now(), 0, actor->user ? actor->user->id : 0, ""};
  if (Status s = store_->create_api_key(record); !s.is_ok()) return s;
  log::info("API key created", {{"key_id", record.id}, {"owner_id", record.owner_id}});
  auto stored = store_->find_api_key_by_id(record.id);
  if (stored && stored->has_value()) record = **stored;
  return CreatedApiKey{key_info(record), secret};
}

Result<Done> AuthService::delete_api_key(const DeleteApiKey& request) {
  auto actor = actor_of(request.asker);
  if (!actor) return actor.status();
  if (!actor->is_admin()) {
    auto key = store_->find_api_key_by_id(request.id);
    if (!key) return key.status();
    if (key->has_value() && (*key)->owner_id != actor->user->id) return forbidden("only an admin may revoke another user's API key");
  }
  auto deleted = store_->delete_api_key(request.id, unix_nanos_now());
  if (!deleted) return deleted.status();
  if (!deleted->has_value()) return Status(Code::not_found, "no API key with id '" + request.id + "'");
  log::info("API key revoked", {{"key_id", request.id}});
  shared_.events.publish(event::ApiKeyRevoked{request.id, to_hex(**deleted)});
  return Done{};
}

}  // namespace spanline::auth
