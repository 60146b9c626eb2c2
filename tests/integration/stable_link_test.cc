// Junjo's stable execution links through the real pipeline (gateway, WAL,
// indexer, api): GET /api/v1/resolve/executable answers "not yet seen" for a
// run that has not been sent, finds it once it is indexed and points at its
// page; a wrong executable type or an id that never arrives is 404; the
// top-level /resolve/executable is the web UI's page. Runs made by the project
// (tests/support/junjo_workflow and junjo_agent), and a workflow and an agent
// run by the real Junjo Python SDK from ../shared/clients/python (skipped,
// saying why, on a clone without ../shared).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/hex.h"
#include "tests/support/api_suite.h"
#include "tests/support/http_client.h"
#include "tests/support/junjo_agent.h"
#include "tests/support/junjo_workflow.h"
#include "tests/support/otlp_client.h"
#include "tests/support/pipeline.h"
#include "tests/support/shared_data.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::trace::v1::Span;

// The bound the api gives up after (stages/api/routes/resolve_routes.h), as its 202 answers say.
constexpr int64_t kGivesUpAfterMs = 120'000;

std::string link_query(const std::string& service, const std::string& type, const std::string& runtime_id) {
  return "service_name=" + service + "&executable_type=" + type + "&runtime_id=" + runtime_id;
}

// The first span of `request` whose junjo.span_type is `type`.
const Span* span_of_type(const ExportTraceServiceRequest& request, const std::string& type) {
  for (const auto& resource : request.resource_spans()) {
    for (const auto& scope : resource.scope_spans()) {
      for (const Span& span : scope.spans()) {
        if (string_attribute(span, "junjo.span_type") == type) return &span;
      }
    }
  }
  return nullptr;
}

class StableLink : public ApiSuite<StableLink> {

 protected:
  static HttpResponse resolve(const std::string& query) {
    return http_get(pipeline_->api_port(), "/api/v1/resolve/executable?" + query, pipeline_->signed_in());
  }
  // The answer once the run is found (200), asking as the web page does; the last answer after 30 s.
  static HttpResponse resolved(const std::string& query) {
    HttpResponse answer;
    wait_until([&] {
      answer = resolve(query);
      return answer.status != 202;
    }, 30s);
    return answer;
  }
  static void send(const ExportTraceServiceRequest& request) {
    OtlpClient client(pipeline_->grpc_target(), pipeline_->api_key());
    ASSERT_TRUE(client.send(request).ok());
  }
};

TEST_F(StableLink, AWorkflowRunIsNotYetSeenThenFoundAtItsRunPage) {
  const ExportTraceServiceRequest request =
      junjo_workflow_request({.trace_id_hex = "5b1a0e0000000000000000000000a127", .service = "stable-link-greeter"});
  const Span* workflow = span_of_type(request, "workflow");
  ASSERT_NE(workflow, nullptr);
  const std::string runtime_id = string_attribute(*workflow, "junjo.executable_runtime_id");
  ASSERT_FALSE(runtime_id.empty());
  const std::string link = link_query("stable-link-greeter", "workflow", runtime_id);

  HttpResponse before = resolve(link);
  ASSERT_EQ(before.status, 202) << before.body;
  EXPECT_EQ(before.header("retry-after"), "1");
  json pending = json::parse(before.body);
  EXPECT_EQ(pending["state"], "not_yet_seen");
  EXPECT_EQ(pending["runtime_id"], runtime_id);
  EXPECT_EQ(pending["gives_up_after_ms"], kGivesUpAfterMs);
  EXPECT_EQ(pending["partial"], false);

  send(request);
  HttpResponse found = resolved(link + "&service_namespace=ignored-namespace&waited_ms=1500");
  ASSERT_EQ(found.status, 200) << found.body << pipeline_->logs();
  json run = json::parse(found.body);
  const std::string trace_hex = "5b1a0e0000000000000000000000a127", span_hex = to_hex(workflow->span_id());
  EXPECT_EQ(run["state"], "found");
  EXPECT_EQ(run["trace_id"], trace_hex);
  EXPECT_EQ(run["span_id"], span_hex);
  EXPECT_EQ(run["span_type"], "workflow");
  EXPECT_EQ(run["name"], workflow->name());
  EXPECT_EQ(run["path"], "/workflows/" + trace_hex + "/" + span_hex);
  // The page it points at has its run.
  EXPECT_EQ(http_get(pipeline_->api_port(), "/api/v1/workflows/" + trace_hex + "/" + span_hex, pipeline_->signed_in()).status, 200);

  // The same id asked for as an agent: no such run, at once, naming what it is.
  HttpResponse as_agent = resolve(link_query("stable-link-greeter", "agent", runtime_id));
  EXPECT_EQ(as_agent.status, 404) << as_agent.body;
  EXPECT_NE(as_agent.body.find("names the workflow run"), std::string::npos) << as_agent.body;
  // Another service's link to the same id has not been seen.
  EXPECT_EQ(resolve(link_query("stable-link-other", "workflow", runtime_id)).status, 202);
  // A node's runtime id is not a run a link names.
  const Span* node = span_of_type(request, "node");
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(resolve(link_query("stable-link-greeter", "workflow", string_attribute(*node, "junjo.executable_runtime_id"))).status, 202);
}

