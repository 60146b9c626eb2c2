#pragma once
// meta.sqlite: every identity Spanline keeps (users, sessions, API keys,
// signing keys), owned by the auth-responder alone. Secrets are never stored:
// passwords as scrypt hashes, session ids and API keys as SHA-256 (they are
// 256-bit random, so a fast hash is enough), signing keys as PEM because the
// auth-responder must sign with them.
//
// Threads: one MetaStore per thread (each is its own SQLite connection); SQLite
// in WAL mode serialises the writers, and every multi-step change runs in a
// BEGIN IMMEDIATE transaction so two threads cannot both create "the first" user.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "stages/common/sqlite/sqlite_db.h"
#include "stages/common/status.h"

namespace spanline::auth {

struct User {
  int64_t id = 0;
  std::string email;
  int64_t created_ns = 0;
};

struct UserWithPassword {
  User user;
  std::string password_hash;
};

struct ApiKeyRecord {
  std::string id;
  std::string name;
  std::string key_hash;  // raw SHA-256
  int64_t created_ns = 0;
  int64_t last_used_ns = 0;
};

struct SigningKeyRecord {
  std::string kid;
  std::string private_pem;
  int64_t created_ns = 0;
  int64_t retired_ns = 0;  // 0 while active
};

class MetaStore {
 public:
  static Result<std::unique_ptr<MetaStore>> open(const std::string& path);
  static std::string path_in(const std::string& data_dir) { return data_dir + "/meta.sqlite"; }

  Result<bool> has_users();
  // already_exists for a taken email; failed_precondition when `only_if_first` and a user exists.
  Result<User> create_user(const std::string& email, const std::string& password_hash, int64_t now_ns, bool only_if_first);
  Result<std::optional<UserWithPassword>> find_user(const std::string& email);
  Result<std::vector<User>> list_users();
  // false when no such user. Their sessions go with them.
  Result<bool> delete_user(int64_t id);

  Status create_session(const std::string& id_hash, int64_t user_id, int64_t now_ns, int64_t expires_ns);
  // The session's user while it has not expired.
  Result<std::optional<User>> find_session(const std::string& id_hash, int64_t now_ns);
  Status delete_session(const std::string& id_hash);
  Status delete_expired_sessions(int64_t now_ns);

  Status create_api_key(const ApiKeyRecord& key);
  Result<std::optional<ApiKeyRecord>> find_api_key(const std::string& key_hash);
  Status touch_api_key(const std::string& id, int64_t now_ns);
  Result<std::vector<ApiKeyRecord>> list_api_keys();
  // The deleted key's hash (to broadcast), or nullopt when there was no such key.
  Result<std::optional<std::string>> delete_api_key(const std::string& id);

  // Every signing key not yet pruned, newest first.
  Result<std::vector<SigningKeyRecord>> signing_keys();
  // Retires the active key (if any) and adds `fresh`, in one transaction; when
  // `only_if_older_than_ns` is set, does nothing if the active key is newer (so
  // two threads deciding to rotate at once rotate once).
  Result<bool> rotate_signing_key(const SigningKeyRecord& fresh, int64_t now_ns, int64_t only_if_older_than_ns = 0);
  // Forgets keys retired before `retired_before_ns` (no live token can name them).
  Status prune_signing_keys(int64_t retired_before_ns);

 private:
  explicit MetaStore(std::unique_ptr<Database> db) : db_(std::move(db)) {}
  Status migrate();
  Status in_transaction(const std::function<Status()>& body);

  std::unique_ptr<Database> db_;
};

}  // namespace spanline::auth
