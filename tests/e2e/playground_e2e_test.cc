// The prompt playground in real headless Chromium (tests/e2e/playground.mjs)
// against the real pipeline, its api pointed at the LLM provider stand-in for
// all three provider kinds: an LLM span opened in the playground, edited, run,
// compared, a tool call, an error, Stop, the URL fragment, a phone's width.
// Screenshots 10a-10h are kept in <build>/e2e-screenshots.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "tests/support/llm_standin.h"
#include "tests/support/pipeline.h"
#include "tests/support/temp_dir.h"

namespace spanline::testing {
namespace {

TEST(WebUi, PlaygroundRunsASpanAgainAndComparesModelsInChromium) {
  const std::string source = SPANLINE_SOURCE_DIR;
  const std::string web = source + "/web/dist";
  ASSERT_TRUE(std::filesystem::exists(web + "/index.html")) << "build the UI first: make web";
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/chromium")) << "install Debian's chromium: make deps";
  ASSERT_TRUE(std::filesystem::exists(source + "/tests/e2e/node_modules/playwright-core")) << "run make test (it installs tests/e2e with npm ci)";
  TempDir logs;
  LlmStandin standin(logs.path());
  std::vector<std::string> api_args = {"--web-dir", web, "--log-level", "info"};
  for (const char* kind : {"openai", "anthropic", "gemini"}) {
    api_args.insert(api_args.end(), {std::string("--") + kind + "-base-url", standin.base_url(kind), std::string("--") + kind + "-api-key",
                                     standin.key(kind)});
  }
  Pipeline pipeline({.indexers = {"0-3"}, .api = true, .api_args = api_args, .api_first_user = false});
  pipeline.start();
  std::vector<std::string> command = {"node", source + "/tests/e2e/playground.mjs", "--ui", "http://127.0.0.1:" + std::to_string(pipeline.api_port()),
                                      "--otlp-http", pipeline.http_base(), "--standin", "http://127.0.0.1:" + std::to_string(standin.port()),
                                      "--screenshots", SPANLINE_E2E_SCREENSHOTS};
  for (const char* kind : {"openai", "anthropic", "gemini"}) command.insert(command.end(), {"--secret", standin.key(kind)});
  std::string out;
  int rc = run_command(command, &out);
  EXPECT_EQ(rc, 0) << out << "\n" << pipeline.logs().substr(0, 20000);
  auto at = out.rfind("{\"ok\"");
  auto result = nlohmann::json::parse(out.substr(at == std::string::npos ? 0 : at), nullptr, false);
  ASSERT_FALSE(result.is_discarded()) << out;
  EXPECT_TRUE(result.value("ok", false)) << out;
  // No key the stand-in accepts may reach the api's logs (the script looked in the pages and answers).
  for (const char* kind : {"openai", "anthropic", "gemini"}) {
    EXPECT_EQ(pipeline.logs().find(standin.key(kind)), std::string::npos) << kind << "'s key in the pipeline's logs";
  }
  std::printf("%s\n", result.dump().c_str());
}

}  // namespace
}  // namespace spanline::testing
