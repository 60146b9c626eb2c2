// Sign-in throttling, first-user setup and the live tail's sessions, with the
// real auth-responder and api (issue 25, findings 4 and 5 and the live tail):
//  - an attacker's failures slow the attacker's address, never the owner
//    signing in from elsewhere, and never lock the account;
//  - behind a trusted proxy the client's address comes from X-Forwarded-For;
//    from any other peer that header is ignored;
//  - first-user setup from another machine needs the one-time setup token;
//    a DNS-rebinding request (a foreign Host) is refused before any route;
//  - an open live tail ends when its session does, and one user cannot take
//    every live-tail place.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "tests/support/http_client.h"
#include "tests/support/pipeline.h"
#include "tests/support/process.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const std::string kOwnerPassword = "the owner's password";

// Only what sign-in needs: the auth-responder and the api.
std::unique_ptr<Pipeline> auth_and_api(std::vector<std::string> api_args, bool first_user = true) {
  auto pipeline = std::make_unique<Pipeline>(
      PipelineOptions{.api = true, .api_args = std::move(api_args), .api_first_user = first_user});
  pipeline->start_api();
  return pipeline;
}

HttpResponse post_json(Pipeline& pipeline, const std::string& target, const json& body, std::map<std::string, std::string> headers = {}) {
  headers["Content-Type"] = "application/json";
  return http_request(pipeline.api_port(), "POST", target, headers, body.dump());
}

// A sign-in as it arrives from `client` through the proxy at 127.0.0.1.
HttpResponse sign_in_from(Pipeline& pipeline, const std::string& client, const std::string& email, const std::string& password,
                          std::map<std::string, std::string> headers = {}) {
  headers["X-Forwarded-For"] = client;
  return post_json(pipeline, "/api/v1/auth/sign-in", {{"email", email}, {"password", password}}, headers);
}

void create_user(Pipeline& pipeline, const std::string& email, const std::string& password) {
  HttpResponse created = post_json(pipeline, "/api/v1/users", {{"email", email}, {"password", password}}, pipeline.signed_in());
  ASSERT_EQ(created.status, 201) << created.body;
}

// "name=value" of the Set-Cookie line for cookie `name`, or empty.
std::string cookie_named(const HttpResponse& response, const std::string& name) {
  const std::string all = response.header("set-cookie");
  for (size_t begin = 0; begin < all.size();) {
    size_t end = all.find('\n', begin);
    if (end == std::string::npos) end = all.size();
    std::string line = all.substr(begin, end - begin);
    if (line.rfind(name + "=", 0) == 0) return line.substr(0, line.find(';'));
    begin = end + 1;
  }
  return {};
}

std::string error_message(const HttpResponse& response) {
  json body = json::parse(response.body, nullptr, false);
  return body.is_object() && body.contains("error") ? body["error"].value("message", "") : response.body;
}

TEST(SignInThrottling, FiftyFailuresFromOneAddressSlowItButNotTheOwnerElsewhere) {
  auto pipeline = auth_and_api({"--trusted-proxies", "127.0.0.1"});
  create_user(*pipeline, "owner@example.com", kOwnerPassword);
  std::map<int, int> statuses;
  for (int i = 0; i < 50; ++i) {
    ++statuses[sign_in_from(*pipeline, "203.0.113.9", "owner@example.com", "guess " + std::to_string(i)).status];
  }
  EXPECT_EQ(statuses[401], 5) << "five free failures, then the attacker's address waits";
  EXPECT_EQ(statuses[429], 45);
  HttpResponse owner = sign_in_from(*pipeline, "198.51.100.20", "owner@example.com", kOwnerPassword);
  EXPECT_EQ(owner.status, 200) << "the owner at another address is not locked out: " << owner.body;
  EXPECT_FALSE(cookie_named(owner, "spanline_session").empty());
  HttpResponse attacker_right = sign_in_from(*pipeline, "203.0.113.9", "owner@example.com", kOwnerPassword);
  EXPECT_EQ(attacker_right.status, 429) << "the attacker's address waits, right password or not (nothing is checked)";
  EXPECT_EQ(attacker_right.header("set-cookie"), "");
}

