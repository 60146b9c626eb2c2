#include "stages/auth/store/meta_store.h"

#include <functional>

#include "base/log.h"

namespace spanline::auth {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS users(
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL UNIQUE COLLATE NOCASE,
  password_hash TEXT NOT NULL,
  created_ns INTEGER NOT NULL,
  role TEXT NOT NULL DEFAULT 'member');
CREATE TABLE IF NOT EXISTS sessions(
  id_hash BLOB PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_ns INTEGER NOT NULL,
  expires_ns INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_id);
CREATE TABLE IF NOT EXISTS api_keys(
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  key_hash BLOB NOT NULL UNIQUE,
  created_ns INTEGER NOT NULL,
  last_used_ns INTEGER NOT NULL DEFAULT 0,
  owner_id INTEGER REFERENCES users(id));
CREATE TABLE IF NOT EXISTS revoked_api_keys(
  key_id TEXT PRIMARY KEY,
  owner_id INTEGER,
  revoked_ns INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS signing_keys(
  kid TEXT PRIMARY KEY,
  private_pem TEXT NOT NULL,
  created_ns INTEGER NOT NULL,
  retired_ns INTEGER NOT NULL DEFAULT 0);
-- The model price table's history (model_prices.cc): one row per change, never
-- updated; a row with NULL prices means "no price from then on".
CREATE TABLE IF NOT EXISTS model_prices(
  id INTEGER PRIMARY KEY,
  model TEXT NOT NULL,
  input_per_million REAL,
  output_per_million REAL,
  cached_input_per_million REAL,
  effective_from_ns INTEGER NOT NULL,
  changed_by TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS model_prices_model ON model_prices(model, effective_from_ns);
-- The playground's LLM providers kept in Settings (llm_providers.cc); api_key_sealed
-- is AES-256-GCM under the data key file beside this database, never the key.
CREATE TABLE IF NOT EXISTS llm_providers(
  name TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  base_url TEXT NOT NULL,
  api_key_sealed BLOB,
  updated_ns INTEGER NOT NULL,
  updated_by TEXT NOT NULL);
)sql";

constexpr const char* kUserColumns = "id, email, created_ns, role";

User read_user(const Statement& row, int first) {
  return User{row.column_int(first), row.column_text(first + 1), row.column_int(first + 2), row.column_text(first + 3)};
}

constexpr const char* kKeyColumns =
    "SELECT k.id, k.name, k.key_hash, k.created_ns, k.last_used_ns, COALESCE(k.owner_id, 0), COALESCE(u.email, '') "
    "FROM api_keys k LEFT JOIN users u ON u.id = k.owner_id";

ApiKeyRecord read_key(const Statement& row) {
  return ApiKeyRecord{row.column_text(0), row.column_text(1), row.column_text(2), row.column_int(3),
                      row.column_int(4),  row.column_int(5),  row.column_text(6)};
}

constexpr const char* kFirstAdmin = "SELECT MIN(id) FROM users WHERE role = 'admin'";

}  // namespace

Result<std::unique_ptr<MetaStore>> MetaStore::open(const std::string& path) {
  auto db = Database::open(path);
  if (!db) return db.status();
  std::unique_ptr<MetaStore> store(new MetaStore(std::move(db.value())));
  if (Status migrated = store->migrate(); !migrated.is_ok()) return migrated;
  return store;
}

Status MetaStore::migrate() {
  // synchronous=FULL: a user told "created" or a key shown once must survive a power cut.
  if (Status s = db_->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"); !s.is_ok()) return s;
  return in_transaction([&]() -> Status {
    if (Status s = db_->exec(kSchema); !s.is_ok()) return s;
    return upgrade_and_repair();
  });
}

Result<int64_t> MetaStore::count(const std::string& sql, std::optional<int64_t> arg) {
  auto stmt = db_->prepare(sql);
  if (!stmt) return stmt.status();
  if (arg) stmt->bind(1, *arg);
  auto row = stmt->step();
  if (!row) return row.status();
  return *row && !stmt->column_is_null(0) ? stmt->column_int(0) : 0;
}

Status MetaStore::upgrade_and_repair() {
  // Files written before roles and owners: CREATE TABLE IF NOT EXISTS left the
  // old tables as they were, so the columns are added here.
  auto has_role = count("SELECT COUNT(*) FROM pragma_table_info('users') WHERE name = 'role'");
  if (!has_role) return has_role.status();
  if (*has_role == 0) {
    if (Status s = db_->exec("ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'member'"); !s.is_ok()) return s;
    log::info("meta.sqlite upgraded: users have roles (the first user is admin, the others members)");
  }
  auto has_owner = count("SELECT COUNT(*) FROM pragma_table_info('api_keys') WHERE name = 'owner_id'");
  if (!has_owner) return has_owner.status();
  if (*has_owner == 0) {
    if (Status s = db_->exec("ALTER TABLE api_keys ADD COLUMN owner_id INTEGER REFERENCES users(id)"); !s.is_ok()) return s;
    log::info("meta.sqlite upgraded: API keys have owners (existing keys belong to the first admin)");
  }
  // Users but no admin (an older file): the first user, who set the deployment up, is the admin.
  auto admins = count("SELECT COUNT(*) FROM users WHERE role = 'admin'");
  if (!admins) return admins.status();
  if (*admins == 0) {
    if (Status s = db_->exec("UPDATE users SET role = 'admin' WHERE id = (SELECT MIN(id) FROM users)"); !s.is_ok()) return s;
  }
  return db_->exec(std::string("UPDATE api_keys SET owner_id = (") + kFirstAdmin + ") WHERE owner_id IS NULL");
}

Status MetaStore::in_transaction(const std::function<Status()>& body) {
  if (Status s = db_->exec("BEGIN IMMEDIATE"); !s.is_ok()) return s;
  Status result = body();
  if (!result.is_ok()) {
    (void)db_->exec("ROLLBACK");
    return result;
  }
  if (Status s = db_->exec("COMMIT"); !s.is_ok()) {
    (void)db_->exec("ROLLBACK");
    return s;
  }
  return Status::ok();
}

Result<bool> MetaStore::has_users() {
  auto stmt = db_->prepare("SELECT EXISTS(SELECT 1 FROM users)");
  if (!stmt) return stmt.status();
  auto row = stmt->step();
  if (!row) return row.status();
  return stmt->column_int(0) != 0;
}

Result<User> MetaStore::create_user(const std::string& email, const std::string& password_hash, int64_t now_ns,
                                    bool only_if_first, const std::string& role) {
  if (!valid_role(role)) return Status(Code::invalid_argument, "role must be admin, member or viewer");
  User created;
  Status done = in_transaction([&]() -> Status {
    auto any = has_users();
    if (!any) return any.status();
    if (only_if_first && *any) return Status(Code::failed_precondition, "a user already exists; sign in instead");
    auto existing = find_user(email);
    if (!existing) return existing.status();
    if (existing->has_value()) return Status(Code::already_exists, "a user with this email already exists");
    const std::string given_role = *any ? role : std::string(kRoleAdmin);  // someone must be able to manage the rest
    auto insert = db_->prepare("INSERT INTO users(email, password_hash, created_ns, role) VALUES(?, ?, ?, ?)");
    if (!insert) return insert.status();
    if (Status s = insert->bind_text(1, email).bind_text(2, password_hash).bind(3, now_ns).bind_text(4, given_role).run(); !s.is_ok()) {
      return s;
    }
    created = User{db_->last_insert_rowid(), email, now_ns, given_role};
    if (*any) return Status::ok();
    // Keys made before anyone could own them (`spanline key create` before setup) go to the first admin.
    auto adopt = db_->prepare("UPDATE api_keys SET owner_id = ? WHERE owner_id IS NULL");
    if (!adopt) return adopt.status();
    return adopt->bind(1, created.id).run();
  });
  if (!done.is_ok()) return done;
  return created;
}

Result<std::optional<UserWithPassword>> MetaStore::find_user(const std::string& email) {
  auto stmt = db_->prepare(std::string("SELECT ") + kUserColumns + ", password_hash FROM users WHERE email = ?");
  if (!stmt) return stmt.status();
  stmt->bind_text(1, email);
  auto row = stmt->step();
  if (!row) return row.status();
  if (!*row) return std::optional<UserWithPassword>();
  return std::optional<UserWithPassword>(UserWithPassword{read_user(*stmt, 0), stmt->column_text(4)});
}

Result<std::optional<User>> MetaStore::find_user(int64_t id) {
  auto stmt = db_->prepare(std::string("SELECT ") + kUserColumns + " FROM users WHERE id = ?");
  if (!stmt) return stmt.status();
  stmt->bind(1, id);
  auto row = stmt->step();
  if (!row) return row.status();
  if (!*row) return std::optional<User>();
  return std::optional<User>(read_user(*stmt, 0));
}

Result<std::vector<User>> MetaStore::list_users() {
  auto stmt = db_->prepare(std::string("SELECT ") + kUserColumns + " FROM users ORDER BY id");
  if (!stmt) return stmt.status();
  std::vector<User> users;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.status();
    if (!*row) return users;
    users.push_back(read_user(*stmt, 0));
  }
}

namespace {

Status last_admin(const std::string& what) {
  return Status(Code::failed_precondition, "the last admin cannot be " + what + "; make another user admin first");
}

}  // namespace

Result<std::optional<std::vector<RevokedKey>>> MetaStore::delete_user(int64_t id, int64_t now_ns) {
  std::optional<std::vector<RevokedKey>> revoked;
  Status done = in_transaction([&]() -> Status {
    auto user = find_user(id);
    if (!user) return user.status();
    if (!user->has_value()) return Status::ok();
    if ((*user)->role == kRoleAdmin) {
      auto admins = count("SELECT COUNT(*) FROM users WHERE role = 'admin'");
      if (!admins) return admins.status();
      if (*admins <= 1) return last_admin("deleted");
    }
    // Their keys are revoked with them: remembered as revoked, then deleted.
    auto keys = list_api_keys(id);
    if (!keys) return keys.status();
    revoked.emplace();
    for (const auto& key : *keys) {
      if (Status s = remember_revoked(key.id, id, now_ns); !s.is_ok()) return s;
      revoked->push_back({key.id, key.key_hash});
    }
    auto remove_keys = db_->prepare("DELETE FROM api_keys WHERE owner_id = ?");
    if (!remove_keys) return remove_keys.status();
    if (Status s = remove_keys->bind(1, id).run(); !s.is_ok()) return s;
    auto remove = db_->prepare("DELETE FROM users WHERE id = ?");
    if (!remove) return remove.status();
    return remove->bind(1, id).run();
  });
  if (!done.is_ok()) return done;
  return revoked;
}

Result<bool> MetaStore::set_role(int64_t id, const std::string& role) {
  if (!valid_role(role)) return Status(Code::invalid_argument, "role must be admin, member or viewer");
  bool found = false;
  Status done = in_transaction([&]() -> Status {
    auto user = find_user(id);
    if (!user) return user.status();
    if (!user->has_value()) return Status::ok();
    found = true;
    if ((*user)->role == kRoleAdmin && role != kRoleAdmin) {
      auto admins = count("SELECT COUNT(*) FROM users WHERE role = 'admin'");
      if (!admins) return admins.status();
      if (*admins <= 1) return last_admin("demoted");
    }
    auto update = db_->prepare("UPDATE users SET role = ? WHERE id = ?");
    if (!update) return update.status();
    return update->bind_text(1, role).bind(2, id).run();
  });
  if (!done.is_ok()) return done;
  return found;
}

Status MetaStore::create_session(const std::string& id_hash, int64_t user_id, int64_t now_ns, int64_t expires_ns) {
  auto stmt = db_->prepare("INSERT INTO sessions(id_hash, user_id, created_ns, expires_ns) VALUES(?, ?, ?, ?)");
  if (!stmt) return stmt.status();
  return stmt->bind_blob(1, id_hash).bind(2, user_id).bind(3, now_ns).bind(4, expires_ns).run();
}

Result<std::optional<User>> MetaStore::find_session(const std::string& id_hash, int64_t now_ns) {
  auto stmt = db_->prepare(
      "SELECT u.id, u.email, u.created_ns, u.role FROM sessions s JOIN users u ON u.id = s.user_id "
      "WHERE s.id_hash = ? AND s.expires_ns > ?");
  if (!stmt) return stmt.status();
  stmt->bind_blob(1, id_hash).bind(2, now_ns);
  auto row = stmt->step();
  if (!row) return row.status();
  if (!*row) return std::optional<User>();
  return std::optional<User>(read_user(*stmt, 0));
}

Status MetaStore::delete_session(const std::string& id_hash) {
  auto stmt = db_->prepare("DELETE FROM sessions WHERE id_hash = ?");
  if (!stmt) return stmt.status();
  return stmt->bind_blob(1, id_hash).run();
}

Status MetaStore::delete_expired_sessions(int64_t now_ns) {
  auto stmt = db_->prepare("DELETE FROM sessions WHERE expires_ns <= ?");
  if (!stmt) return stmt.status();
  return stmt->bind(1, now_ns).run();
}

Status MetaStore::create_api_key(const ApiKeyRecord& key) {
  auto stmt = db_->prepare(
      "INSERT INTO api_keys(id, name, key_hash, created_ns, last_used_ns, owner_id) "
      "VALUES(?, ?, ?, ?, 0, COALESCE(NULLIF(?, 0), (SELECT MIN(id) FROM users WHERE role = 'admin')))");
  if (!stmt) return stmt.status();
  return stmt->bind_text(1, key.id).bind_text(2, key.name).bind_blob(3, key.key_hash).bind(4, key.created_ns).bind(5, key.owner_id).run();
}

Result<std::optional<ApiKeyRecord>> MetaStore::find_api_key(const std::string& key_hash) {
  auto stmt = db_->prepare(std::string(kKeyColumns) + " WHERE k.key_hash = ?");
  if (!stmt) return stmt.status();
  stmt->bind_blob(1, key_hash);
  auto row = stmt->step();
  if (!row) return row.status();
  if (!*row) return std::optional<ApiKeyRecord>();
  return std::optional<ApiKeyRecord>(read_key(*stmt));
}

Status MetaStore::touch_api_key(const std::string& id, int64_t now_ns) {
  auto stmt = db_->prepare("UPDATE api_keys SET last_used_ns = ? WHERE id = ?");
  if (!stmt) return stmt.status();
  return stmt->bind(1, now_ns).bind_text(2, id).run();
}

Result<std::optional<ApiKeyRecord>> MetaStore::find_api_key_by_id(const std::string& id) {
  auto stmt = db_->prepare(std::string(kKeyColumns) + " WHERE k.id = ?");
  if (!stmt) return stmt.status();
  stmt->bind_text(1, id);
  auto row = stmt->step();
  if (!row) return row.status();
  if (!*row) return std::optional<ApiKeyRecord>();
  return std::optional<ApiKeyRecord>(read_key(*stmt));
}

Result<std::vector<ApiKeyRecord>> MetaStore::list_api_keys(std::optional<int64_t> owner_id) {
  auto stmt = db_->prepare(std::string(kKeyColumns) + (owner_id ? " WHERE k.owner_id = ?" : "") + " ORDER BY k.created_ns, k.id");
  if (!stmt) return stmt.status();
  if (owner_id) stmt->bind(1, *owner_id);
  std::vector<ApiKeyRecord> keys;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.status();
    if (!*row) return keys;
    keys.push_back(read_key(*stmt));
  }
}

