#include "base/sqlite/sqlite_db.h"

namespace spanline {

Result<bool> Statement::step() {
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Code code = rc == SQLITE_FULL ? Code::resource_exhausted : (rc == SQLITE_BUSY ? Code::unavailable : Code::internal);
  return Status(code, std::string("sqlite: ") + sqlite3_errmsg(db_));
}

Status Statement::run() {
  auto stepped = step();
  reset();
  return stepped.status();
}

std::string Statement::column_text(int index) const {
  const auto* text = sqlite3_column_blob(stmt_.get(), index);
  int size = sqlite3_column_bytes(stmt_.get(), index);
  return text == nullptr ? std::string() : std::string(static_cast<const char*>(text), static_cast<size_t>(size));
}

namespace {

// SQLite's memory statistics take a process-wide mutex on every allocation;
// nothing here reads them, and the indexer's profile showed that mutex. Must
// run before SQLite initialises, so it runs on the first open.
void configure_sqlite_once() {
  static const int configured = [] { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }();
  (void)configured;
}

}  // namespace

Result<std::unique_ptr<Database>> Database::open(const std::string& path, bool read_only) {
  configure_sqlite_once();
  sqlite3* db = nullptr;
  int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  flags |= SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status(Code::unavailable, "cannot open " + path + ": " + message);
  }
  sqlite3_busy_timeout(db, 5000);
  return std::unique_ptr<Database>(new Database(db));
}

Database::~Database() { sqlite3_close_v2(db_); }

Status Database::exec(std::string_view sql) {
  char* error = nullptr;
  int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return Status::ok();
  std::string message = error != nullptr ? error : sqlite3_errmsg(db_);
  sqlite3_free(error);
  return Status(rc == SQLITE_FULL ? Code::resource_exhausted : Code::internal, "sqlite: " + message);
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return Status(Code::internal, std::string("sqlite prepare: ") + sqlite3_errmsg(db_));
  return Statement(db_, stmt);
}

}  // namespace spanline
