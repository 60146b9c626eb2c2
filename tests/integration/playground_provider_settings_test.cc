// The playground's providers through real processes (auth-responder and api):
// configuration providers listed with key_set and their source; an admin adds
// a Settings provider with a key (PUT), which the api then calls with that key
// (its model list from the LLM provider stand-in), a viewer or member may list
// but not change (403); no answer and no log ever holds a key; the key survives
// an auth-responder restart (sealed in meta.sqlite, the data key file beside
// it, 0600); absent keeps the key, "" removes it; deleting a configuration-only
// provider says where it comes from.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/http_client.h"
#include "tests/support/llm_standin.h"
#include "tests/support/pipeline.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace spanline::testing {
namespace {

using nlohmann::json;

constexpr const char* kProviders = "/api/v1/playground/providers";
constexpr const char* kConfiguredKey = "sk-configured-secret-4242";

using Headers = std::map<std::string, std::string>;

// A signed-in user of `role`, created by the admin: their headers for JSON requests.
Headers user_of(int port, const Headers& admin, const std::string& email, const std::string& role) {
  HttpResponse created = http_request(port, "POST", "/api/v1/users", admin, json{{"email", email}, {"password", "long enough"}, {"role", role}}.dump());
  EXPECT_EQ(created.status, 201) << created.body;
  HttpResponse signed_in = http_request(port, "POST", "/api/v1/auth/sign-in", {{"Content-Type", "application/json"}},
                                        json{{"email", email}, {"password", "long enough"}}.dump());
  EXPECT_EQ(signed_in.status, 200) << signed_in.body;
  const std::string cookie = signed_in.header("set-cookie");
  return {{"Cookie", cookie.substr(0, cookie.find(';'))}, {"Content-Type", "application/json"}};
}

// The listed providers by name.
std::map<std::string, json> listed(int port, const Headers& who) {
  HttpResponse answer = http_get(port, kProviders, who);
  EXPECT_EQ(answer.status, 200) << answer.body;
  const json body = json::parse(answer.body);
  std::map<std::string, json> out;
  for (const json& provider : body["providers"]) out[provider["name"].get<std::string>()] = provider;
  return out;
}

TEST(PlaygroundProviderSettings, AdminsKeepProvidersWhoseKeysNoAnswerOrLogEverHolds) {
  TempDir standin_logs;
  LlmStandin standin(standin_logs.path());
  const std::string settings_key = standin.key("openai");
  Pipeline pipeline({.api = true, .api_args = {"--openai-api-key", kConfiguredKey, "--gemini-base-url", standin.base_url("gemini")}});
  pipeline.start_auth();
  pipeline.start_api();
  const int port = pipeline.api_port();
  Headers admin = pipeline.signed_in();
  admin["Content-Type"] = "application/json";

  // Configuration: openai (its key set), gemini (its base URL changed, no key); anthropic is not offered.
  auto providers = listed(port, admin);
  ASSERT_EQ(providers.size(), 2u);
  EXPECT_EQ(providers["openai"]["source"], "configuration");
  EXPECT_EQ(providers["openai"]["key_set"], true);
  EXPECT_EQ(providers["gemini"]["key_set"], false);
  EXPECT_EQ(providers["gemini"]["base_url"], standin.base_url("gemini"));

  // An admin adds a provider with a key: answered as listed, never with the key.
  const std::string path = std::string(kProviders) + "/standin-openai";
  HttpResponse put = http_request(port, "PUT", path, admin,
                                  json{{"kind", "openai"}, {"base_url", standin.base_url("openai")}, {"api_key", settings_key}}.dump());
  ASSERT_EQ(put.status, 200) << put.body;
  json made = json::parse(put.body);
  EXPECT_EQ(made["source"], "settings");
  EXPECT_EQ(made["key_set"], true);
  EXPECT_EQ(made["updated_by"], "admin@example.com") << made;
  EXPECT_EQ(put.body.find(settings_key), std::string::npos);

  // The api calls it with the stored key: the stand-in lists its models only for the right one.
  HttpResponse models = http_get(port, path + "/models", admin);
  ASSERT_EQ(models.status, 200) << models.body;
  EXPECT_NE(models.body.find("gpt-4o"), std::string::npos);

  HttpResponse unknown = http_get(port, std::string(kProviders) + "/nope/models", admin);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.body.find("no playground provider named 'nope'"), std::string::npos) << unknown.body;

