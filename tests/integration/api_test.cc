// The api as users meet it: gateway, wal, two indexers and the api as real
// processes; spans from the OpenTelemetry JS SDK and a Junjo workflow go in
// through OTLP and come back through every route with the right content.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "base/hex.h"
#include "tests/support/http_client.h"
#include "tests/support/junjo_fixture.h"
#include "tests/support/junjo_agent.h"
#include "tests/support/junjo_workflow.h"
#include "tests/support/otlp_client.h"
#include "tests/support/pipeline.h"
#include "tests/support/shared_data.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

json get_json(const Pipeline& pipeline, const std::string& target, int expected_status = 200) {
  HttpResponse response = http_get(pipeline.api_port(), target, pipeline.signed_in());
  EXPECT_EQ(response.status, expected_status) << target << "\n" << response.body;
  json body = json::parse(response.body, nullptr, false);
  EXPECT_FALSE(body.is_discarded()) << target << " did not answer JSON: " << response.body;
  return body;
}

// Waits until the api has heard from both indexers, so answers are complete.
bool wait_complete(const Pipeline& pipeline) {
  return wait_until([&] {
    HttpResponse response = http_get(pipeline.api_port(), "/api/v1/services", pipeline.signed_in());
    if (response.status != 200) return false;
    json body = json::parse(response.body, nullptr, false);
    return !body.is_discarded() && body.value("partial", true) == false;
  }, 20s);
}

PipelineOptions two_indexers_and_api() {
  return {.indexers = {"0,1", "2,3"}, .api = true, .api_args = {"--stage-timeout", "2s", "--allow-origins", "https://ui.example.com"}};
}

// The Junjo run the routes are read back with: Junjo's own basic_workflow_success
// fixture when ../shared has it, else the project's workflow of the same shape.
opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest junjo_run() {
  if (auto fixture = shared_file("fixtures/junjo/basic_workflow_success.json")) return junjo_fixture_request(load_json_file(*fixture));
  return junjo_workflow_request();
}

class ApiRoutes : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pipeline_ = new Pipeline(two_indexers_and_api());
    pipeline_->start();
    std::string out;
    ASSERT_EQ(run_command({"node", std::string(SPANLINE_SOURCE_DIR) + "/tests/js/otel-send.mjs", "--endpoint",
                           "http://" + pipeline_->grpc_target(), "--traces", "6", "--spans-per-trace", "4", "--service", "js-svc",
                         "--header", "x-junjo-api-key=" + pipeline_->api_key()},
                          &out),
              0)
        << out;
    junjo_ = new opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest(junjo_run());
    OtlpClient client(pipeline_->grpc_target(), pipeline_->api_key());
    ASSERT_TRUE(client.send(*junjo_).ok());
    // A Junjo agent run (its own service, months back: no list or usage here counts it), for the agent route.
    const auto agent = junjo_agent_request();
    ASSERT_TRUE(client.send(agent).ok());
    ASSERT_TRUE(pipeline_->wait_indexed(24 + span_count_of(*junjo_) + span_count_of(agent))) << pipeline_->logs();
    ASSERT_TRUE(wait_complete(*pipeline_)) << pipeline_->logs();
    ready_ = true;
  }
  // Each test reads what the suite sent: none runs on a half-made pipeline.
  void SetUp() override { ASSERT_TRUE(ready_) << "the suite's setup failed (see above)"; }
  static void TearDownTestSuite() {
    delete pipeline_;
    delete junjo_;
  }
  int port() const { return pipeline_->api_port(); }
  std::map<std::string, std::string> signed_in() const { return pipeline_->signed_in(); }
  std::map<std::string, std::string> with_session(std::map<std::string, std::string> headers) const {
    headers["Cookie"] = pipeline_->session_cookie();
    return headers;
  }

  static inline bool ready_ = false;
  static Pipeline* pipeline_;
  static opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest* junjo_;  // the Junjo run sent
};
Pipeline* ApiRoutes::pipeline_ = nullptr;
opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest* ApiRoutes::junjo_ = nullptr;

TEST_F(ApiRoutes, ServicesAndOperationsCountWhatWasSent) {
  json services = get_json(*pipeline_, "/api/v1/services");
  EXPECT_FALSE(services["partial"].get<bool>());
  json js;
  for (const auto& s : services["services"]) {
    if (s["service"] == "js-svc") js = s;
  }
  ASSERT_FALSE(js.is_null()) << services.dump();
  EXPECT_EQ(js["span_count"], 24);
  EXPECT_EQ(js["trace_count"], 6);
  EXPECT_GT(js["last_seen_ns"].get<int64_t>(), 0);
  json operations = get_json(*pipeline_, "/api/v1/services/js-svc/operations");
  std::set<std::string> names;
  for (const auto& op : operations["operations"]) names.insert(op["name"].get<std::string>());
  EXPECT_EQ(names, (std::set<std::string>{"workflow run", "node 1", "node 2", "node 3"}));
}