TEST_F(StableLink, AnIdThatNeverArrivesIs404OnceTheAskerHasWaitedTheBound) {
  const std::string link = link_query("stable-link-greeter", "workflow", "no-such-run");
  EXPECT_EQ(resolve(link + "&waited_ms=" + std::to_string(kGivesUpAfterMs - 1)).status, 202);
  HttpResponse gone = resolve(link + "&waited_ms=" + std::to_string(kGivesUpAfterMs));
  ASSERT_EQ(gone.status, 404) << gone.body;
  json error = json::parse(gone.body);
  EXPECT_EQ(error["error"]["code"], "not_found");
  EXPECT_NE(error["error"]["message"].get<std::string>().find("no workflow run with runtime id 'no-such-run'"), std::string::npos);
}

TEST_F(StableLink, BadLinksAreRefusedNamingTheParameter) {
  for (const auto& [query, words] : std::vector<std::pair<std::string, std::string>>{
           {"service_name=s&executable_type=subflow&runtime_id=r", "parameter 'executable_type': workflow or agent"},
           {"service_name=s&executable_type=workflow", "parameter 'runtime_id': required"},
           {"executable_type=agent&runtime_id=r", "parameter 'service_name': required"},
           {"service_name=s&executable_type=agent&runtime_id=r&waited_ms=-1", "waited_ms"},
           {"service_name=s&executable_type=agent&runtime_id=r&run=1", "run"}}) {
    HttpResponse answer = resolve(query);
    EXPECT_EQ(answer.status, 400) << query << ": " << answer.body;
    EXPECT_NE(answer.body.find(words), std::string::npos) << query << ": " << answer.body;
  }
}

TEST_F(StableLink, AnAgentRunOpensItsRunPage) {
  // The project's agent run, inside a workflow node: the link finds the agent, not the workflow around it.
  const JunjoAgentOptions options{.trace_id_hex = "a9e0700000000000000000000000057b", .service = "stable-link-agents", .inside_workflow = true};
  send(junjo_agent_request(options));
  HttpResponse found = resolved(link_query("stable-link-agents", "agent", kAgentRuntimeId));
  ASSERT_EQ(found.status, 200) << found.body << pipeline_->logs();
  json run = json::parse(found.body);
  EXPECT_EQ(run["span_type"], "agent");
  EXPECT_EQ(run["span_id"], kAgentRunSpanHex);
  EXPECT_EQ(run["path"], "/agents/" + options.trace_id_hex + "/" + kAgentRunSpanHex);
  HttpResponse as_workflow = resolve(link_query("stable-link-agents", "workflow", kAgentRuntimeId));
  EXPECT_EQ(as_workflow.status, 404) << as_workflow.body;
  EXPECT_NE(as_workflow.body.find("names the agent run"), std::string::npos) << as_workflow.body;
}

TEST_F(StableLink, TheTopLevelLinkIsTheWebUisPage) {
  HttpResponse page = http_get(pipeline_->api_port(), "/resolve/executable?" + link_query("s", "workflow", "r"));
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.header("content-type").find("text/html"), std::string::npos) << page.header("content-type");
}

TEST_F(StableLink, RunsOfTheRealJunjoSdkResolve) {
  const PythonKit kit = python_kit(pipeline_->data_dir());
  if (kit.python_path.empty()) GTEST_SKIP() << kit.missing_reason;
  std::string out;
  ASSERT_EQ(run_command({"env", "PYTHONPATH=" + kit.python_path, "PYTHONDONTWRITEBYTECODE=1", "python3",
                         std::string(SPANLINE_SOURCE_DIR) + "/tests/integration/junjo_stable_link.py", pipeline_->grpc_target(),
                         pipeline_->api_key(), "stable-link-sdk"},
                        &out),
            0)
      << out;
  const json ran = json::parse(out);
  for (const char* type : {"workflow", "agent"}) {
    SCOPED_TRACE(type);
    const std::string runtime_id = ran[type]["runtime_id"];
    HttpResponse found = resolved(link_query("stable-link-sdk", type, runtime_id));
    ASSERT_EQ(found.status, 200) << found.body << pipeline_->logs();
    json run = json::parse(found.body);
    EXPECT_EQ(run["span_type"], type);
    EXPECT_EQ(run["name"], ran[type]["name"]);
    // The run span the link found is the one carrying that runtime id.
    HttpResponse span = http_get(pipeline_->api_port(),
                                 "/api/v1/spans/" + run["trace_id"].get<std::string>() + "/" + run["span_id"].get<std::string>(),
                                 pipeline_->signed_in());
    ASSERT_EQ(span.status, 200);
    EXPECT_EQ(json::parse(span.body)["attributes"]["junjo.executable_runtime_id"], runtime_id);
  }
}

}  // namespace
}  // namespace spanline::testing
