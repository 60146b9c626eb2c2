// Roles, key owners and persisted revocations (issue 25, findings 2 and 3), on a
// real meta.sqlite: the last admin stays, a user's keys go with them and stay
// revoked, an older file is upgraded in place, and the auth-responder enforces
// who may do what for every op.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include "bus/worker_router.h"
#include "base/crypto/secrets.h"
#include "stages/auth/responder/auth_service.h"
#include "stages/auth/store/meta_store.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/auth/auth_ops_fixture.h"

namespace spanline::auth {
namespace {

using namespace std::chrono_literals;

TEST(Roles, TheFirstUserIsAdminAndTheLastAdminCannotBeDeletedOrDemoted) {
  testing::TempDir dir;
  auto store = MetaStore::open(MetaStore::path_in(dir.path()));
  ASSERT_TRUE(store.is_ok());
  auto first = (*store)->create_user("a@example.com", "h", 1, true, kRoleViewer);
  ASSERT_TRUE(first.is_ok());
  EXPECT_EQ(first->role, kRoleAdmin) << "whatever was asked, someone must be able to manage the rest";
  auto second = (*store)->create_user("b@example.com", "h", 2, false);
  ASSERT_TRUE(second.is_ok());
  EXPECT_EQ(second->role, kRoleMember);

  EXPECT_EQ((*store)->set_role(first->id, kRoleMember).status().code(), Code::failed_precondition);
  EXPECT_EQ((*store)->delete_user(first->id, 3).status().code(), Code::failed_precondition);
  EXPECT_EQ((*store)->set_role(first->id, "owner").status().code(), Code::invalid_argument);
  ASSERT_TRUE(*(*store)->set_role(second->id, kRoleAdmin));
  ASSERT_TRUE(*(*store)->set_role(first->id, kRoleMember)) << "with another admin, the first may step down";
  EXPECT_EQ((*store)->delete_user(second->id, 3).status().code(), Code::failed_precondition) << "now b is the last admin";
  EXPECT_FALSE(*(*store)->set_role(99, kRoleAdmin)) << "no such user";
}

TEST(Roles, DeletingAUserRevokesTheirKeysForGood) {
  testing::TempDir dir;
  auto store = MetaStore::open(MetaStore::path_in(dir.path()));
  ASSERT_TRUE(store.is_ok());
  ASSERT_TRUE((*store)->create_api_key({"before-setup", "made by the CLI", "h0", 1, 0}).is_ok());
  auto admin = (*store)->create_user("a@example.com", "h", 1, true);
  auto member = (*store)->create_user("m@example.com", "h", 2, false);
  ASSERT_TRUE((*store)->create_api_key({"mine", "m's", "h1", 3, 0, member->id}).is_ok());
  ASSERT_TRUE((*store)->create_api_key({"also-mine", "m's too", "h2", 4, 0, member->id}).is_ok());
  ASSERT_TRUE((*store)->create_api_key({"operator", "no owner given", "h3", 5, 0}).is_ok());

  auto before = (*store)->find_api_key_by_id("before-setup");
  EXPECT_EQ((*before)->owner_id, admin->id) << "a key made before the first user belongs to the first admin";
  EXPECT_EQ((*before)->owner_email, "a@example.com");
  EXPECT_EQ((*(*store)->find_api_key_by_id("operator"))->owner_id, admin->id);
  EXPECT_EQ((*store)->list_api_keys(member->id)->size(), 2u);

  auto revoked = (*store)->delete_user(member->id, 10);
  ASSERT_TRUE(revoked.is_ok()) << revoked.status().to_string();
  ASSERT_TRUE(revoked->has_value());
  ASSERT_EQ((*revoked)->size(), 2u);
  EXPECT_EQ((**revoked)[0].key_hash, "h1");
  EXPECT_FALSE((*(*store)->find_api_key("h1")).has_value());
  ASSERT_TRUE((*store)->delete_api_key("operator", 11)->has_value());

  // A fresh connection (a restarted auth-responder) still knows.
  store->reset();
  auto reopened = MetaStore::open(MetaStore::path_in(dir.path()));
  ASSERT_TRUE(reopened.is_ok());
  EXPECT_EQ(*(*reopened)->revoked_key_ids(), (std::vector<std::string>{"also-mine", "mine", "operator"}));
  EXPECT_EQ(*(*reopened)->live_key_ids(), (std::vector<std::string>{"before-setup"}));
  EXPECT_FALSE((*(*reopened)->delete_user(member->id, 12)).has_value()) << "gone already";
}

TEST(Roles, AnOlderFileGetsRolesAndOwnersWhenOpened) {
  testing::TempDir dir;
  const std::string path = MetaStore::path_in(dir.path());
  {
    // The layout before roles and owners, with two users and a key.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    const char* old_layout = R"sql(
      CREATE TABLE users(id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE COLLATE NOCASE, password_hash TEXT NOT NULL,
                         created_ns INTEGER NOT NULL);
      CREATE TABLE api_keys(id TEXT PRIMARY KEY, name TEXT NOT NULL, key_hash BLOB NOT NULL UNIQUE, created_ns INTEGER NOT NULL,
                            last_used_ns INTEGER NOT NULL DEFAULT 0);
      INSERT INTO users VALUES(7, 'first@example.com', 'h', 1), (9, 'second@example.com', 'h', 2);
      INSERT INTO api_keys VALUES('old', 'ci', 'hash', 1, 0);)sql";
    ASSERT_EQ(sqlite3_exec(db, old_layout, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  auto store = MetaStore::open(path);
  ASSERT_TRUE(store.is_ok()) << store.status().to_string();
  auto users = (*store)->list_users();
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[0].role, kRoleAdmin) << "the first user set the deployment up";
  EXPECT_EQ((*users)[1].role, kRoleMember);
  auto key = (*store)->find_api_key_by_id("old");
  ASSERT_TRUE(key->has_value());
  EXPECT_EQ((*key)->owner_id, 7) << "existing keys belong to the first admin";
}

TEST(KeyNames, ControlCharactersAreRefusedAndOtherTextIsNot) {
  EXPECT_TRUE(check_key_name("laptop").is_ok());
  EXPECT_TRUE(check_key_name("caf\xC3\xA9 \xE2\x98\x83").is_ok());
  for (const std::string& bad : {std::string(""), std::string("a\x1b[2J"), std::string("two\nlines"), std::string("tab\t"),
                                 std::string("del\x7f"), std::string("csi\xC2\x9B" "31m"), std::string("nul\0x", 5),
                                 std::string("line\xE2\x80\xA8sep")}) {
    Status checked = check_key_name(bad);
    EXPECT_EQ(checked.code(), Code::invalid_argument) << bad;
  }
  EXPECT_NE(check_key_name("a\x1b").message().find("control characters"), std::string::npos);
}

TEST_F(RoleOps, EveryUserAndKeyOpNamesWhoAsksAndIsHeldToTheirRole) {
  Code code = Code::ok;
  call({{"op", "list_users"}}, &code);
  EXPECT_EQ(code, Code::invalid_argument) << "neither a session nor the operator: refused, never taken as the operator";
  const std::string admin = session_of("admin@example.com", kRoleMember);  // the first user: admin anyway
  const std::string member = session_of("member@example.com", kRoleMember);
  const std::string viewer = session_of("viewer@example.com", kRoleViewer);

  call({{"op", "create_user"}, {"session", member}, {"email", "x@example.com"}, {"password", "long enough"}}, &code);
  EXPECT_EQ(code, Code::permission_denied);
  call({{"op", "set_user_role"}, {"session", member}, {"id", 2}, {"role", "admin"}}, &code);
  EXPECT_EQ(code, Code::permission_denied);
  call({{"op", "delete_user"}, {"session", member}, {"id", 1}}, &code);
  EXPECT_EQ(code, Code::permission_denied);
  call({{"op", "create_api_key"}, {"session", viewer}, {"name", "v"}}, &code);
  EXPECT_EQ(code, Code::permission_denied);

  json admins_key = call({{"op", "create_api_key"}, {"session", admin}, {"name", "a"}});
  json members_key = call({{"op", "create_api_key"}, {"session", member}, {"name", "m"}});
  EXPECT_EQ(members_key["owner"]["email"], "member@example.com");
  EXPECT_EQ(call({{"op", "list_api_keys"}, {"session", member}})["api_keys"].size(), 1u);
  EXPECT_EQ(call({{"op", "list_api_keys"}, {"session", admin}})["api_keys"].size(), 2u);
  call({{"op", "delete_api_key"}, {"session", member}, {"id", admins_key["id"]}}, &code);
  EXPECT_EQ(code, Code::permission_denied);
  call({{"op", "delete_api_key"}, {"session", member}, {"id", members_key["id"]}}, &code);
  EXPECT_EQ(code, Code::ok);
  call({{"op", "list_users"}, {"session", "not a session"}}, &code);
  EXPECT_EQ(code, Code::unauthenticated);

  json states = call({{"op", "key_states"}});
  EXPECT_EQ(states["live_key_ids"], json::array({admins_key["id"]}));
  EXPECT_EQ(states["revoked_key_ids"], json::array({members_key["id"]}));
  EXPECT_EQ(states["token_ttl_s"], 3600);
}

TEST_F(RoleOps, AnyoneOnTheBusReadsPricesAndOnlyAnAdminChangesThem) {
  const std::string admin = session_of("admin@example.com", kRoleMember);  // the first user: admin anyway
  const std::string member = session_of("member@example.com", kRoleMember);
  const std::string viewer = session_of("viewer@example.com", kRoleViewer);
  const auto set_price = [](const std::string& session) {
    return json{{"op", "set_price"}, {"session", session}, {"model", "gpt-4o"}, {"input_per_million", 2.5}, {"output_per_million", 10}};
  };
  Code code = Code::ok;
  for (const std::string& session : {member, viewer}) {
    json refused = call(set_price(session), &code);
    EXPECT_EQ(code, Code::permission_denied);
    EXPECT_NE(refused["error"].get<std::string>().find("only an admin may change model prices"), std::string::npos) << refused;
  }
  json set = call(set_price(admin), &code);
  ASSERT_EQ(code, Code::ok) << set;
  EXPECT_EQ(set["changed_by"], "admin@example.com");
  EXPECT_EQ(set["price"]["input_per_million"], 2.5);
  call({{"op", "delete_price"}, {"session", viewer}, {"model", "gpt-4o"}}, &code);
  EXPECT_EQ(code, Code::permission_denied);
  json listed = call({{"op", "list_prices"}}, &code);
  ASSERT_EQ(code, Code::ok);
  ASSERT_EQ(listed["changes"].size(), 1u) << "refused changes left nothing";
  json deleted = call({{"op", "delete_price"}, {"operator", true}, {"model", "gpt-4o"}}, &code);
  ASSERT_EQ(code, Code::ok) << deleted;
  EXPECT_EQ(deleted["price"], nullptr);
  EXPECT_EQ(deleted["changed_by"], "operator");
  json again = call({{"op", "delete_price"}, {"session", admin}, {"model", "gpt-4o"}}, &code);
  EXPECT_EQ(code, Code::not_found);
  EXPECT_EQ(again["error"], "model 'gpt-4o' has no price");
  EXPECT_EQ(call({{"op", "list_prices"}})["changes"].size(), 2u);
}

// The responder decodes with the auth hop's shared decoder (protocol/auth/auth_codec.h):
// whatever is malformed is refused with the words it has always used, before any op runs.
TEST_F(RoleOps, MalformedRequestsAreRefusedWithTheWordsTheyAlwaysGot) {
  const auto refusal = [&](const std::string& body) {
    Code code = Code::ok;
    json answer = call_raw(body, &code);
    EXPECT_EQ(code, Code::invalid_argument) << body;
    return answer.value("error", std::string());
  };
  EXPECT_EQ(refusal("{not json"), "an auth request is a JSON object with a string 'op'");
  EXPECT_EQ(refusal(R"({"op":["sign_in"]})"), "an auth request is a JSON object with a string 'op'");
  EXPECT_EQ(refusal(R"({"op":"drop_tables"})"), "unknown auth op 'drop_tables'");
  EXPECT_EQ(refusal(R"({"op":"sign_in","email":"a@example.com","password":5})"), "field 'password' must be a string");
  EXPECT_EQ(refusal(R"({"op":"check_api_key"})"), "missing field 'key'");
  EXPECT_EQ(refusal(R"({"op":"delete_user","operator":true,"id":"1"})"), "field 'id' must be an integer");
  EXPECT_EQ(refusal(R"({"op":"list_api_keys","operator":"yes"})"),
            "say who asks: 'session' (a signed-in user) or 'operator: true' (the CLI)");
  // Rules that need the responder's configuration are its own, after the decoder's.
  EXPECT_EQ(refusal(R"({"op":"create_user","operator":true,"email":"x@example.com","password":"short"})"),
            "password must be at least 8 characters");
  EXPECT_EQ(refusal(R"({"op":"create_user","operator":true,"email":"x@example.com","password":"long enough","role":"owner"})"),
            "field 'role' must be admin, member or viewer");
  EXPECT_EQ(refusal(R"({"op":"create_api_key","operator":true,"name":"a\u001b[2Jb"})"),
            "field 'name' must not contain control characters (tabs, newlines, escapes)");
  EXPECT_EQ(call({{"op", "list_users"}, {"operator", true}})["users"], json::array()) << "a well-formed request still answers";
}

}  // namespace
}  // namespace spanline::auth
