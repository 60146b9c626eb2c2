#pragma once
// What the auth-responder's op files (session_ops.cc, user_ops.cc, key_ops.cc,
// token_ops.cc) share: time units, the statuses they refuse with, and the
// store's records as the auth hop's reply types. Internal to the responder.

#include <cstdint>
#include <string>

#include "base/status.h"
#include "protocol/auth/auth_messages.h"
#include "stages/auth/store/meta_store.h"

namespace spanline::auth {

inline constexpr int64_t kNanosPerSecond = 1'000'000'000;
inline constexpr int64_t kNanosPerMs = 1'000'000;

inline int64_t ms_of(int64_t ns) { return ns / kNanosPerMs; }

inline Status bad_request(const std::string& message) { return Status(Code::invalid_argument, message); }
inline Status forbidden(const std::string& message) { return Status(Code::permission_denied, message); }

inline UserInfo user_info(const User& user) { return {user.id, user.email, ms_of(user.created_ns), user.role}; }

inline ApiKeyInfo key_info(const ApiKeyRecord& key) {
  ApiKeyInfo info{key.id, key.name, ms_of(key.created_ns), std::nullopt, std::nullopt};
  if (key.last_used_ns != 0) info.last_used_at_ms = ms_of(key.last_used_ns);
  if (key.owner_id != 0) info.owner = KeyOwner{key.owner_id, key.owner_email};
  return info;
}

// ok, or invalid_argument saying what is wrong with a new user's email or password.
Status check_new_user(const std::string& email, const std::string& password, uint32_t min_password_length);

// invalid_argument unless `role` is admin, member or viewer.
inline Status check_role(const std::string& role) {
  return valid_role(role) ? Status::ok() : bad_request("field 'role' must be admin, member or viewer");
}

}  // namespace spanline::auth