Status MetaStore::remember_revoked(const std::string& key_id, int64_t owner_id, int64_t now_ns) {
  auto stmt = db_->prepare("INSERT OR IGNORE INTO revoked_api_keys(key_id, owner_id, revoked_ns) VALUES(?, ?, ?)");
  if (!stmt) return stmt.status();
  return stmt->bind_text(1, key_id).bind(2, owner_id).bind(3, now_ns).run();
}

Result<std::optional<std::string>> MetaStore::delete_api_key(const std::string& id, int64_t now_ns) {
  std::optional<std::string> deleted;
  Status done = in_transaction([&]() -> Status {
    auto find = db_->prepare("SELECT key_hash, COALESCE(owner_id, 0) FROM api_keys WHERE id = ?");
    if (!find) return find.status();
    find->bind_text(1, id);
    auto row = find->step();
    if (!row) return row.status();
    if (!*row) return Status::ok();
    deleted = find->column_text(0);
    if (Status s = remember_revoked(id, find->column_int(1), now_ns); !s.is_ok()) return s;
    auto remove = db_->prepare("DELETE FROM api_keys WHERE id = ?");
    if (!remove) return remove.status();
    return remove->bind_text(1, id).run();
  });
  if (!done.is_ok()) return done;
  return deleted;
}

