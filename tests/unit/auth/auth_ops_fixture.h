#pragma once
// An auth-responder (AuthService) on a real meta.sqlite in a temporary folder,
// called with request payloads as they come off the bus, and users of each
// role with a session: what the op tests (roles_test.cc, llm_providers_test.cc)
// share.
#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <memory>
#include <string>

#include "base/crypto/secrets.h"
#include "bus/worker_router.h"
#include "stages/auth/responder/auth_service.h"
#include "stages/auth/store/meta_store.h"
#include "tests/support/temp_dir.h"

namespace spanline::auth {

class RoleOps : public ::testing::Test {
 protected:
  void SetUp() override {
    config.data_dir = dir.path();
    config.scrypt_log2_n = 10;
    config.endpoint = "ipc://" + dir / "auth.sock";
    config.resolve();
    events = std::make_unique<EventPublisher>(context, "ipc://" + dir / "events.sock");
    // Built in place: AuthShared holds mutexes and cannot move.
    shared.reset(new AuthShared{config, SignInThrottle(SignInLimits{}), *events, stats.counter("a"), stats.counter("b"),
                                stats.counter("c"), stats.counter("d"), stats.counter("e"), stats.counter("f")});
    router = std::make_unique<bus::WorkerRouter>(context, bus::WorkerRouterOptions{.endpoint = config.endpoint, .accepts = bus::MessageType::auth},
                                                 stats);
    service = std::make_unique<AuthService>(*shared, *router);
  }
  json call(const json& request, Code* error = nullptr) { return call_raw(request.dump(), error); }
  // The responder's answer to a payload frame of `body` as it came off the bus.
  json call_raw(const std::string& body, Code* error = nullptr) {
    bus::RouterJob job{bus::make_header(bus::MessageType::auth, 7), body, SteadyClock::now() + std::chrono::seconds(5)};
    bus::RouterAnswer answer = service->handle(job);
    if (error != nullptr) *error = Code::ok;
    if (answer.header.message_type() == bus::MessageType::error) {
      if (error != nullptr) *error = static_cast<Code>(answer.header.code);
      return json{{"error", answer.header.message}};
    }
    return json::parse(answer.body);
  }
  // A session of a new user with `role`, made by the operator.
  std::string session_of(const std::string& email, const std::string& role) {
    call({{"op", "create_user"}, {"operator", true}, {"email", email}, {"password", "long enough"}, {"role", role}});
    auto store = MetaStore::open(MetaStore::path_in(dir.path()));
    auto user = (*store)->find_user(email);
    std::string session = random_token();
    EXPECT_TRUE((*store)->create_session(sha256(session), (*user)->user.id, 0, std::numeric_limits<int64_t>::max()).is_ok());
    return session;
  }
  testing::TempDir dir;
  AuthConfig config;
  bus::Context context;
  bus::StatsRegistry stats;
  std::unique_ptr<EventPublisher> events;
  std::unique_ptr<AuthShared> shared;
  std::unique_ptr<bus::WorkerRouter> router;
  std::unique_ptr<AuthService> service;
};

}  // namespace spanline::auth