TEST_F(ApiRoutes, EachSearchFilterNarrows) {
  EXPECT_EQ(get_json(*pipeline_, "/api/v1/traces?service=js-svc")["traces"].size(), 6u);
  EXPECT_EQ(get_json(*pipeline_, "/api/v1/traces?service=js-svc&errors=true")["traces"].size(), 2u);
  EXPECT_EQ(get_json(*pipeline_, "/api/v1/traces?service=js-svc&operation=node%203")["traces"].size(), 6u);
  EXPECT_EQ(get_json(*pipeline_, "/api/v1/traces?service=js-svc&operation=nope")["traces"].size(), 0u);
  EXPECT_EQ(get_json(*pipeline_, "/api/v1/traces?attr=run.index:4")["traces"].size(), 1u);
  EXPECT_EQ(get_json(*pipeline_, "/api/v1/traces?attr=run.index>3")["traces"].size(), 2u);
  EXPECT_EQ(get_json(*pipeline_, "/api/v1/traces?attr=run.index%3E%3D3;http.status_code:200")["traces"].size(), 3u);
  // Two filters as standard URL encoders send them (';' as %3B), and as repeated parameters: each applies.
  EXPECT_EQ(get_json(*pipeline_, "/api/v1/traces?attr=run.index%3E%3D3%3Bhttp.status_code%3A200")["traces"].size(), 3u);
  EXPECT_EQ(get_json(*pipeline_, "/api/v1/traces?attr=run.index%3E%3D3&attr=http.status_code:200")["traces"].size(), 3u);
  EXPECT_EQ(get_json(*pipeline_, "/api/v1/traces?attr=http.status_code:200&attr=run.index:4")["traces"].size(), 1u);
  EXPECT_EQ(get_json(*pipeline_, "/api/v1/traces?attr=run.index:4&service=js-svc&attr=run.index:5")["traces"].size(), 0u);
  EXPECT_EQ(get_json(*pipeline_, "/api/v1/traces?attr=run.index<1")["traces"].size(), 1u);
  EXPECT_EQ(get_json(*pipeline_, "/api/v1/traces?q=boom")["traces"].size(), 2u);
  EXPECT_EQ(get_json(*pipeline_, "/api/v1/traces?q=no-such-text-anywhere")["traces"].size(), 0u);
  EXPECT_EQ(get_json(*pipeline_, "/api/v1/traces?service=js-svc&min_duration=1h")["traces"].size(), 0u);
  EXPECT_EQ(get_json(*pipeline_, "/api/v1/traces?service=js-svc&max_duration=1h")["traces"].size(), 6u);
  EXPECT_EQ(get_json(*pipeline_, "/api/v1/traces?service=js-svc&lookback=1h")["traces"].size(), 6u);
  EXPECT_EQ(get_json(*pipeline_, "/api/v1/traces?service=js-svc&start=2001-01-01T00:00:00Z&end=2001-01-02T00:00:00Z")["traces"].size(), 0u);
  // Newest first.
  json all = get_json(*pipeline_, "/api/v1/traces?service=js-svc");
  for (size_t i = 1; i < all["traces"].size(); ++i) {
    EXPECT_GE(all["traces"][i - 1]["start_ns"].get<int64_t>(), all["traces"][i]["start_ns"].get<int64_t>());
  }
  EXPECT_EQ(all["traces"][0]["root_name"], "workflow run");
  EXPECT_EQ(all["traces"][0]["span_count"], 4);
}

TEST_F(ApiRoutes, TraceAndSpanComeBackWhole) {
  json search = get_json(*pipeline_, "/api/v1/traces?service=js-svc&errors=true&limit=1");
  std::string trace_id = search["traces"][0]["trace_id"];
  json trace = get_json(*pipeline_, "/api/v1/traces/" + trace_id);
  ASSERT_EQ(trace["spans"].size(), 4u);
  json root;
  for (const auto& span : trace["spans"]) {
    if (span["parent_span_id"] == "") root = span;
    EXPECT_EQ(span["resource"]["service.name"], "js-svc");
    EXPECT_EQ(span["resource"]["deployment.environment"], "test");
  }
  ASSERT_FALSE(root.is_null());
  EXPECT_EQ(root["attributes"]["http.status_code"], 200);
  EXPECT_EQ(root["attributes"]["tags"], json::array({"a", "b"}));
  EXPECT_EQ(root["kind"], 2);
  json child;
  for (const auto& candidate : trace["spans"]) {
    if (candidate["parent_span_id"] != "") child = candidate;
  }
  json span = get_json(*pipeline_, "/api/v1/spans/" + trace_id + "/" + child["span_id"].get<std::string>());
  EXPECT_EQ(span["span_id"], child["span_id"]);
  EXPECT_EQ(span["events"][0]["name"], "set_state");
  // Upper-case ids are the same ids.
  std::string upper = trace_id;
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  EXPECT_EQ(get_json(*pipeline_, "/api/v1/traces/" + upper)["spans"].size(), 4u);
  json missing = get_json(*pipeline_, "/api/v1/traces/0123456789abcdef0123456789abcdef", 404);
  EXPECT_EQ(missing["error"]["code"], "not_found");
  json bad = get_json(*pipeline_, "/api/v1/traces/xyz", 400);
  EXPECT_NE(bad["error"]["message"].get<std::string>().find("32 hex"), std::string::npos);
  get_json(*pipeline_, "/api/v1/spans/" + trace_id + "/0000000000000001", 404);
}

