// The web UI in real headless Chromium against the real pipeline (gateway, WAL,
// auth-responder, indexer, api serving web/dist), driven by walkthrough.mjs.
// Screenshots of every page are kept in <build>/e2e-screenshots.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/support/junjo_agent.h"
#include "tests/support/junjo_fixture.h"
#include "tests/support/junjo_workflow.h"
#include "tests/support/otlp_json_data.h"
#include "tests/support/pipeline.h"
#include "tests/support/shared_data.h"

namespace spanline::testing {
namespace {

// A Junjo run as OTLP/JSON for the walkthrough: Junjo's own fixture when ../shared
// has it, else the project's run of the same shape (junjo_workflow.h).
std::string write_run(const TempDir& dir, const std::string& fixture,
                      const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& project_made) {
  auto shared = shared_file("fixtures/junjo/" + fixture + ".json");
  std::string path = dir / (fixture + ".json");
  std::ofstream(path) << to_otlp_json(shared ? junjo_fixture_request(load_json_file(*shared)) : project_made);
  std::printf("%s: %s\n", fixture.c_str(), shared ? shared->c_str() : "none in ../shared, the project's own run");
  return path;
}

TEST(WebUi, ANewUserWalksEveryPageInChromium) {
  const std::string web = std::string(SPANLINE_SOURCE_DIR) + "/web/dist";
  ASSERT_TRUE(std::filesystem::exists(web + "/index.html")) << "build the UI first: make web";
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/chromium")) << "install Debian's chromium: make deps";
  ASSERT_TRUE(std::filesystem::exists(std::string(SPANLINE_SOURCE_DIR) + "/tests/e2e/node_modules/playwright-core"))
      << "run make test (it installs tests/e2e with npm ci)";
  Pipeline pipeline({.indexers = {"0-3"},
                     .indexer_args = {"--log-level", "info"},
                     .api = true,
                     .api_args = {"--web-dir", web, "--log-level", "info"},
                     .api_first_user = false});
  pipeline.start();
  TempDir runs;
  std::string workflow = write_run(runs, "basic_workflow_success", junjo_workflow_request());
  std::string concurrent = write_run(runs, "run_concurrent_success", junjo_concurrent_workflow_request());
  // The project's agent run inside a workflow node (junjo_agent.h): two model requests, a tool that failed validation.
  std::string agent = runs / "agent.json";
  std::ofstream(agent) << to_otlp_json(junjo_agent_request({.inside_workflow = true}));
  // The real Junjo SDK (../shared/clients/python) runs the graph shapes again, when this clone has it.
  const PythonKit kit = python_kit(runs / "python-kit");
  std::printf("Junjo SDK shapes: %s\n", kit.python_path.empty() ? ("skipped: " + kit.missing_reason).c_str() : "run by the real SDK");
  std::string out;
  int rc = run_command({"node", std::string(SPANLINE_SOURCE_DIR) + "/tests/e2e/walkthrough.mjs", "--ui",
                        "http://127.0.0.1:" + std::to_string(pipeline.api_port()), "--grpc", pipeline.grpc_target(), "--otlp-http",
                        pipeline.http_base(), "--screenshots", SPANLINE_E2E_SCREENSHOTS, "--workflow", workflow,
                        "--concurrent-workflow", concurrent, "--agent", agent,
                        kit.python_path.empty() ? "--no-python-reason" : "--python-path",
                        kit.python_path.empty() ? kit.missing_reason : kit.python_path},
                       // About 80 s alone on 2 cores; the margin is for a machine busy with other tests.
                       &out, std::chrono::seconds(240));
  EXPECT_EQ(rc, 0) << out << "\n" << pipeline.logs().substr(0, 20000);
  std::string last = out.substr(out.rfind('{') == std::string::npos ? 0 : out.rfind("{\"ok\""));
  auto result = nlohmann::json::parse(last, nullptr, false);
  ASSERT_FALSE(result.is_discarded()) << out;
  EXPECT_TRUE(result.value("ok", false)) << out;
  std::printf("%s\n", last.c_str());
}

}  // namespace
}  // namespace spanline::testing