TEST(SignInThrottling, TheSameAddressWaitsLongerAfterEachFailure) {
  auto pipeline = auth_and_api({"--trusted-proxies", "127.0.0.1"});
  create_user(*pipeline, "growing@example.com", kOwnerPassword);
  const std::string address = "203.0.113.20";
  for (int i = 0; i < 5; ++i) ASSERT_EQ(sign_in_from(*pipeline, address, "growing@example.com", "wrong").status, 401);
  std::vector<int> waits;
  for (int round = 0; round < 3; ++round) {
    HttpResponse slowed = sign_in_from(*pipeline, address, "growing@example.com", "wrong");
    ASSERT_EQ(slowed.status, 429) << slowed.body;
    const int wait = std::stoi(slowed.header("retry-after"));
    EXPECT_NE(error_message(slowed).find("try again in " + std::to_string(wait) + " s"), std::string::npos) << slowed.body;
    waits.push_back(wait);
    if (round == 2) break;
    std::this_thread::sleep_for(std::chrono::seconds(wait) + 100ms);
    ASSERT_EQ(sign_in_from(*pipeline, address, "growing@example.com", "wrong").status, 401) << "after the wait, one more try";
  }
  EXPECT_EQ(waits, (std::vector<int>{1, 2, 4}));
}

TEST(SignInThrottling, FailuresFromManyAddressesSlowTheAccountButNeverLockIt) {
  auto pipeline = auth_and_api({"--trusted-proxies", "127.0.0.1"});
  create_user(*pipeline, "spread@example.com", kOwnerPassword);
  HttpResponse earlier = sign_in_from(*pipeline, "198.51.100.7", "spread@example.com", kOwnerPassword);
  ASSERT_EQ(earlier.status, 200) << earlier.body;
  const std::string device = cookie_named(earlier, "spanline_device");
  ASSERT_FALSE(device.empty()) << earlier.header("set-cookie");
  EXPECT_NE(earlier.header("set-cookie").find("Path=/api/v1/auth/sign-in"), std::string::npos) << earlier.header("set-cookie");
  EXPECT_NE(earlier.header("set-cookie").find("HttpOnly"), std::string::npos);
  // A botnet: 50 addresses, one failure each: none of them is slowed on its own.
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(sign_in_from(*pipeline, "10.7.0." + std::to_string(i + 1), "spread@example.com", "guess").status, 401);
  }
  ASSERT_EQ(sign_in_from(*pipeline, "10.7.1.1", "spread@example.com", "guess").status, 401) << "takes the account's next slot";
  HttpResponse spaced = sign_in_from(*pipeline, "198.51.100.8", "spread@example.com", kOwnerPassword);
  ASSERT_EQ(spaced.status, 429) << "checks on the account are now spaced";
  const int wait = std::stoi(spaced.header("retry-after"));
  EXPECT_LE(wait, 2) << "slowed two seconds at most";
  // With the device cookie of an earlier sign-in, the owner is not held back at all.
  EXPECT_EQ(sign_in_from(*pipeline, "198.51.100.9", "spread@example.com", kOwnerPassword, {{"Cookie", device}}).status, 200);
  std::this_thread::sleep_for(std::chrono::seconds(wait) + 100ms);
  EXPECT_EQ(sign_in_from(*pipeline, "198.51.100.8", "spread@example.com", kOwnerPassword).status, 200) << "after the wait, in";
}

TEST(SignInThrottling, ForwardedForIsBelievedFromATrustedProxyOnlyAndAProxiedRequestIsNotLocal) {
  auto trusting = auth_and_api({"--trusted-proxies", "127.0.0.0/8"});
  auto not_trusting = auth_and_api({});
  for (Pipeline* pipeline : {trusting.get(), not_trusting.get()}) {
    create_user(*pipeline, "proxied@example.com", kOwnerPassword);
    for (int i = 0; i < 5; ++i) ASSERT_EQ(sign_in_from(*pipeline, "203.0.113.1", "proxied@example.com", "wrong").status, 401);
  }
  EXPECT_EQ(sign_in_from(*trusting, "203.0.113.2", "proxied@example.com", "wrong").status, 401)
      << "behind a trusted proxy, another client address is another address";
  EXPECT_EQ(sign_in_from(*not_trusting, "203.0.113.2", "proxied@example.com", "wrong").status, 429)
      << "from an untrusted peer the header is ignored: the peer is the address";
  // The rightmost address a trusted proxy did not add is the client; a forged left part changes nothing.
  EXPECT_EQ(sign_in_from(*trusting, "198.51.100.1, 203.0.113.1", "proxied@example.com", "wrong").status, 429);

  auto setup_state = [](Pipeline& pipeline, std::map<std::string, std::string> headers) {
    return json::parse(http_get(pipeline.api_port(), "/api/v1/users/first", headers).body);
  };
  EXPECT_EQ(setup_state(*not_trusting, {})["token_required"], false) << "loopback";
  EXPECT_EQ(setup_state(*not_trusting, {{"X-Forwarded-For", "127.0.0.1"}})["token_required"], true)
      << "forwarded by a proxy we do not trust (on loopback or not): not local";
  EXPECT_EQ(setup_state(*trusting, {{"X-Forwarded-For", "203.0.113.5"}})["token_required"], true);
  EXPECT_EQ(setup_state(*trusting, {{"X-Forwarded-For", "127.0.0.1"}})["token_required"], false);
}