TEST_F(ApiRoutes, WorkflowRunReplaysItsStateToTheEndState) {
  const opentelemetry::proto::trace::v1::Span* workflow = nullptr;
  size_t set_state_events = 0;
  for (const auto& s : junjo_->resource_spans(0).scope_spans(0).spans()) {
    if (string_attribute(s, "junjo.span_type") == "workflow") workflow = &s;
    for (const auto& e : s.events()) set_state_events += e.name() == "set_state";
  }
  ASSERT_NE(workflow, nullptr);
  json runs = get_json(*pipeline_, "/api/v1/workflows?service=" + service_name_of(*junjo_));
  ASSERT_EQ(runs["runs"].size(), 1u) << runs.dump();
  const json& run = runs["runs"][0];
  json detail = get_json(*pipeline_, "/api/v1/workflows/" + run["trace_id"].get<std::string>() + "/" + run["span_id"].get<std::string>());
  ASSERT_TRUE(detail.contains("state_changes"));
  EXPECT_EQ(detail["run"]["span_type"], "workflow");
  EXPECT_EQ(detail["run"]["span_id"], to_hex(workflow->span_id()));
  EXPECT_EQ(static_cast<int64_t>(detail["spans"].size()), span_count_of(*junjo_));
  ASSERT_EQ(detail["state_changes"].size(), set_state_events);
  for (const auto& step : detail["state_changes"]) EXPECT_FALSE(step.contains("patch_error")) << step.dump();
  EXPECT_EQ(detail["state_changes"].back()["state_after"], detail["run"]["state_end"]);
  EXPECT_EQ(detail["run"]["state_end"], json::parse(string_attribute(*workflow, "junjo.workflow.state.end")));
  EXPECT_FALSE(detail["run"]["graph"].is_null());
  get_json(*pipeline_, "/api/v1/workflows/" + run["trace_id"].get<std::string>() + "/0000000000000001", 404);
  EXPECT_EQ(get_json(*pipeline_, "/api/v1/workflows?status=error")["runs"].size(), 0u);
}

TEST_F(ApiRoutes, LlmUsageCountsTokensByModelAndService) {
  json usage = get_json(*pipeline_, "/api/v1/llm/usage?lookback=1h&bucket=1m");
  json gpt;
  for (const auto& m : usage["by_model"]) {
    if (m["model"] == "gpt-4o") gpt = m;
  }
  ASSERT_FALSE(gpt.is_null()) << usage.dump();
  EXPECT_EQ(gpt["calls"], 18);                  // 3 LLM spans in each of 6 traces
  EXPECT_EQ(gpt["input_tokens"], 6 * (100 + 200 + 300));
  EXPECT_GT(gpt["latency_ms"]["p99"].get<double>(), 0.0);
  EXPECT_GE(gpt["series"].size(), 1u);
  bool js = false;
  for (const auto& s : usage["by_service"]) js = js || s["service"] == "js-svc";
  EXPECT_TRUE(js);
}

