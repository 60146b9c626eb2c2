#pragma once
// meta.sqlite: every identity Spanline keeps (users with their role, sessions,
// API keys with their owner, revoked key ids, signing keys), owned by the
// auth-responder alone. Secrets are never stored:
// passwords as scrypt hashes, session ids and API keys as SHA-256 (they are
// 256-bit random, so a fast hash is enough), signing keys as PEM because the
// auth-responder must sign with them.
//
// Threads: one MetaStore per thread (each is its own SQLite connection); SQLite
// in WAL mode serialises the writers, and every multi-step change runs in a
// BEGIN IMMEDIATE transaction so two threads cannot both create "the first" user
// nor both demote "the other" admin.
//
// Invariants kept here, whatever the caller: once a user exists at least one is
// an admin (the last admin cannot be deleted or demoted: failed_precondition);
// every key has an owner once a user exists (keys made before the first user, or
// before owners existed, belong to the first admin); a deleted key's id is kept
// in revoked_api_keys for good, so a gateway that starts later still refuses
// tokens minted from it.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/sqlite/sqlite_db.h"
#include "base/status.h"
#include "protocol/auth/auth_messages.h"
#include "protocol/auth/roles.h"

namespace spanline::auth {


struct User {
  int64_t id = 0;
  std::string email;
  int64_t created_ns = 0;
  std::string role = kRoleMember;
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
  int64_t owner_id = 0;      // 0: no owner yet (made before the first user)
  std::string owner_email;   // filled when read
};

// A key taken away (deleted, or with its owner): what to broadcast.
struct RevokedKey {
  std::string id;
  std::string key_hash;
};

struct SigningKeyRecord {
  std::string kid;
  std::string private_pem;
  int64_t created_ns = 0;
  int64_t retired_ns = 0;  // 0 while active
};

// A playground provider kept in Settings (llm_providers.cc). `sealed_key` is
// the key as the responder sealed it (base/crypto/secret_box.h), never the key.
struct ProviderRecord {
  std::string name;
  std::string kind;
  std::string base_url;
  std::optional<std::string> sealed_key;  // nullopt: no key
  int64_t updated_ns = 0;
  std::string updated_by;
};

class MetaStore {
 public:
  static Result<std::unique_ptr<MetaStore>> open(const std::string& path);
  static std::string path_in(const std::string& data_dir) { return data_dir + "/meta.sqlite"; }

  Result<bool> has_users();
  // already_exists for a taken email; failed_precondition when `only_if_first` and a user exists.
  // The first user is always an admin and takes every key without an owner.
  Result<User> create_user(const std::string& email, const std::string& password_hash, int64_t now_ns, bool only_if_first,
                           const std::string& role = kRoleMember);
  Result<std::optional<UserWithPassword>> find_user(const std::string& email);
  Result<std::optional<User>> find_user(int64_t id);
  Result<std::vector<User>> list_users();
  // nullopt when no such user; else the keys revoked with them (their sessions
  // go too). failed_precondition when they are the last admin.
  Result<std::optional<std::vector<RevokedKey>>> delete_user(int64_t id, int64_t now_ns);
  // false when no such user; failed_precondition when it would leave no admin.
  Result<bool> set_role(int64_t id, const std::string& role);

  Status create_session(const std::string& id_hash, int64_t user_id, int64_t now_ns, int64_t expires_ns);
  // The session's user while it has not expired.
  Result<std::optional<User>> find_session(const std::string& id_hash, int64_t now_ns);
  Status delete_session(const std::string& id_hash);
  Status delete_expired_sessions(int64_t now_ns);