TEST(FirstUserSetup, FromAnotherMachineNeedsTheOneTimeTokenTheApiLogs) {
  auto pipeline = auth_and_api({"--trusted-proxies", "127.0.0.1"}, false);
  std::string logged;
  ASSERT_TRUE(wait_until([&] {
    std::smatch found;
    std::string log = pipeline->api().log();
    if (!std::regex_search(log, found, std::regex("\"setup_token\":\"(setup_[A-Za-z0-9_-]+)\""))) return false;
    logged = found[1];
    return true;
  }, 10s)) << "the api logs a setup token while no user exists:\n" << pipeline->api().log();
  std::string cli_out;
  ASSERT_EQ(run_command({bin_path("spanline"), "setup-token", "--data-dir", pipeline->data_dir()}, &cli_out), 0) << cli_out;
  const std::string printed = cli_out.substr(0, cli_out.find('\n'));
  ASSERT_EQ(printed.rfind("setup_", 0), 0u) << cli_out;

  const json user = {{"email", "remote-admin@example.com"}, {"password", "a good long password"}};
  const std::map<std::string, std::string> remote = {{"X-Forwarded-For", "203.0.113.5"}};
  HttpResponse without = post_json(*pipeline, "/api/v1/users/first", user, remote);
  EXPECT_EQ(without.status, 403) << without.body;
  EXPECT_NE(error_message(without).find("setup token"), std::string::npos) << without.body;
  json wrong = user;
  wrong["setup_token"] = "setup_not-a-token";
  EXPECT_EQ(post_json(*pipeline, "/api/v1/users/first", wrong, remote).status, 403);
  json with = user;
  with["setup_token"] = logged;
  HttpResponse created = post_json(*pipeline, "/api/v1/users/first", with, remote);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_FALSE(cookie_named(created, "spanline_session").empty());

  HttpResponse reused = post_json(*pipeline, "/api/v1/users/first", with, remote);
  EXPECT_EQ(reused.status, 403) << "single use: " << reused.body;
  json other = user;
  other["setup_token"] = printed;
  EXPECT_EQ(post_json(*pipeline, "/api/v1/users/first", other, remote).status, 403) << "every token dies with the first user";
  EXPECT_EQ(run_command({bin_path("spanline"), "setup-token", "--data-dir", pipeline->data_dir()}, &cli_out), 1)
      << "setup is closed: no more tokens";
}

TEST(FirstUserSetup, ADnsRebindingRequestIsRefusedBeforeAnyRoute) {
  auto pipeline = auth_and_api({"--allow-origins", "https://ui.example.com", "--allowed-hosts", "spanline.example.com"}, false);
  const json user = {{"email", "rebound@example.com"}, {"password", "a good long password"}};
  // The attacker's page, its name now resolving to 127.0.0.1: Origin matches Host, as same-origin requests do.
  HttpResponse rebound = post_json(*pipeline, "/api/v1/users/first", user,
                                   {{"Host", "attacker.example:" + std::to_string(pipeline->api_port())},
                                    {"Origin", "http://attacker.example:" + std::to_string(pipeline->api_port())}});
  EXPECT_EQ(rebound.status, 421) << rebound.body;
  EXPECT_NE(error_message(rebound).find("--allowed-hosts"), std::string::npos) << rebound.body;
  EXPECT_EQ(http_get(pipeline->api_port(), "/api/v1/users/first", {{"Host", "attacker.example"}}).status, 421);
  EXPECT_EQ(http_get(pipeline->api_port(), "/", {{"Host", "ATTACKER.example."}}).status, 421);
  for (const std::string host : {"localhost:1", "127.0.0.1", "[::1]:80", "spanline.example.com", "ui.example.com:443"}) {
    EXPECT_EQ(http_get(pipeline->api_port(), "/api/v1/users/first", {{"Host", host}}).status, 200) << host;
  }
  EXPECT_EQ(json::parse(http_get(pipeline->api_port(), "/api/v1/users/first").body)["open"], true) << "nothing was created";
}

