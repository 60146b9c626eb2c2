// The auth-responder killed with SIGKILL: sessions and keys are in meta.sqlite
// (synchronous=FULL), so they survive; while it is down, keys the gateway has
// cached keep working and new ones fail retryably; after the restart the
// gateway and the api recover without being restarted.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/http_client.h"
#include "tests/support/otlp_client.h"
#include "tests/support/pipeline.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

TEST(AuthKill, SessionsAndKeysSurviveAndTheGatewayRecoversWithoutRestart) {
  Pipeline pipeline({.indexers = {"0-3"}, .api = true});
  pipeline.start();
  const int port = pipeline.api_port();
  std::string cached_key = pipeline.api_key();
  std::string fresh_key = pipeline.auth().create_key("never used before the kill");
  OtlpClient cached(pipeline.grpc_target(), cached_key);
  ASSERT_TRUE(cached.send(cached.make_request(2, 3)).ok()) << pipeline.logs();

  // A session the api has never checked, so after the restart it must be asked for.
  HttpResponse signed_in = http_request(port, "POST", "/api/v1/auth/sign-in", {{"Content-Type", "application/json"}},
                                        R"({"email":"admin@example.com","password":"correct horse battery"})");
  ASSERT_EQ(signed_in.status, 200) << signed_in.body;
  std::map<std::string, std::string> session = {{"Cookie", signed_in.header("set-cookie").substr(0, signed_in.header("set-cookie").find(';'))}};

  pipeline.auth().process().kill_hard();
  EXPECT_TRUE(cached.send(cached.make_request(2, 3)).ok()) << "a cached key keeps working while the auth-responder is down";
  OtlpClient fresh(pipeline.grpc_target(), fresh_key);
  grpc::Status down = fresh.send(fresh.make_request(1, 1));
  EXPECT_EQ(down.error_code(), grpc::StatusCode::UNAVAILABLE) << down.error_message();
  EXPECT_NE(down.error_message().find("retry"), std::string::npos) << down.error_message();
  EXPECT_EQ(http_get(port, "/api/v1/auth/me", session).status, 503) << "the api says the auth-responder is unavailable";

  pipeline.start_auth();
  ASSERT_TRUE(wait_until([&] { return fresh.send(fresh.make_request(1, 1)).ok(); }, 10s)) << pipeline.logs();
  HttpResponse me = http_get(port, "/api/v1/auth/me", session);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(json::parse(me.body)["user"]["email"], "admin@example.com");
  EXPECT_EQ(http_get(port, "/api/v1/api-keys", session).body.find("never used before the kill") != std::string::npos, true);
  EXPECT_TRUE(pipeline.wait_indexed(2 * 3 * 2 + 1)) << pipeline.logs();
}

}  // namespace
}  // namespace spanline::testing