  Status create_api_key(const ApiKeyRecord& key);
  Result<std::optional<ApiKeyRecord>> find_api_key(const std::string& key_hash);
  Status touch_api_key(const std::string& id, int64_t now_ns);
  Result<std::optional<ApiKeyRecord>> find_api_key_by_id(const std::string& id);
  // Every key, or only those of `owner_id` when it is set.
  Result<std::vector<ApiKeyRecord>> list_api_keys(std::optional<int64_t> owner_id = std::nullopt);
  // The deleted key's hash (to broadcast), or nullopt when there was no such key.
  // The id is remembered in revoked_api_keys in the same transaction.
  Result<std::optional<std::string>> delete_api_key(const std::string& id, int64_t now_ns = 0);
  // Ids of the keys that exist, and of every key ever revoked.
  Result<std::vector<std::string>> live_key_ids();
  Result<std::vector<std::string>> revoked_key_ids();

  // Every signing key not yet pruned, newest first.
  Result<std::vector<SigningKeyRecord>> signing_keys();
  // Retires the active key (if any) and adds `fresh`, in one transaction; when
  // `only_if_older_than_ns` is set, does nothing if the active key is newer (so
  // two threads deciding to rotate at once rotate once).
  Result<bool> rotate_signing_key(const SigningKeyRecord& fresh, int64_t now_ns, int64_t only_if_older_than_ns = 0);
  // Forgets keys retired before `retired_before_ns` (no live token can name them).
  Status prune_signing_keys(int64_t retired_before_ns);

  // The model price table (model_prices.cc), in the auth hop's own types: every
  // change ever made, each effective from when it was made, never rewritten.
  // By model, oldest first.
  Result<std::vector<PriceChange>> price_changes();
  // `model` costs `price` from `now_ns` on (a change after the model's last one,
  // even if the clock stepped back). The same price as the current one adds
  // nothing and returns the current change. invalid_argument for a model name or
  // a price out of bounds (auth_messages.h), failed_precondition when the table
  // is full (models priced, or changes kept).
  Result<PriceChange> set_price(const std::string& model, const ModelPrice& price, int64_t now_ns, const std::string& changed_by);
  // `model` has no price from `now_ns` on; nullopt when it had none.
  Result<std::optional<PriceChange>> delete_price(const std::string& model, int64_t now_ns, const std::string& changed_by);

  // The playground's Settings providers (llm_providers.cc), by name.
  Result<std::vector<ProviderRecord>> providers();
  // Adds or replaces `provider.name`; with `keep_key`, its stored sealed key is
  // kept (none when it is new) whatever `provider.sealed_key` says. Returns the
  // row as stored. invalid_argument for a name, kind or base URL that breaks the
  // rules of auth_messages.h, failed_precondition past kMaxSettingsProviders.
  Result<ProviderRecord> set_provider(ProviderRecord provider, bool keep_key);
  // false when there was no such provider.
  Result<bool> delete_provider(const std::string& name);

 private:
  explicit MetaStore(std::unique_ptr<Database> db) : db_(std::move(db)) {}
  Status migrate();
  // Adds what older files lack (roles, owners) and restores the invariants above.
  Status upgrade_and_repair();
  Result<int64_t> count(const std::string& sql, std::optional<int64_t> arg = std::nullopt);
  // Every row `sql` returns, each made by `read(statement)`.
  template <typename Read>
  auto all_rows(const std::string& sql, Read read) -> Result<std::vector<decltype(read(std::declval<const Statement&>()))>> {
    std::vector<decltype(read(std::declval<const Statement&>()))> out;
    auto stmt = db_->prepare(sql);
    if (!stmt) return stmt.status();
    for (;;) {
      auto row = stmt->step();
      if (!row) return row.status();
      if (!*row) return out;
      out.push_back(read(*stmt));
    }
  }
  Status remember_revoked(const std::string& key_id, int64_t owner_id, int64_t now_ns);
  Status in_transaction(const std::function<Status()>& body);
  // model_prices.cc: the model's latest change, if any (inside a transaction).
  Result<std::optional<PriceChange>> latest_price_change(const std::string& model);
  Result<PriceChange> add_price_change(PriceChange change);

  std::unique_ptr<Database> db_;
};

}  // namespace spanline::auth
