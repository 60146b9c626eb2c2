// Authentication with real processes: the auth-responder, the gateway, the WAL,
// an indexer and the api. Every rejection a client can meet at ingest, and every
// protected web route, is tried the way a client would.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "stages/auth/crypto/jwt.h"
#include "stages/auth/crypto/secrets.h"
#include "stages/auth/store/meta_store.h"
#include "tests/support/http_client.h"
#include "tests/support/otlp_client.h"
#include "tests/support/pipeline.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class Auth : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pipeline_ = new Pipeline({.indexers = {"0-3"}, .api = true, .api_args = {"--allow-origins", "https://ui.example.com"}});
    pipeline_->start();
  }
  static void TearDownTestSuite() { delete pipeline_; }

  Pipeline& pipeline() { return *pipeline_; }
  int port() { return pipeline_->api_port(); }
  size_t wal_size() { return pipeline_->wal_spans().size(); }
  // Sends one small request with `client`; the WAL must not grow when it is refused.
  grpc::Status send_and_check_wal(OtlpClient& client) {
    size_t before = wal_size();
    grpc::Status status = client.send(client.make_request(1, 3));
    if (!status.ok()) EXPECT_EQ(wal_size(), before) << "a refused Export left spans in the WAL";
    return status;
  }
  HttpResponse post(const std::string& target, const std::string& body, std::map<std::string, std::string> headers = {}) {
    headers["Content-Type"] = "application/json";
    return http_request(port(), "POST", target, headers, body);
  }
  // Signs a token with the auth-responder's own active key, read from meta.sqlite,
  // so only the claim under test is wrong.
  std::string token_with_real_key(const std::function<void(auth::TokenClaims&)>& change) {
    auto store = auth::MetaStore::open(auth::MetaStore::path_in(pipeline_->data_dir()));
    EXPECT_TRUE(store.is_ok());
    auto keys = (*store)->signing_keys();
    auto key = auth::SigningKey::from_pem(keys->front().kid, keys->front().private_pem);
    int64_t now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    auth::TokenClaims claims{"spanline", "spanline-ingest", "tests", "jti", now, now, now + 600};
    change(claims);
    return auth::sign_token(claims, *key);
  }
  std::string exchange(const std::string& key) {
    HttpResponse answer = http_request(port(), "POST", "/api/v1/otel/token", {{"X-API-Key", key}});
    EXPECT_EQ(answer.status, 200) << answer.body;
    return json::parse(answer.body)["token"].get<std::string>();
  }

  static Pipeline* pipeline_;
};
Pipeline* Auth::pipeline_ = nullptr;

TEST_F(Auth, OtelJsSdkWithAKeyIsIndexedAndWithoutOneIsRefused) {
  std::string sender = std::string(SPANLINE_SOURCE_DIR) + "/tests/js/otel-send.mjs";
  std::string out;
  size_t before = wal_size();
  int rc = run_command({"node", sender, "--endpoint", "http://" + pipeline().grpc_target(), "--traces", "2", "--spans-per-trace", "3",
                        "--service", "no-key", "--timeout-ms", "5000"},
                       &out);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("missing credentials"), std::string::npos) << out;
  EXPECT_EQ(wal_size(), before);
  rc = run_command({"node", sender, "--endpoint", "http://" + pipeline().grpc_target(), "--traces", "2", "--spans-per-trace", "3",
                    "--service", "with-key", "--header", "x-junjo-api-key=" + pipeline().api_key()},
                   &out);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_TRUE(pipeline().wait_indexed(6)) << pipeline().logs();
}

TEST_F(Auth, MissingAndWrongKeysAreUnauthenticated) {
  OtlpClient none(pipeline().grpc_target());
  grpc::Status status = send_and_check_wal(none);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_NE(status.error_message().find("x-junjo-api-key"), std::string::npos) << status.error_message();
  OtlpClient wrong(pipeline().grpc_target(), "spl_" + std::string(43, 'A'));
  status = send_and_check_wal(wrong);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_NE(status.error_message().find("not recognised"), std::string::npos) << status.error_message();
  // OTLP/HTTP says the same with 401.
  HttpResponse http = http_request(pipeline().http_port(), "POST", "/v1/traces", {{"Content-Type", "application/x-protobuf"}},
                                   none.make_request(1, 1).SerializeAsString());
  EXPECT_EQ(http.status, 401) << http.body;
}