TEST(FirstUserSetup, AnHttpsOriginIsNotThisPlainHttpSite) {
  auto pipeline = auth_and_api({});
  const std::string host = "127.0.0.1:" + std::to_string(pipeline->api_port());
  auto headers = pipeline->signed_in();
  headers["Host"] = host;
  headers["Origin"] = "https://" + host;
  HttpResponse refused = post_json(*pipeline, "/api/v1/api-keys", {{"name", "scheme"}}, headers);
  EXPECT_EQ(refused.status, 403) << "the scheme is part of the origin: " << refused.body;
  headers["Origin"] = "http://" + host;
  EXPECT_EQ(post_json(*pipeline, "/api/v1/api-keys", {{"name", "scheme"}}, headers).status, 201);
}

TEST(LiveTailSessions, OneUserGetsAtMostFourStreamsAndTheyEndWithTheUser) {
  auto pipeline = auth_and_api({});
  create_user(*pipeline, "watcher@example.com", kOwnerPassword);
  create_user(*pipeline, "leaver@example.com", kOwnerPassword);
  auto session_of = [&](const std::string& email) {
    HttpResponse signed_in = post_json(*pipeline, "/api/v1/auth/sign-in", {{"email", email}, {"password", kOwnerPassword}});
    EXPECT_EQ(signed_in.status, 200) << signed_in.body;
    return cookie_named(signed_in, "spanline_session");
  };
  const std::string watcher = session_of("watcher@example.com");
  const std::string leaver = session_of("leaver@example.com");
  std::vector<std::unique_ptr<SseReader>> streams;
  for (int i = 0; i < 4; ++i) {
    streams.push_back(std::make_unique<SseReader>(pipeline->api_port(), "/api/v1/traces/live", watcher));
    ASSERT_EQ(streams.back()->status(), 200);
  }
  HttpResponse fifth = http_get(pipeline->api_port(), "/api/v1/traces/live", {{"Cookie", watcher}});
  EXPECT_EQ(fifth.status, 429) << fifth.body;
  EXPECT_NE(error_message(fifth).find("the most one user may"), std::string::npos) << fifth.body;
  SseReader admin(pipeline->api_port(), "/api/v1/traces/live", pipeline->session_cookie());
  EXPECT_EQ(admin.status(), 200) << "another user still gets a place";

  SseReader leaving(pipeline->api_port(), "/api/v1/traces/live", leaver);
  ASSERT_EQ(leaving.status(), 200);
  ASSERT_EQ(leaving.wait_for("ready", 1, 5s).size(), 1u);
  EXPECT_EQ(http_request(pipeline->api_port(), "POST", "/api/v1/auth/sign-out", {{"Cookie", leaver}}).status, 204);
  EXPECT_EQ(leaving.wait_for("end", 1, 6s).size(), 1u) << "signed out: the open stream ends within seconds";

  // Deleting the user ends every stream it had open.
  HttpResponse users = http_get(pipeline->api_port(), "/api/v1/users", pipeline->signed_in());
  int64_t id = 0;
  const json listed = json::parse(users.body);
  for (const json& user : listed["users"]) {
    if (user["email"] == "watcher@example.com") id = user["id"].get<int64_t>();
  }
  ASSERT_NE(id, 0) << users.status << " " << users.body;
  ASSERT_EQ(http_request(pipeline->api_port(), "DELETE", "/api/v1/users/" + std::to_string(id), pipeline->signed_in()).status, 204);
  for (auto& stream : streams) EXPECT_EQ(stream->wait_for("end", 1, 6s).size(), 1u) << "the deleted user's stream ended";
  EXPECT_EQ(admin.wait_for("end", 1, 1s).size(), 0u) << "the admin's stream goes on";
}

}  // namespace
}  // namespace spanline::testing
