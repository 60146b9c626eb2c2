// meta.sqlite's playground providers (MetaStore's provider methods): the LLM
// endpoints admins add in Settings, each with its key sealed by the responder
// (never the key itself: the store neither sees nor logs it).
#include "protocol/auth/auth_codec.h"
#include "stages/auth/store/meta_store.h"

namespace spanline::auth {

namespace {

Status invalid(const std::string& message) { return Status(Code::invalid_argument, message); }

std::string longer_than(TextField field) {
  return "field '" + std::string(field.name) + "' is longer than " + std::to_string(field.max_bytes) + " bytes";
}

Status check_name(const std::string& name) {
  if (name.empty()) return invalid("field 'name' must not be empty");
  if (name.size() > kProviderNameField.max_bytes) return invalid(longer_than(kProviderNameField));
  if (name.find_first_not_of(kProviderNameCharacters) != std::string::npos) {
    return invalid("field 'name' may hold only a-z, 0-9, '.', '_' and '-'");
  }
  return Status::ok();
}

// An http(s) URL with a host, and nothing a header or a log line could be split with.
Status check_base_url(const std::string& url) {
  if (url.size() > kProviderBaseUrlField.max_bytes) return invalid(longer_than(kProviderBaseUrlField));
  const size_t scheme_end = url.starts_with("https://") ? 8 : url.starts_with("http://") ? 7 : 0;
  if (scheme_end == 0 || url.size() == scheme_end || url[scheme_end] == '/') {
    return invalid("field 'base_url' must be an http:// or https:// URL with a host");
  }
  for (unsigned char c : url) {
    if (c <= ' ' || c == 0x7F) return invalid("field 'base_url' must not contain spaces or control characters");
  }
  return Status::ok();
}

constexpr const char* kProviderColumns = "SELECT name, kind, base_url, api_key_sealed, updated_ns, updated_by FROM llm_providers";

ProviderRecord read_provider(const Statement& row) {
  ProviderRecord provider{row.column_text(0), row.column_text(1), row.column_text(2), std::nullopt, row.column_int(4), row.column_text(5)};
  if (!row.column_is_null(3)) provider.sealed_key = row.column_text(3);
  return provider;
}

}  // namespace

Result<std::vector<ProviderRecord>> MetaStore::providers() {
  return all_rows(std::string(kProviderColumns) + " ORDER BY name", read_provider);
}

Result<ProviderRecord> MetaStore::set_provider(ProviderRecord provider, bool keep_key) {
  if (Status s = check_name(provider.name); !s.is_ok()) return s;
  if (Status s = check_provider_kind(provider.kind); !s.is_ok()) return s;
  if (Status s = check_base_url(provider.base_url); !s.is_ok()) return s;
  Status done = in_transaction([&]() -> Status {
    auto existing = db_->prepare(std::string(kProviderColumns) + " WHERE name = ?");
    if (!existing) return existing.status();
    existing->bind_text(1, provider.name);
    auto found = existing->step();
    if (!found) return found.status();
    if (keep_key) provider.sealed_key = *found ? read_provider(*existing).sealed_key : std::nullopt;
    if (!*found) {
      auto kept = count("SELECT COUNT(*) FROM llm_providers");
      if (!kept) return kept.status();
      if (*kept >= static_cast<int64_t>(kMaxSettingsProviders)) {
        return Status(Code::failed_precondition, "Settings keep at most " + std::to_string(kMaxSettingsProviders) +
                                                     " providers; delete one no longer used first");
      }
    }
    auto upsert = db_->prepare(
        "INSERT INTO llm_providers(name, kind, base_url, api_key_sealed, updated_ns, updated_by) VALUES(?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, base_url = excluded.base_url, "
        "api_key_sealed = excluded.api_key_sealed, updated_ns = excluded.updated_ns, updated_by = excluded.updated_by");
    if (!upsert) return upsert.status();
    upsert->bind_text(1, provider.name).bind_text(2, provider.kind).bind_text(3, provider.base_url);
    if (provider.sealed_key) upsert->bind_blob(4, *provider.sealed_key);
    else upsert->bind_null(4);
    upsert->bind(5, provider.updated_ns).bind_text(6, provider.updated_by);
    return upsert->run();
  });
  if (!done.is_ok()) return done;
  return provider;
}

Result<bool> MetaStore::delete_provider(const std::string& name) {
  if (Status s = check_name(name); !s.is_ok()) return s;
  auto stmt = db_->prepare("DELETE FROM llm_providers WHERE name = ?");
  if (!stmt) return stmt.status();
  stmt->bind_text(1, name);
  if (Status s = stmt->run(); !s.is_ok()) return s;
  return db_->changes() > 0;
}

}  // namespace spanline::auth