TEST_F(Auth, AKeyRevokedWhileCachedStopsWorkingAtOnce) {
  std::string id;
  std::string key = pipeline().auth().create_key("short-lived", &id);
  OtlpClient client(pipeline().grpc_target(), key);
  ASSERT_TRUE(client.send(client.make_request(1, 2)).ok()) << "the gateway now caches this key for 30 s";
  OtlpClient with_token(pipeline().grpc_target());
  with_token.set_bearer(exchange(key));
  ASSERT_TRUE(with_token.send(with_token.make_request(1, 2)).ok());
  pipeline().auth().admin({"key", "revoke", id});
  // The broadcast reaches the gateway in milliseconds; far sooner than the cache TTL.
  ASSERT_TRUE(wait_until([&] { return client.send(client.make_request(1, 1)).error_code() == grpc::StatusCode::UNAUTHENTICATED; }, 5s));
  EXPECT_EQ(send_and_check_wal(client).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  grpc::Status token = send_and_check_wal(with_token);
  EXPECT_EQ(token.error_code(), grpc::StatusCode::UNAUTHENTICATED) << "a token minted from the revoked key is refused too";
  EXPECT_NE(token.error_message().find("revoked"), std::string::npos) << token.error_message();
}

TEST_F(Auth, BadTokensAreUnauthenticatedWithTheReason) {
  OtlpClient client(pipeline().grpc_target());
  auto expect_refused = [&](const std::string& token, const std::string& reason) {
    client.set_bearer(token);
    grpc::Status status = send_and_check_wal(client);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << reason;
    EXPECT_NE(status.error_message().find(reason), std::string::npos) << status.error_message();
  };
  std::string real = exchange(pipeline().api_key());
  std::string kid = *auth::token_key_id(real);
  std::string claims = real.substr(real.find('.') + 1, real.rfind('.') - real.find('.') - 1);
  expect_refused(auth::base64url_encode(json{{"alg", "none"}, {"kid", kid}}.dump()) + "." + claims + ".", "alg 'none'");
  expect_refused(auth::base64url_encode(json{{"alg", "RS256"}, {"kid", kid}}.dump()) + "." + claims + "." +
                     real.substr(real.rfind('.') + 1),
                 "wrong algorithm");
  auth::TokenClaims forged_claims{"spanline", "spanline-ingest", "tests", "x", 0, 0, 4'000'000'000};
  expect_refused(auth::sign_token(forged_claims, auth::SigningKey::generate(kid)), "bad signature");
  expect_refused(auth::sign_token(forged_claims, auth::SigningKey::generate("made-up")), "unknown signing key");
  expect_refused(token_with_real_key([](auth::TokenClaims& c) { c.expires_at = c.issued_at - 3600; }), "expired");
  expect_refused(token_with_real_key([](auth::TokenClaims& c) { c.not_before = c.issued_at + 3600; }), "not yet valid");
  expect_refused(token_with_real_key([](auth::TokenClaims& c) { c.issuer = "elsewhere"; }), "wrong issuer");
  expect_refused(token_with_real_key([](auth::TokenClaims& c) { c.audience = "another-api"; }), "wrong audience");
  expect_refused("garbage", "not a JWT");
  client.set_bearer("");
  client.set_api_key("");
  EXPECT_EQ(http_request(port(), "POST", "/api/v1/otel/token", {{"X-API-Key", "spl_wrong"}}).status, 401);
  EXPECT_EQ(http_request(port(), "POST", "/api/v1/otel/token").status, 401);
}

TEST_F(Auth, TokenExchangeThenBearerExportWorksAcrossAKeyRotation) {
  std::string before_rotation = exchange(pipeline().api_key());
  OtlpClient client(pipeline().grpc_target());
  client.set_bearer(before_rotation);
  ASSERT_TRUE(client.send(client.make_request(1, 2)).ok());
  pipeline().auth().admin({"signing-key", "rotate"});
  std::string after_rotation = exchange(pipeline().api_key());
  EXPECT_NE(*auth::token_key_id(after_rotation), *auth::token_key_id(before_rotation));
  client.set_bearer(after_rotation);
  grpc::Status status = client.send(client.make_request(1, 2));
  EXPECT_TRUE(status.ok()) << "a new kid makes the gateway refetch the JWKS: " << status.error_message();
  client.set_bearer(before_rotation);
  status = client.send(client.make_request(1, 2));
  EXPECT_TRUE(status.ok()) << "tokens signed before the rotation stay valid until they expire: " << status.error_message();
  json jwks = json::parse(http_get(port(), "/.well-known/jwks.json").body);
  EXPECT_GE(jwks["keys"].size(), 2u);
}

TEST_F(Auth, EveryProtectedRouteIn_OpenApiNeedsASession) {
  json spec = json::parse(http_get(port(), "/api/openapi.json").body);
  ASSERT_TRUE(spec.contains("security"));
  int checked = 0;
  for (const auto& [path, item] : spec["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      if (method != "get" && method != "post" && method != "delete" && method != "put" && method != "patch") continue;
      const json& security = operation.contains("security") ? operation["security"] : spec["security"];
      bool needs_session = false;
      for (const auto& requirement : security) needs_session = needs_session || requirement.contains("session");
      if (!needs_session) continue;
      std::string target = path;
      for (std::string name : {"{service}", "{trace_id}", "{span_id}", "{id}"}) {
        for (size_t at; (at = target.find(name)) != std::string::npos;) target.replace(at, name.size(), "0123456789abcdef");
      }
      std::string upper = method;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      for (const auto& headers : std::vector<std::map<std::string, std::string>>{
               {},
               {{"Cookie", "spanline_session=forged-session-id"}},
               {{"Cookie", "other=1; spanline_session="}},
               {{"Cookie", "spanline_session=\"quoted\"; spanline_session=twice"}}}) {
        HttpResponse response = http_request(port(), upper, target, headers, method == "get" ? "" : "{}");
        EXPECT_EQ(response.status, 401) << upper << " " << target << ": " << response.body;
        EXPECT_NE(response.body.find("unauthenticated"), std::string::npos) << upper << " " << target;
      }
      ++checked;
    }
  }
  EXPECT_GE(checked, 15) << "the OpenAPI file lists the protected routes";
}

TEST_F(Auth, MalformedCookieHeadersNeverGetInAndNeverStopTheApi) {
  // Pistache 0.0.5's cookie parser throws on some of these before our handler
  // runs; the strict parser answers those 400 (they were a plain-text 500 "Invalid
  // cookie"). Whatever answers, nothing malformed is ever let in.
  for (const std::string& cookie : std::vector<std::string>{"=;;; spanline_session", ";", "spanline_session", std::string(6000, 'a'),
                             "spanline_session=" + std::string(5000, 'x'), "spanline_session=\x01\x02"}) {
    HttpResponse response = http_get(port(), "/api/v1/services", {{"Cookie", cookie}});
    EXPECT_TRUE(response.status == 401 || response.status == 400) << cookie.substr(0, 40) << " -> " << response.status;
  }
  EXPECT_EQ(http_get(port(), "/api/v1/auth/me", pipeline().signed_in()).status, 200) << "the api still serves";
}

TEST_F(Auth, CredentialsThatAreNotUtf8AreUnauthenticatedNotAServerError) {
  const std::string not_utf8 = "spl_\xff\xfe";
  EXPECT_EQ(http_get(port(), "/api/v1/services", {{"Cookie", "spanline_session=\xff\xfe"}}).status, 401);
  EXPECT_EQ(http_request(port(), "POST", "/api/v1/otel/token", {{"X-API-Key", not_utf8}}).status, 401);
  HttpResponse http = http_request(pipeline().http_port(), "POST", "/v1/traces",
                                   {{"Content-Type", "application/x-protobuf"}, {"x-junjo-api-key", not_utf8}},
                                   OtlpClient(pipeline().grpc_target()).make_request(1, 1).SerializeAsString());
  EXPECT_EQ(http.status, 401) << http.body;
  EXPECT_EQ(http_get(port(), "/api/v1/auth/me", pipeline().signed_in()).status, 200) << "the api still serves";
}

TEST_F(Auth, FirstUserSetupClosesOnceAUserExists) {
  EXPECT_EQ(json::parse(http_get(port(), "/api/v1/users/first").body)["open"], false);
  HttpResponse again = post("/api/v1/users/first", R"({"email":"intruder@example.com","password":"whatever123"})");
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(again.header("set-cookie"), "");
  EXPECT_EQ(post("/api/v1/auth/sign-in", R"({"email":"intruder@example.com","password":"whatever123"})").status, 401);
}

TEST_F(Auth, SignInSetsAStrictCookieAndSignOutEndsTheSession) {
  HttpResponse created = http_request(port(), "POST", "/api/v1/users", [&] {
    auto h = pipeline().signed_in();
    h["Content-Type"] = "application/json";
    return h;
  }(), R"({"email":"dev@example.com","password":"dev password"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.body.find("password"), std::string::npos);
  HttpResponse signed_in = post("/api/v1/auth/sign-in", R"({"email":"dev@example.com","password":"dev password"})");
  ASSERT_EQ(signed_in.status, 200) << signed_in.body;
  std::string cookie = signed_in.header("set-cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("Max-Age="), std::string::npos) << cookie;
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << "not in development: " << cookie;
  std::map<std::string, std::string> session = {{"Cookie", cookie.substr(0, cookie.find(';'))}};
  HttpResponse me = http_get(port(), "/api/v1/auth/me", session);
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(json::parse(me.body)["user"]["email"], "dev@example.com");
  EXPECT_EQ(http_request(port(), "POST", "/api/v1/auth/sign-out", session).status, 204);
  EXPECT_EQ(http_get(port(), "/api/v1/auth/me", session).status, 401) << "signed out means signed out";
}

TEST_F(Auth, BruteForceSignInIsThrottledWithoutSayingWhetherTheUserExists) {
  auto headers = pipeline().signed_in();
  headers["Content-Type"] = "application/json";
  ASSERT_EQ(http_request(port(), "POST", "/api/v1/users", headers, R"({"email":"target@example.com","password":"the real one"})").status,
            201);
  HttpResponse unknown_user = post("/api/v1/auth/sign-in", R"({"email":"nobody@example.com","password":"guess 0"})");
  for (int i = 0; i < 5; ++i) {
    HttpResponse wrong = post("/api/v1/auth/sign-in", R"({"email":"target@example.com","password":"guess )" + std::to_string(i) + "\"}");
    ASSERT_EQ(wrong.status, 401);
    EXPECT_EQ(wrong.body, unknown_user.body) << "same answer for a wrong password and an unknown user";
  }
  HttpResponse throttled = post("/api/v1/auth/sign-in", R"({"email":"target@example.com","password":"the real one"})");
  EXPECT_EQ(throttled.status, 429) << throttled.body;
  EXPECT_FALSE(throttled.header("retry-after").empty());
  EXPECT_EQ(throttled.header("set-cookie"), "");
}

TEST_F(Auth, ApiKeysAreShownOnceAndCrossSiteWritesAreRefused) {
  auto headers = pipeline().signed_in();
  headers["Content-Type"] = "application/json";
  HttpResponse created = http_request(port(), "POST", "/api/v1/api-keys", headers, R"({"name":"laptop"})");
  ASSERT_EQ(created.status, 201) << created.body;
  json key = json::parse(created.body);
  EXPECT_EQ(key["key"].get<std::string>().rfind("spl_", 0), 0u);
  HttpResponse listed = http_get(port(), "/api/v1/api-keys", pipeline().signed_in());
  EXPECT_NE(listed.body.find(key["id"].get<std::string>()), std::string::npos);
  EXPECT_EQ(listed.body.find(key["key"].get<std::string>()), std::string::npos) << "the secret is never shown again";

  auto evil = headers;
  evil["Origin"] = "https://evil.example.com";
  HttpResponse refused = http_request(port(), "POST", "/api/v1/api-keys", evil, R"({"name":"stolen"})");
  EXPECT_EQ(refused.status, 403) << refused.body;
  auto cross = pipeline().signed_in();
  cross["Sec-Fetch-Site"] = "cross-site";
  EXPECT_EQ(http_request(port(), "DELETE", "/api/v1/api-keys/" + key["id"].get<std::string>(), cross).status, 403);
  auto same = headers;
  same["Origin"] = "http://127.0.0.1:" + std::to_string(port());
  same["Host"] = "127.0.0.1:" + std::to_string(port());
  EXPECT_EQ(http_request(port(), "DELETE", "/api/v1/api-keys/" + key["id"].get<std::string>(), same).status, 204);
  EXPECT_EQ(http_request(port(), "DELETE", "/api/v1/api-keys/" + key["id"].get<std::string>(), pipeline().signed_in()).status, 404);
}

TEST_F(Auth, BadBodiesGetPreciseErrors) {
  EXPECT_EQ(post("/api/v1/auth/sign-in", "{not json").status, 400);
  EXPECT_EQ(post("/api/v1/auth/sign-in", "[1,2]").status, 400);
  EXPECT_EQ(post("/api/v1/auth/sign-in", R"({"email":5,"password":"x"})").status, 400);
  EXPECT_EQ(post("/api/v1/auth/sign-in", "").status, 400);
  auto headers = pipeline().signed_in();
  headers["Content-Type"] = "application/json";
  HttpResponse short_password = http_request(port(), "POST", "/api/v1/users", headers, R"({"email":"x@example.com","password":"short"})");
  EXPECT_EQ(short_password.status, 400);
  EXPECT_NE(short_password.body.find("at least 8"), std::string::npos);
  EXPECT_EQ(http_request(port(), "POST", "/api/v1/users", headers, R"({"email":"no-at-sign","password":"long enough"})").status, 400);
  EXPECT_EQ(http_request(port(), "DELETE", "/api/v1/users/abc", pipeline().signed_in()).status, 400);
  EXPECT_EQ(http_request(port(), "GET", "/api/v1/auth/sign-in").status, 405);
}

}  // namespace
}  // namespace spanline::testing