TEST_F(ApiRoutes, HealthPipelineAndMetricsDescribeEveryStage) {
  json health = get_json(*pipeline_, "/health");
  EXPECT_EQ(health["status"], "ok");
  std::set<std::string> stages;
  for (const auto& s : health["stages"]) stages.insert(s["stage"].get<std::string>());
  EXPECT_EQ(stages, (std::set<std::string>{"api", "auth", "gateway", "indexer", "wal"}));
  json pipeline = get_json(*pipeline_, "/api/v1/pipeline");
  bool indexer_lag = false;
  for (const auto& instance : pipeline["instances"]) {
    if (instance["stage"] == "indexer") {
      const json& gauges = instance["gauges"];
      indexer_lag = (gauges.contains("lag_entries.p0") && gauges.contains("lag_seconds.p0")) ||
                    (gauges.contains("lag_entries.p2") && gauges.contains("lag_seconds.p2"));
    }
    EXPECT_TRUE(instance["history"]["unix_ms"].is_array());
  }
  EXPECT_TRUE(indexer_lag) << pipeline.dump();
  // The health conditions and the gateways' addresses as announced in their stats (for the UI's banner and snippets).
  EXPECT_EQ(pipeline["status"], "ok") << pipeline["conditions"].dump();
  EXPECT_TRUE(pipeline["conditions"].empty());
  EXPECT_EQ(health["conditions"], json::array());
  ASSERT_EQ(pipeline["gateways"].size(), 1u) << pipeline.dump();
  EXPECT_EQ(pipeline["gateways"][0]["grpc_address"], pipeline_->grpc_target());
  const json& http_address = pipeline["gateways"][0]["http_address"];
  EXPECT_TRUE(http_address.is_null() || http_address == "127.0.0.1:" + std::to_string(pipeline_->http_port())) << http_address;
  for (const auto& instance : pipeline["instances"]) {
    EXPECT_EQ(instance["state"], "up") << instance["stage"];
    EXPECT_TRUE(instance["hour"]["unix_ms"].is_array());
    if (instance["stage"] == "wal") EXPECT_GT(instance["gauges"].value("disk_budget_bytes", 0.0), 0.0) << instance["gauges"].dump();
  }
  // Every partition with the WAL that owns it (one WAL: all) and the static indexer that holds it, ready.
  ASSERT_EQ(pipeline["partitions"].size(), 4u) << pipeline["partitions"].dump();
  for (const auto& partition : pipeline["partitions"]) {
    EXPECT_EQ(partition["wal"], "wal-1") << partition.dump();
    ASSERT_EQ(partition["replicas"].size(), 1u) << partition.dump();
    EXPECT_EQ(partition["replicas"][0]["instance"], partition["partition"].get<int>() < 2 ? "indexer-1" : "indexer-2");
    EXPECT_EQ(partition["replicas"][0]["state"], "ready");
    EXPECT_EQ(partition["replicas"][0]["alive"], true);
  }
  HttpResponse metrics = http_get(port(), "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.header("content-type").find("text/plain"), std::string::npos);
  EXPECT_NE(metrics.body.find("spanline_gateway_spans_acked_total{stage=\"gateway\""), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("partition=\"2\""), std::string::npos);
  EXPECT_NE(metrics.body.find("spanline_partition_owner_info{partition=\"3\",wal=\"wal-1\"} 1"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("spanline_partition_replicas{partition=\"0\",state=\"ready\"} 1"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("spanline_partition_lag_seconds{partition=\"2\",instance=\"indexer-2\"}"), std::string::npos) << metrics.body;
  std::string file = pipeline_->data_dir() + "/metrics.txt";
  std::ofstream(file) << metrics.body;
  std::string out;
  int rc = run_command({"sh", "-c", "promtool check metrics < " + file + " 2>&1"}, &out);
  EXPECT_EQ(rc, 0) << "promtool check metrics:\n" << out;
}

TEST_F(ApiRoutes, EveryOpenApiRouteAnswers) {
  json spec = get_json(*pipeline_, "/api/openapi.json");
  ASSERT_EQ(spec["openapi"].get<std::string>().substr(0, 2), "3.");
  json search = get_json(*pipeline_, "/api/v1/traces?service=js-svc&limit=1");
  std::string trace_id = search["traces"][0]["trace_id"];
  std::string span_id = search["traces"][0]["root_span_id"];
  json runs = get_json(*pipeline_, "/api/v1/workflows");
  ASSERT_GE(runs["runs"].size(), 1u);
  ASSERT_GE(spec["paths"].size(), 12u);
  // A session for the session route: the JS SDK's LLM spans carry session.id "session-7".
  std::string sent;
  ASSERT_EQ(run_command({"node", std::string(SPANLINE_SOURCE_DIR) + "/tests/js/llm-spans.mjs", "--protocol", "grpc", "--endpoint",
                         "http://" + pipeline_->grpc_target(), "--service", "api-llm", "--header", "x-junjo-api-key=" + pipeline_->api_key()},
                        &sent),
            0)
      << sent;
  ASSERT_TRUE(wait_until([&] { return http_get(port(), "/api/v1/sessions/session-7", signed_in()).status == 200; }, 15s));
  for (const auto& [path, item] : spec["paths"].items()) {
    if (!item.contains("get")) continue;  // write routes have their own tests
    std::string target = path;
    auto replace = [&](const std::string& name, const std::string& value) {
      if (auto at = target.find("{" + name + "}"); at != std::string::npos) target.replace(at, name.size() + 2, value);
    };
    bool workflow = path.rfind("/api/v1/workflows/", 0) == 0;
    if (path.rfind("/api/v1/agents/", 0) == 0) {
      replace("trace_id", JunjoAgentOptions{}.trace_id_hex);
      replace("span_id", kAgentRunSpanHex);
    }
    replace("service", "js-svc");
    replace("session_id", "session-7");
    replace("trace_id", workflow ? runs["runs"][0]["trace_id"].get<std::string>() : trace_id);
    replace("span_id", workflow ? runs["runs"][0]["span_id"].get<std::string>() : span_id);
    if (path == "/api/v1/traces/live") continue;  // a stream: its own test
    if (path == "/api/v1/playground/providers/{name}/models") continue;  // asks a provider: playground_test.cc, against a stand-in
    if (path == "/api/v1/resolve/executable") {
      // A stable link names its run: the suite's Junjo workflow run.
      for (const auto& span : junjo_->resource_spans(0).scope_spans(0).spans()) {
        if (string_attribute(span, "junjo.span_type") != "workflow") continue;
        target += "?service_name=" + service_name_of(*junjo_) + "&executable_type=workflow&runtime_id=" +
                  string_attribute(span, "junjo.executable_runtime_id");
      }
    }
    HttpResponse response = http_get(port(), target, signed_in());
    EXPECT_EQ(response.status, 200) << target << ": " << response.body.substr(0, 300);
  }
}

TEST_F(ApiRoutes, HostileInputGetsACleanClientError) {
  // SQL metacharacters are data, never SQL.
  for (std::string value : {"%27%20OR%201%3D1%20--", "%22%3B%20DROP%20TABLE%20spans%3B%20--", "%25", "_", "%5C"}) {
    for (std::string name : {"service", "operation", "q"}) {
      HttpResponse response = http_get(port(), "/api/v1/traces?" + name + "=" + value, signed_in());
      EXPECT_TRUE(response.status == 200 || response.status == 400) << name << "=" << value << ": " << response.body;
      if (response.status == 200) {
        EXPECT_EQ(json::parse(response.body)["traces"].size(), 0u) << name << "=" << value;
      }
    }
  }
  EXPECT_EQ(get_json(*pipeline_, "/api/v1/traces?attr=a%27b:%27%20OR%201%3D1")["traces"].size(), 0u);
  get_json(*pipeline_, "/api/v1/services/%27%3B%20DROP%20TABLE%20x/operations", 200);
  // Bad values name the parameter.
  auto message = [&](const std::string& target) { return get_json(*pipeline_, target, 400)["error"]["message"].get<std::string>(); };
  EXPECT_NE(message("/api/v1/traces?limit=0").find("'limit'"), std::string::npos);
  EXPECT_NE(message("/api/v1/traces?limit=99999999999999999999").find("'limit'"), std::string::npos);
  EXPECT_NE(message("/api/v1/traces?cursor=abc").find("'cursor'"), std::string::npos);
  EXPECT_NE(message("/api/v1/traces?cursor=1.zz").find("'cursor'"), std::string::npos);
  EXPECT_NE(message("/api/v1/traces?min_duration=fast").find("'min_duration'"), std::string::npos);
  EXPECT_NE(message("/api/v1/traces?start=yesterday").find("'start'"), std::string::npos);
  EXPECT_NE(message("/api/v1/traces?q=ab").find("'q'"), std::string::npos);
  EXPECT_NE(message("/api/v1/traces?q=" + std::string(5000, 'a')).find("'q'"), std::string::npos);
  EXPECT_NE(message("/api/v1/traces?attr=novalue").find("'attr'"), std::string::npos);
  EXPECT_NE(message("/api/v1/traces?attr=n>abc").find("'attr'"), std::string::npos);
  // The error quotes the filter that failed, not the parameter's other filters.
  EXPECT_EQ(message("/api/v1/traces?attr=run.index%3E3%3Bn%3Eabc"), "parameter 'attr': filter 'n>abc': 'n>' needs a number");
  EXPECT_EQ(message("/api/v1/traces?attr=run.index>3&attr=novalue"),
            "parameter 'attr': filter 'novalue': expected key:value, key>number or key<number");
  EXPECT_NE(message("/api/v1/traces?servce=x").find("servce"), std::string::npos);
  EXPECT_NE(message("/api/v1/traces?service=%ZZ").find("percent"), std::string::npos);
  EXPECT_NE(message("/api/v1/traces?service=%C3%28").find("UTF-8"), std::string::npos);
  EXPECT_NE(message("/api/v1/llm/usage?bucket=1ms").find("'bucket'"), std::string::npos);
  get_json(*pipeline_, "/api/v1/spans/" + std::string(32, 'a') + "/zz", 400);
  get_json(*pipeline_, "/api/v1/workflows/" + std::string(31, 'a') + "/" + std::string(16, 'a'), 400);
  // Routes and methods.
  EXPECT_EQ(get_json(*pipeline_, "/api/v1/nope", 404)["error"]["code"], "not_found");
  EXPECT_EQ(get_json(*pipeline_, "/api/v2/traces", 404)["error"]["code"], "not_found");
  HttpResponse post = http_request(port(), "POST", "/api/v1/traces", with_session({{"Content-Type", "application/json"}}), "{}");
  EXPECT_EQ(post.status, 405);
  EXPECT_NE(post.header("allow").find("GET"), std::string::npos);
  EXPECT_EQ(json::parse(post.body)["error"]["code"], "method_not_allowed");
  HttpResponse big = http_request(port(), "POST", "/api/v1/traces", with_session({{"Content-Type", "application/json"}}), std::string(1100 << 10, 'x'));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(json::parse(big.body)["error"]["code"], "payload_too_large");
  // The api is still fine after all of it.
  EXPECT_EQ(get_json(*pipeline_, "/api/v1/traces?service=js-svc")["traces"].size(), 6u);
}

TEST_F(ApiRoutes, StaticFilesNeverLeaveTheWebFolder) {
  std::string web = pipeline_->data_dir() + "/web";
  std::filesystem::create_directories(web + "/assets");
  std::ofstream(web + "/index.html") << "<!doctype html><title>Spanline UI</title>";
  std::ofstream(web + "/assets/app-1a2b3c.js") << "console.log('hi')";
  std::ofstream(pipeline_->data_dir() + "/secret.txt") << "top secret";
  HttpResponse index = http_get(port(), "/");
  EXPECT_EQ(index.status, 200);
  EXPECT_NE(index.body.find("Spanline UI"), std::string::npos);
  EXPECT_EQ(index.header("cache-control"), "no-cache");
  EXPECT_NE(index.header("content-type").find("text/html"), std::string::npos);
  HttpResponse asset = http_get(port(), "/assets/app-1a2b3c.js");
  EXPECT_EQ(asset.status, 200);
  EXPECT_NE(asset.header("content-type").find("text/javascript"), std::string::npos);
  EXPECT_NE(asset.header("cache-control").find("immutable"), std::string::npos);
  HttpResponse spa = http_get(port(), "/traces/abc");
  EXPECT_NE(spa.body.find("Spanline UI"), std::string::npos);  // the app routes it
  EXPECT_EQ(http_get(port(), "/assets/missing.js").status, 404);
  for (std::string target : {"/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt", "/%2E%2E%2Fsecret.txt",
                             "/assets/%2e%2e/%2e%2e/secret.txt", "/..%5csecret.txt", "/%00/secret.txt"}) {
    HttpResponse response = http_get(port(), target);
    EXPECT_EQ(response.body.find("top secret"), std::string::npos) << target;
    EXPECT_GE(response.status, 400) << target << " -> " << response.status;
    EXPECT_LT(response.status, 500) << target;
  }
}

TEST_F(ApiRoutes, CorsAllowsOnlyTheConfiguredOrigins) {
  HttpResponse allowed = http_get(port(), "/api/v1/services", with_session({{"Origin", "https://ui.example.com"}}));
  EXPECT_EQ(allowed.header("access-control-allow-origin"), "https://ui.example.com");
  EXPECT_EQ(allowed.header("vary"), "Origin");
  HttpResponse other = http_get(port(), "/api/v1/services", with_session({{"Origin", "https://evil.example.com"}}));
  EXPECT_EQ(other.header("access-control-allow-origin"), "");
  HttpResponse preflight = http_request(port(), "OPTIONS", "/api/v1/services", {{"Origin", "https://ui.example.com"}});
  EXPECT_EQ(preflight.status, 204);
  EXPECT_NE(preflight.header("access-control-allow-methods").find("GET"), std::string::npos);
  EXPECT_EQ(http_request(port(), "OPTIONS", "/api/v1/services", {{"Origin", "https://evil.example.com"}}).status, 403);
  // Every header the api relies on reaches the client (Pistache drops addRaw ones).
  HttpResponse plain = http_get(port(), "/api/v1/services", signed_in());
  EXPECT_EQ(plain.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(plain.header("cache-control"), "no-store");
  EXPECT_EQ(plain.header("content-type"), "application/json");
}

TEST(ApiPagination, EveryTraceExactlyOnceAcrossPagesWhileSpansArrive) {
  Pipeline pipeline(two_indexers_and_api());
  pipeline.start();
  OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  // 120 traces with identical start times: order falls back to the trace id.
  std::set<std::string> sent;
  for (int batch = 0; batch < 4; ++batch) {
    auto request = client.make_request(30, 2, "paged");
    for (const auto& [trace, span] : OtlpClient::keys_of(request)) sent.insert(trace);
    ASSERT_TRUE(client.send(request).ok());
  }
  ASSERT_TRUE(pipeline.wait_indexed(240)) << pipeline.logs();
  ASSERT_TRUE(wait_complete(pipeline)) << pipeline.logs();
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    OtlpClient more(pipeline.grpc_target(), pipeline.api_key());
    while (!stop.load()) {
      (void)more.send(more.make_request(5, 2, "paged"));
      std::this_thread::sleep_for(20ms);
    }
  });
  std::multiset<std::string> seen;
  std::string cursor;
  int pages = 0;
  for (;;) {
    json page = get_json(pipeline, "/api/v1/traces?service=paged&limit=7" + (cursor.empty() ? "" : "&cursor=" + cursor));
    EXPECT_FALSE(page["partial"].get<bool>());
    EXPECT_LE(page["traces"].size(), 7u);
    for (const auto& trace : page["traces"]) seen.insert(trace["trace_id"].get<std::string>());
    ++pages;
    if (page["next_cursor"].is_null()) break;
    cursor = page["next_cursor"];
    ASSERT_LT(pages, 200);
  }
  stop.store(true);
  writer.join();
  EXPECT_GE(pages, 18);
  for (const std::string& id : sent) EXPECT_EQ(seen.count(id), 1u) << id;
  for (const std::string& id : seen) EXPECT_EQ(seen.count(id), 1u) << "seen twice: " << id;
}

// The runs list as the web UI pages it: project-made Junjo runs (eight workflow
// runs of two names, three of them failed, three with a subflow, two starting
// together) read back a few at a time by cursor, with filters, each run exactly
// once, newest first.
class RunsListPaging : public ::testing::Test {
 protected:
  static constexpr int kRuns = 8;

  // Every run of `filter`, page by page; `pages` counts the pages read.
  static std::vector<json> every_run(const Pipeline& pipeline, const std::string& filter, int* pages) {
    std::vector<json> runs;
    std::string cursor;
    for (*pages = 0;; ++*pages) {
      json page = get_json(pipeline, "/api/v1/workflows?" + filter + (cursor.empty() ? "" : "&cursor=" + cursor));
      EXPECT_FALSE(page.value("partial", true)) << page.dump();
      for (const auto& run : page["runs"]) runs.push_back(run);
      if (page["next_cursor"].is_null() || *pages > 20) {
        ++*pages;
        return runs;
      }
      cursor = page["next_cursor"];
    }
  }

  static std::vector<int> indexes_of(const std::vector<json>& runs, const std::map<std::string, int>& index_by_trace) {
    std::vector<int> out;
    for (const auto& run : runs) out.push_back(index_by_trace.at(run["trace_id"].get<std::string>()));
    return out;
  }
};

TEST_F(RunsListPaging, FiltersHoldAcrossPagesAndSubflowsLinkTheirParentRun) {
  Pipeline pipeline(two_indexers_and_api());
  pipeline.start();
  OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  std::map<std::string, int> index_by_trace;      // trace id -> run index
  std::map<std::string, std::string> workflow_of;  // trace id -> workflow span id
  int64_t spans = 0;
  for (int i = 0; i < kRuns; ++i) {
    char trace[33];
    std::snprintf(trace, sizeof trace, "7e57%028x", i + 1);
    // Runs 6 and 7 start together: their order falls back to the ids (7's trace id is the larger).
    auto request = junjo_workflow_request({.trace_id_hex = trace, .service = "runs-pager",
                                           .start_unix_nano = 1'768'467'600'000'000'000 + std::min(i, 6) * 1'000'000'000LL});
    auto* scope = request.mutable_resource_spans(0)->mutable_scope_spans(0);
    opentelemetry::proto::trace::v1::Span* workflow = nullptr;
    for (auto& span : *scope->mutable_spans()) {
      if (string_attribute(span, "junjo.span_type") == "workflow") workflow = &span;
    }
    ASSERT_NE(workflow, nullptr);
    workflow->set_name(i % 2 == 0 ? "Greeter Flow" : "Billing Flow");
    if (i % 3 == 0) workflow->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
    if (i < 3) {
      // A subflow inside the run, with its own store whose parent is the run's.
      opentelemetry::proto::trace::v1::Span subflow;
      subflow.set_trace_id(workflow->trace_id());
      subflow.set_span_id(*from_hex("5b0000000000f100"));
      subflow.set_parent_span_id(workflow->span_id());
      subflow.set_name("Joke Subflow");
      subflow.set_start_time_unix_nano(workflow->start_time_unix_nano() + 10'000'000);
      subflow.set_end_time_unix_nano(workflow->start_time_unix_nano() + 20'000'000);
      for (auto [key, value] : {std::pair<std::string, std::string>{"junjo.span_type", "subflow"},
                                {"junjo.workflow.store.id", "sub-store-" + std::to_string(i)},
                                {"junjo.workflow.parent_store.id", string_attribute(*workflow, "junjo.workflow.store.id")}}) {
        auto* kv = subflow.add_attributes();
        kv->set_key(key);
        kv->mutable_value()->set_string_value(value);
      }
      *scope->add_spans() = subflow;
    }
    index_by_trace[trace] = i;
    workflow_of[trace] = to_hex(workflow->span_id());
    spans += span_count_of(request);
    ASSERT_TRUE(client.send(request).ok());
  }
  ASSERT_TRUE(pipeline.wait_indexed(spans)) << pipeline.logs();
  ASSERT_TRUE(wait_complete(pipeline)) << pipeline.logs();

  int pages = 0;
  // A name's part, in another case, over pages of three: the four Greeter runs, newest first.
  auto greeters = every_run(pipeline, "service=runs-pager&name_contains=gREETER&limit=3", &pages);
  EXPECT_EQ(indexes_of(greeters, index_by_trace), (std::vector<int>{6, 4, 2, 0}));
  EXPECT_GE(pages, 2);
  for (const auto& run : greeters) EXPECT_EQ(run["name"], "Greeter Flow");
  // The exact name still means the exact name.
  EXPECT_EQ(every_run(pipeline, "name=Greeter%20Flow", &pages).size(), 4u);
  EXPECT_EQ(every_run(pipeline, "name=Greeter", &pages).size(), 0u);
  // Failed runs one at a time; with the name too.
  EXPECT_EQ(indexes_of(every_run(pipeline, "service=runs-pager&status=error&limit=1", &pages), index_by_trace), (std::vector<int>{6, 3, 0}));
  EXPECT_GE(pages, 3);
  EXPECT_EQ(indexes_of(every_run(pipeline, "status=error&name_contains=greet&limit=1", &pages), index_by_trace), (std::vector<int>{6, 0}));
  EXPECT_EQ(indexes_of(every_run(pipeline, "service=runs-pager&status=ok&limit=2", &pages), index_by_trace),
            (std::vector<int>{7, 5, 4, 2, 1}));
  EXPECT_EQ(every_run(pipeline, "name_contains=no-such-flow", &pages).size(), 0u);

  // Workflows by default; subflows when asked, each pointing at the run it ran in.
  auto workflows = every_run(pipeline, "service=runs-pager&limit=3", &pages);
  EXPECT_EQ(indexes_of(workflows, index_by_trace), (std::vector<int>{7, 6, 5, 4, 3, 2, 1, 0}));
  // A page that no single partition fills still has a next page when the partitions hold more between them.
  EXPECT_EQ(indexes_of(every_run(pipeline, "service=runs-pager&limit=5", &pages), index_by_trace), (std::vector<int>{7, 6, 5, 4, 3, 2, 1, 0}));
  for (const auto& run : workflows) EXPECT_FALSE(run.contains("parent_run_span_id")) << run.dump();
  auto subflows = every_run(pipeline, "service=runs-pager&type=subflow&name_contains=joke&limit=2", &pages);
  EXPECT_EQ(indexes_of(subflows, index_by_trace), (std::vector<int>{2, 1, 0}));
  for (const auto& run : subflows) {
    EXPECT_EQ(run["span_type"], "subflow");
    EXPECT_EQ(run["parent_run_span_id"], workflow_of.at(run["trace_id"].get<std::string>())) << run.dump();
    get_json(pipeline, "/api/v1/workflows/" + run["trace_id"].get<std::string>() + "/" + run["parent_run_span_id"].get<std::string>());
  }

  EXPECT_EQ(get_json(pipeline, "/api/v1/workflows?name_contains=" + std::string(1025, 'x'), 400)["error"]["code"], "invalid_argument");
}

TEST(ApiPartial, AStoppedIndexerMakesAnswersPartialUntilItReturns) {
  Pipeline pipeline(two_indexers_and_api());
  pipeline.start();
  OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  ASSERT_TRUE(client.send(client.make_request(40, 1, "partial-svc")).ok());
  ASSERT_TRUE(pipeline.wait_indexed(40)) << pipeline.logs();
  ASSERT_TRUE(wait_complete(pipeline)) << pipeline.logs();
  EXPECT_EQ(get_json(pipeline, "/api/v1/traces?service=partial-svc&limit=100")["traces"].size(), 40u);

  pipeline.indexer(1).stop();  // owns partitions 2 and 3
  json partial;
  ASSERT_TRUE(wait_until([&] {
    partial = get_json(pipeline, "/api/v1/traces?service=partial-svc&limit=100");
    return partial["partial"].get<bool>();
  }, 15s)) << partial.dump();
  EXPECT_EQ(partial["missing_partitions"], json::array({2, 3}));
  EXPECT_LT(partial["traces"].size(), 40u);
  EXPECT_GT(partial["traces"].size(), 0u);
  json health = get_json(pipeline, "/health", 200);  // indexer-1 still alive
  pipeline.indexer(0).stop();
  ASSERT_TRUE(wait_until([&] { return http_get(pipeline.api_port(), "/api/v1/traces", pipeline.signed_in()).status == 503; }, 15s));
  json none = get_json(pipeline, "/api/v1/traces", 503);
  EXPECT_EQ(none["error"]["code"], "unavailable");
  EXPECT_EQ(get_json(pipeline, "/health", 503)["required_stages_down"], json::array({"indexer"}));

  pipeline.start_indexer(0);
  pipeline.start_indexer(1);
  ASSERT_TRUE(wait_complete(pipeline)) << pipeline.logs();
  json whole = get_json(pipeline, "/api/v1/traces?service=partial-svc&limit=100");
  EXPECT_FALSE(whole["partial"].get<bool>());
  EXPECT_EQ(whole["traces"].size(), 40u);
}

TEST(ApiLiveTail, DeliversATraceSentAfterTheClientSubscribed) {
  Pipeline pipeline(two_indexers_and_api());
  pipeline.start();
  OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  ASSERT_TRUE(client.send(client.make_request(3, 1, "before-live")).ok());
  ASSERT_TRUE(pipeline.wait_indexed(3)) << pipeline.logs();
  ASSERT_TRUE(wait_complete(pipeline)) << pipeline.logs();
  SseReader live(pipeline.api_port(), "/api/v1/traces/live?service=live-svc", pipeline.session_cookie());
  ASSERT_EQ(live.status(), 200);
  ASSERT_EQ(live.wait_for("ready", 1, 5s).size(), 1u);
  auto request = client.make_request(2, 3, "live-svc");
  ASSERT_TRUE(client.send(client.make_request(2, 1, "other-svc")).ok());
  ASSERT_TRUE(client.send(request).ok());
  std::set<std::string> expected;
  for (const auto& [trace, span] : OtlpClient::keys_of(request)) expected.insert(trace);
  std::set<std::string> got;
  ASSERT_TRUE(wait_until([&] {
    for (const SseEvent& event : live.wait_for("trace", 1, 200ms)) {
      json trace = json::parse(event.data);
      EXPECT_EQ(trace["root_service"], "live-svc");
      got.insert(trace["trace_id"].get<std::string>());
    }
    return got == expected;
  }, 15s)) << got.size();
  // A refused subscription is a clean 400.
  EXPECT_EQ(http_get(pipeline.api_port(), "/api/v1/traces/live?limit=5", pipeline.signed_in()).status, 400);
}

}  // namespace
}  // namespace spanline::testing