  // A viewer and a member list the providers but change nothing.
  const Headers viewer = user_of(port, admin, "viewer@example.com", "viewer");
  const Headers member = user_of(port, admin, "member@example.com", "member");
  HttpResponse as_viewer = http_get(port, kProviders, viewer);
  EXPECT_EQ(as_viewer.status, 200);
  EXPECT_EQ(http_request(port, "PUT", path, viewer, json{{"kind", "openai"}, {"base_url", "http://evil.example"}}.dump()).status, 403);
  EXPECT_EQ(http_request(port, "PUT", std::string(kProviders) + "/new", member, json{{"kind", "gemini"}, {"base_url", "https://g.example"}}.dump()).status, 403);
  EXPECT_EQ(http_request(port, "DELETE", path, member).status, 403);
  for (const std::string& body : {as_viewer.body, http_get(port, kProviders, admin).body}) {
    EXPECT_EQ(body.find(settings_key), std::string::npos) << "a list never holds a key";
    EXPECT_EQ(body.find(kConfiguredKey), std::string::npos);
  }

  // Bad input is refused naming the field.
  HttpResponse bad_kind = http_request(port, "PUT", path, admin, json{{"kind", "cohere"}, {"base_url", "http://h"}}.dump());
  EXPECT_EQ(bad_kind.status, 400);
  EXPECT_NE(bad_kind.body.find("field 'kind' must be one of openai, anthropic, gemini"), std::string::npos) << bad_kind.body;
  HttpResponse bad_url = http_request(port, "PUT", path, admin, json{{"kind", "openai"}, {"base_url", "file:///etc/passwd"}}.dump());
  EXPECT_EQ(bad_url.status, 400);
  EXPECT_NE(bad_url.body.find("base_url"), std::string::npos) << bad_url.body;
  EXPECT_EQ(http_request(port, "PUT", std::string(kProviders) + "/Bad%20Name", admin, json{{"kind", "openai"}, {"base_url", "http://h"}}.dump()).status, 400);

  // The auth-responder restarts: the key is still set, and still the right one.
  ASSERT_EQ(pipeline.auth().process().stop(), 0);
  pipeline.start_auth();
  ASSERT_TRUE(wait_until([&] { return http_get(port, kProviders, admin).status == 200; }));
  EXPECT_EQ(listed(port, admin)["standin-openai"]["key_set"], true);
  HttpResponse models_again = http_get(port, path + "/models", admin);
  EXPECT_EQ(models_again.status, 200) << models_again.body;
  struct stat key_file {};
  ASSERT_EQ(::stat((pipeline.data_dir() + "/provider-keys.key").c_str(), &key_file), 0);
  EXPECT_EQ(key_file.st_mode & 0777, 0600u);

  // No key field keeps the key; "" removes it.
  HttpResponse kept = http_request(port, "PUT", path, admin, json{{"kind", "openai"}, {"base_url", standin.base_url("openai")}}.dump());
  EXPECT_EQ(json::parse(kept.body)["key_set"], true) << kept.body;
  HttpResponse removed = http_request(port, "PUT", path, admin, json{{"kind", "openai"}, {"base_url", standin.base_url("openai")}, {"api_key", ""}}.dump());
  EXPECT_EQ(json::parse(removed.body)["key_set"], false) << removed.body;
  EXPECT_NE(http_get(port, path + "/models", admin).status, 200) << "without its key the stand-in refuses";

  // A Settings provider named like a configured one replaces it; deleting it brings the configured one back.
  ASSERT_EQ(http_request(port, "PUT", std::string(kProviders) + "/gemini", admin,
                         json{{"kind", "gemini"}, {"base_url", standin.base_url("gemini")}, {"api_key", standin.key("gemini")}}.dump())
                .status,
            200);
  EXPECT_EQ(listed(port, admin)["gemini"]["source"], "settings");
  EXPECT_EQ(http_request(port, "DELETE", std::string(kProviders) + "/gemini", admin).status, 204);
  EXPECT_EQ(listed(port, admin)["gemini"]["source"], "configuration");
  HttpResponse configured_only = http_request(port, "DELETE", std::string(kProviders) + "/gemini", admin);
  EXPECT_EQ(configured_only.status, 409) << configured_only.body;
  EXPECT_NE(configured_only.body.find("configuration"), std::string::npos) << configured_only.body;
  EXPECT_EQ(http_request(port, "DELETE", path, admin).status, 204);
  EXPECT_EQ(http_request(port, "DELETE", path, admin).status, 404);

  const std::string logs = pipeline.logs();
  EXPECT_EQ(logs.find(settings_key), std::string::npos) << "no stage logs a provider key";
  EXPECT_EQ(logs.find(kConfiguredKey), std::string::npos);
}

}  // namespace
}  // namespace spanline::testing
