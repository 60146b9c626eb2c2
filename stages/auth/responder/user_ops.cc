// The user family of auth ops: listing, creating and deleting users, and changing roles.
#include "base/clock.h"
#include "base/crypto/password_hash.h"
#include "base/hex.h"
#include "base/log.h"
#include "stages/auth/responder/auth_service.h"
#include "stages/auth/responder/op_support.h"

namespace spanline::auth {

namespace {

Status no_such_user(int64_t id) { return Status(Code::not_found, "no user with id " + std::to_string(id)); }

}  // namespace

Result<UserList> AuthService::list_users(const ListUsers& request) {
  auto actor = actor_of(request.asker);
  if (!actor) return actor.status();
  auto users = store_->list_users();
  if (!users) return users.status();
  UserList out;
  for (const User& user : *users) out.users.push_back(user_info(user));
  return out;
}

Result<UserReply> AuthService::create_user(const CreateUser& request) {
  auto actor = admin_of(request.asker, "create users");
  if (!actor) return actor.status();
  if (Status fresh = check_new_user(request.email, request.password, shared_.config.min_password_length); !fresh.is_ok()) return fresh;
  const std::string role = request.role.empty() ? kRoleMember : request.role;
  if (Status valid = check_role(role); !valid.is_ok()) return valid;
  auto place = password_hash_place();
  if (!place) return place.status();
  auto user = store_->create_user(request.email, hash_password(request.password, {.log2_n = shared_.config.scrypt_log2_n}),
                                  unix_nanos_now(), false, role);
  if (!user) return user.status();
  log::info("user created", {{"user_id", user->id}, {"role", user->role}});
  return UserReply{user_info(*user)};
}

Result<UserDeleted> AuthService::delete_user(const DeleteUser& request) {
  auto actor = admin_of(request.asker, "delete users");
  if (!actor) return actor.status();
  auto revoked = store_->delete_user(request.id, unix_nanos_now());
  if (!revoked) return revoked.status();
  if (!revoked->has_value()) return no_such_user(request.id);
  log::info("user deleted", {{"user_id", request.id}, {"keys_revoked", (*revoked)->size()}});
  UserDeleted out;
  for (const RevokedKey& key : **revoked) {
    shared_.events.publish(event::ApiKeyRevoked{key.id, to_hex(key.key_hash)});
    out.revoked_key_ids.push_back(key.id);
  }
  shared_.events.publish(event::UserDeleted{request.id});
  return out;
}

Result<UserReply> AuthService::set_user_role(const SetUserRole& request) {
  auto actor = admin_of(request.asker, "change roles");
  if (!actor) return actor.status();
  if (Status valid = check_role(request.role); !valid.is_ok()) return valid;
  auto changed = store_->set_role(request.id, request.role);
  if (!changed) return changed.status();
  if (!*changed) return no_such_user(request.id);
  log::info("user role changed", {{"user_id", request.id}, {"role", request.role}});
  shared_.events.publish(event::UserChanged{request.id});
  auto user = store_->find_user(request.id);
  if (!user) return user.status();
  if (!user->has_value()) return no_such_user(request.id);
  return UserReply{user_info(**user)};
}

}  // namespace spanline::auth
