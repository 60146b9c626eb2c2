#pragma once
// The roles a user may have (docs/security.md, "Roles"), as the auth hop and
// meta.sqlite spell them: admins manage users and every key, members their own
// keys, viewers only read. The CLI and the api send them as typed; the
// auth-responder refuses any other.

#include <string_view>

namespace spanline::auth {

inline constexpr const char* kRoleAdmin = "admin";
inline constexpr const char* kRoleMember = "member";
inline constexpr const char* kRoleViewer = "viewer";

inline bool valid_role(std::string_view role) { return role == kRoleAdmin || role == kRoleMember || role == kRoleViewer; }

}  // namespace spanline::auth
