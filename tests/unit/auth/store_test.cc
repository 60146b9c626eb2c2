// meta.sqlite through MetaStore and the auth-responder's own logic, on a real
// SQLite file: sessions expire, first-user setup closes, signing keys rotate and
// the previous public key stays published, sign-in is throttled.
#include <gtest/gtest.h>

#include <zmq.hpp>

#include "bus/worker_router.h"
#include "stages/auth/responder/auth_service.h"
#include "stages/auth/responder/sign_in_throttle.h"
#include "stages/auth/store/meta_store.h"
#include "tests/support/temp_dir.h"

namespace spanline::auth {
namespace {

using namespace std::chrono_literals;

TEST(MetaStore, SessionsExpireAndDieWithTheirUser) {
  testing::TempDir dir;
  auto store = MetaStore::open(dir / "meta.sqlite");
  ASSERT_TRUE(store.is_ok()) << store.status().to_string();
  // The first user is the admin, who cannot be deleted while the last one: the sessions are a second user's.
  ASSERT_TRUE((*store)->create_user("admin@example.com", "hash", 1000, true).is_ok());
  auto user = (*store)->create_user("a@example.com", "hash", 1000, false);
  ASSERT_TRUE(user.is_ok());
  ASSERT_TRUE((*store)->create_session("s1", user->id, 1000, 5000).is_ok());
  EXPECT_TRUE((*(*store)->find_session("s1", 4999)).has_value());
  EXPECT_FALSE((*(*store)->find_session("s1", 5000)).has_value()) << "expired at its expiry time";
  EXPECT_FALSE((*(*store)->find_session("other", 1000)).has_value());
  ASSERT_TRUE((*store)->create_session("s2", user->id, 1000, 9000).is_ok());
  EXPECT_TRUE((*store)->delete_user(user->id, 2000)->has_value());
  EXPECT_FALSE((*(*store)->find_session("s2", 2000)).has_value()) << "a deleted user's sessions end";
}

TEST(MetaStore, FirstUserSetupClosesAndEmailsAreUniqueWhateverTheirCase) {
  testing::TempDir dir;
  auto store = MetaStore::open(dir / "meta.sqlite");
  ASSERT_TRUE(store.is_ok());
  EXPECT_FALSE(*(*store)->has_users());
  ASSERT_TRUE((*store)->create_user("a@example.com", "h", 1, true).is_ok());
  EXPECT_EQ((*store)->create_user("b@example.com", "h", 1, true).status().code(), Code::failed_precondition);
  EXPECT_EQ((*store)->create_user("A@Example.com", "h", 1, false).status().code(), Code::already_exists);
  EXPECT_TRUE((*store)->create_user("b@example.com", "h", 1, false).is_ok());
  EXPECT_EQ((*(*store)->list_users()).size(), 2u);
}

TEST(MetaStore, ApiKeysAreFoundByHashAndRevocationReturnsTheHash) {
  testing::TempDir dir;
  auto store = MetaStore::open(dir / "meta.sqlite");
  ASSERT_TRUE(store.is_ok());
  ASSERT_TRUE((*store)->create_api_key({"id1", "ci", "hash-1", 10, 0}).is_ok());
  auto found = (*store)->find_api_key("hash-1");
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->name, "ci");
  auto deleted = (*store)->delete_api_key("id1");
  ASSERT_TRUE(deleted->has_value());
  EXPECT_EQ(**deleted, "hash-1");
  EXPECT_FALSE((*(*store)->find_api_key("hash-1")).has_value());
  EXPECT_FALSE((*(*store)->delete_api_key("id1")).has_value());
}

// SignInThrottle: tests/unit/auth/sign_in_throttle_test.cc

class AuthServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config.data_dir = dir.path();
    config.scrypt_log2_n = 10;
    config.token_ttl = 1h;
    config.resolve();
  }
  json call(AuthService& service, const json& request, Code* error = nullptr) {
    bus::RouterJob job{bus::make_header(bus::MessageType::auth, 7), request.dump(), SteadyClock::now() + 5s};
    bus::RouterAnswer answer = service.handle(job);
    if (answer.header.message_type() == bus::MessageType::error) {
      if (error != nullptr) *error = static_cast<Code>(answer.header.code);
      return json{{"error", answer.header.message}};
    }
    return json::parse(answer.body);
  }
  testing::TempDir dir;
  AuthConfig config;
  bus::Context context;
  bus::StatsRegistry stats;
};