namespace {

Result<std::vector<std::string>> first_column(Database& db, const char* sql) {
  auto stmt = db.prepare(sql);
  if (!stmt) return stmt.status();
  std::vector<std::string> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.status();
    if (!*row) return out;
    out.push_back(stmt->column_text(0));
  }
}

}  // namespace

Result<std::vector<std::string>> MetaStore::live_key_ids() { return first_column(*db_, "SELECT id FROM api_keys ORDER BY id"); }

Result<std::vector<std::string>> MetaStore::revoked_key_ids() {
  return first_column(*db_, "SELECT key_id FROM revoked_api_keys ORDER BY key_id");
}

Result<std::vector<SigningKeyRecord>> MetaStore::signing_keys() {
  auto stmt = db_->prepare("SELECT kid, private_pem, created_ns, retired_ns FROM signing_keys ORDER BY created_ns DESC, kid");
  if (!stmt) return stmt.status();
  std::vector<SigningKeyRecord> keys;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.status();
    if (!*row) return keys;
    keys.push_back(SigningKeyRecord{stmt->column_text(0), stmt->column_text(1), stmt->column_int(2), stmt->column_int(3)});
  }
}

Result<bool> MetaStore::rotate_signing_key(const SigningKeyRecord& fresh, int64_t now_ns, int64_t only_if_older_than_ns) {
  bool rotated = false;
  Status done = in_transaction([&]() -> Status {
    if (only_if_older_than_ns > 0) {
      auto newest = db_->prepare("SELECT MAX(created_ns) FROM signing_keys WHERE retired_ns = 0");
      if (!newest) return newest.status();
      auto row = newest->step();
      if (!row) return row.status();
      if (!newest->column_is_null(0) && newest->column_int(0) >= only_if_older_than_ns) return Status::ok();
    }
    auto retire = db_->prepare("UPDATE signing_keys SET retired_ns = ? WHERE retired_ns = 0");
    if (!retire) return retire.status();
    if (Status s = retire->bind(1, now_ns).run(); !s.is_ok()) return s;
    auto insert = db_->prepare("INSERT INTO signing_keys(kid, private_pem, created_ns, retired_ns) VALUES(?, ?, ?, 0)");
    if (!insert) return insert.status();
    if (Status s = insert->bind_text(1, fresh.kid).bind_text(2, fresh.private_pem).bind(3, fresh.created_ns).run(); !s.is_ok()) {
      return s;
    }
    rotated = true;
    return Status::ok();
  });
  if (!done.is_ok()) return done;
  return rotated;
}

Status MetaStore::prune_signing_keys(int64_t retired_before_ns) {
  auto stmt = db_->prepare("DELETE FROM signing_keys WHERE retired_ns > 0 AND retired_ns < ?");
  if (!stmt) return stmt.status();
  return stmt->bind(1, retired_before_ns).run();
}

}  // namespace spanline::auth
