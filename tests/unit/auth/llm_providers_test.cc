// The playground's Settings providers at the auth-responder (provider_ops.cc)
// on a real meta.sqlite: only an admin (or the operator) changes them, the key
// is kept sealed (the stored column is not the key's bytes), an absent key
// keeps the stored one and "" removes it, no reply but provider_endpoints'
// carries a key, and the rules of a name, kind and base URL hold.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include "tests/unit/auth/auth_ops_fixture.h"

namespace spanline::auth {
namespace {

constexpr const char* kKey = "sk-provider-secret-0123456789";

// Every stored api_key_sealed of meta.sqlite, read with SQLite itself as a copy of the file would be.
std::vector<std::string> stored_key_columns(const std::string& path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT api_key_sealed FROM llm_providers WHERE api_key_sealed IS NOT NULL", -1, &stmt, nullptr), SQLITE_OK);
  std::vector<std::string> out;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    out.emplace_back(static_cast<const char*>(sqlite3_column_blob(stmt, 0)), static_cast<size_t>(sqlite3_column_bytes(stmt, 0)));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

json set_request(const std::string& session, const std::string& name, std::optional<std::string> key) {
  json request = {{"op", "set_provider"}, {"session", session}, {"name", name}, {"kind", "openai"}, {"base_url", "http://127.0.0.1:11434/v1"}};
  if (key) request["api_key"] = *key;
  return request;
}

using ProviderOps = RoleOps;

TEST_F(ProviderOps, OnlyAnAdminChangesProvidersAndAnyoneOnTheBusListsThemWithoutKeys) {
  const std::string admin = session_of("admin@example.com", kRoleMember);  // the first user: admin anyway
  const std::string member = session_of("member@example.com", kRoleMember);
  const std::string viewer = session_of("viewer@example.com", kRoleViewer);
  Code code = Code::ok;
  for (const std::string& session : {member, viewer}) {
    json refused = call(set_request(session, "local", kKey), &code);
    EXPECT_EQ(code, Code::permission_denied);
    EXPECT_NE(refused["error"].get<std::string>().find("only an admin"), std::string::npos) << refused;
  }
  json set = call(set_request(admin, "local", kKey), &code);
  ASSERT_EQ(code, Code::ok) << set;
  EXPECT_EQ(set["key_set"], true);
  EXPECT_EQ(set["updated_by"], "admin@example.com");
  EXPECT_FALSE(set.contains("api_key"));
  EXPECT_EQ(set.dump().find(kKey), std::string::npos);

  json listed = call({{"op", "list_providers"}});
  ASSERT_EQ(listed["providers"].size(), 1u);
  EXPECT_EQ(listed["providers"][0]["name"], "local");
  EXPECT_EQ(listed["providers"][0]["key_set"], true);
  EXPECT_EQ(listed.dump().find(kKey), std::string::npos) << "a list never holds a key";

  json endpoints = call({{"op", "provider_endpoints"}});
  ASSERT_EQ(endpoints["providers"].size(), 1u);
  EXPECT_EQ(endpoints["providers"][0]["api_key"], kKey) << "the api gets the key back to call the provider with";

  call({{"op", "delete_provider"}, {"session", member}, {"name", "local"}}, &code);
  EXPECT_EQ(code, Code::permission_denied);
  call({{"op", "delete_provider"}, {"session", admin}, {"name", "local"}}, &code);
  EXPECT_EQ(code, Code::ok);
  json gone = call({{"op", "delete_provider"}, {"session", admin}, {"name", "local"}}, &code);
  EXPECT_EQ(code, Code::not_found);
  EXPECT_NE(gone["error"].get<std::string>().find("'local'"), std::string::npos);
  EXPECT_TRUE(call({{"op", "list_providers"}})["providers"].empty());
}

TEST_F(ProviderOps, TheStoredKeyIsSealedAndAnAbsentKeyKeepsItWhileEmptyRemovesIt) {
  const std::string admin = session_of("admin@example.com", kRoleAdmin);
  ASSERT_EQ(call(set_request(admin, "local", kKey))["key_set"], true);
  const std::string db_path = MetaStore::path_in(dir.path());
  auto columns = stored_key_columns(db_path);
  ASSERT_EQ(columns.size(), 1u);
  EXPECT_EQ(columns[0].find(kKey), std::string::npos) << "meta.sqlite holds the key sealed, not its bytes";
  EXPECT_EQ(columns[0].size(), std::string(kKey).size() + SecretBox::kNonceBytes + SecretBox::kTagBytes);

  json kept = call(set_request(admin, "local", std::nullopt));
  EXPECT_EQ(kept["key_set"], true) << "no api_key: the stored key stays";
  EXPECT_EQ(call({{"op", "provider_endpoints"}})["providers"][0]["api_key"], kKey);

  json removed = call(set_request(admin, "local", ""));
  EXPECT_EQ(removed["key_set"], false) << "\"\": the key is removed";
  EXPECT_TRUE(stored_key_columns(db_path).empty());
  EXPECT_EQ(call({{"op", "provider_endpoints"}})["providers"][0]["api_key"], "");

  EXPECT_EQ(call(set_request(admin, "fresh", std::nullopt))["key_set"], false) << "a new provider without a key has none";
}

TEST_F(ProviderOps, AKeyMovedToAnotherProviderOrUnderAnotherDataKeyIsUnreadableNotWrong) {
  const std::string admin = session_of("admin@example.com", kRoleAdmin);
  call(set_request(admin, "a", kKey));
  call(set_request(admin, "b", "sk-other"));
  const std::string db_path = MetaStore::path_in(dir.path());
  {  // b's row takes a's ciphertext, as someone editing the file might try
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "UPDATE llm_providers SET api_key_sealed = (SELECT api_key_sealed FROM llm_providers WHERE name = 'a') WHERE name = 'b'",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  json endpoints = call({{"op", "provider_endpoints"}});
  ASSERT_EQ(endpoints["providers"].size(), 2u);
  EXPECT_EQ(endpoints["providers"][0]["api_key"], kKey);
  EXPECT_EQ(endpoints["providers"][1]["api_key"], "");
  EXPECT_EQ(endpoints["providers"][1]["key_unreadable"], true) << "moved to another provider: it does not open there";
}

TEST_F(ProviderOps, ANameKindOrBaseUrlOutsideTheRulesIsRefusedNamingTheField) {
  const std::string admin = session_of("admin@example.com", kRoleAdmin);
  const auto refusal = [&](json request) {
    Code code = Code::ok;
    json answer = call(request, &code);
    return code == Code::ok ? std::string("accepted") : answer["error"].get<std::string>();
  };
  json good = set_request(admin, "local-ollama.v1_2", std::nullopt);
  EXPECT_EQ(refusal(good), "accepted");
  for (const char* name : {"", "Local", "with space", "a/b", "caf\xC3\xA9"}) {
    json bad = good;
    bad["name"] = name;
    EXPECT_NE(refusal(bad).find("field 'name'"), std::string::npos) << name;
  }
  json bad_kind = good;
  bad_kind["kind"] = "cohere";
  EXPECT_EQ(refusal(bad_kind), "field 'kind' must be one of openai, anthropic, gemini");
  for (const char* url : {"", "ftp://h", "file:///etc/passwd", "http://", "https:///x", "http://h x", "http://h\r\nX: y", "localhost:11434"}) {
    json bad = good;
    bad["base_url"] = url;
    EXPECT_NE(refusal(bad).find("field 'base_url'"), std::string::npos) << url;
  }
}

TEST_F(ProviderOps, SettingsKeepABoundedNumberOfProviders) {
  for (size_t i = 0; i < kMaxSettingsProviders; ++i) {
    Code code = Code::ok;
    call({{"op", "set_provider"}, {"operator", true}, {"name", "p" + std::to_string(i)}, {"kind", "gemini"}, {"base_url", "https://g"}}, &code);
    ASSERT_EQ(code, Code::ok) << i;
  }
  Code code = Code::ok;
  call({{"op", "set_provider"}, {"operator", true}, {"name", "one-more"}, {"kind", "gemini"}, {"base_url", "https://g"}}, &code);
  EXPECT_EQ(code, Code::failed_precondition);
  call({{"op", "set_provider"}, {"operator", true}, {"name", "p0"}, {"kind", "openai"}, {"base_url", "https://g"}}, &code);
  EXPECT_EQ(code, Code::ok) << "replacing one is not adding";
}

}  // namespace
}  // namespace spanline::auth