TEST_F(AuthServiceTest, RotationKeepsThePreviousPublicKeyUntilItsTokensExpire) {
  config.endpoint = "ipc://" + dir / "auth.sock";
  EventPublisher events(context, "ipc://" + dir / "events.sock");
  AuthShared shared{config, SignInThrottle(SignInLimits{}), events, stats.counter("a"), stats.counter("b"), stats.counter("c"),
                    stats.counter("d"), stats.counter("e"), stats.counter("f")};
  bus::WorkerRouter router(context, {.endpoint = config.endpoint, .accepts = bus::MessageType::auth}, stats);
  AuthService service(shared, router);
  ASSERT_TRUE(service.ensure_signing_key().is_ok());
  json first = call(service, {{"op", "jwks"}});
  ASSERT_EQ(first["keys"].size(), 1u);
  std::string old_kid = first["keys"][0]["kid"];
  json rotated = call(service, {{"op", "rotate_signing_key"}});
  json after = call(service, {{"op", "jwks"}});
  ASSERT_EQ(after["keys"].size(), 2u) << "the retired key stays while its tokens may live";
  EXPECT_EQ(after["keys"][0]["kid"], rotated["kid"]) << "newest first";
  EXPECT_EQ(after["keys"][1]["kid"], old_kid);
  for (const auto& jwk : after["keys"]) EXPECT_FALSE(jwk.contains("d"));

  // With tokens living 0 s (+ a minute of grace), a key retired long ago is dropped.
  auto store = MetaStore::open(MetaStore::path_in(dir.path()));
  ASSERT_TRUE((*store)->prune_signing_keys(std::numeric_limits<int64_t>::max()).is_ok());
  EXPECT_EQ(call(service, {{"op", "jwks"}})["keys"].size(), 1u);
}

TEST_F(AuthServiceTest, SignInNeverSaysWhetherTheUserExistsAndIsThrottled) {
  config.endpoint = "ipc://" + dir / "auth.sock";
  config.sign_in_attempts = 3;
  EventPublisher events(context, "ipc://" + dir / "events.sock");
  AuthShared shared{config, SignInThrottle(SignInLimits{.free_failures = 3}), events, stats.counter("a"), stats.counter("b"), stats.counter("c"),
                    stats.counter("d"), stats.counter("e"), stats.counter("f")};
  bus::WorkerRouter router(context, {.endpoint = config.endpoint, .accepts = bus::MessageType::auth}, stats);
  AuthService service(shared, router);
  Code code = Code::ok;
  call(service, {{"op", "create_first_user"}, {"email", "a@example.com"}, {"password", "long enough"}, {"local", true}});
  json wrong_password = call(service, {{"op", "sign_in"}, {"email", "a@example.com"}, {"password", "nope nope"}}, &code);
  EXPECT_EQ(code, Code::unauthenticated);
  json no_user = call(service, {{"op", "sign_in"}, {"email", "b@example.com"}, {"password", "nope nope"}}, &code);
  EXPECT_EQ(code, Code::unauthenticated);
  EXPECT_EQ(wrong_password, no_user) << "same words whether or not the user exists";
  call(service, {{"op", "sign_in"}, {"email", "a@example.com"}, {"password", "x"}});
  call(service, {{"op", "sign_in"}, {"email", "a@example.com"}, {"password", "y"}});
  json throttled = call(service, {{"op", "sign_in"}, {"email", "a@example.com"}, {"password", "long enough"}});
  EXPECT_TRUE(throttled.value("throttled", false)) << throttled.dump() << ": even the right password waits";
  EXPECT_GT(throttled.value("retry_after_s", 0), 0);
  json session = call(service, {{"op", "sign_in"}, {"email", "A@EXAMPLE.COM"}, {"password", "long enough"}});
  EXPECT_TRUE(session.value("throttled", false)) << "the account is the same whatever the case";
}

}  // namespace
}  // namespace spanline::auth
