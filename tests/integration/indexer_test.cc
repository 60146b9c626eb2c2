// gateway -> wal -> indexers as real processes: what clients send arrives in the
// SQLite shards with every field right, Junjo runs and their state steps come
// out in order, and the index content does not depend on how many indexers
// share the partitions.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "base/hex.h"
#include "stages/indexer/shard.h"
#include "stages/indexer/span_body/body_store.h"
#include "tests/support/junjo_fixture.h"
#include "tests/support/junjo_workflow.h"
#include "tests/support/otlp_client.h"
#include "tests/support/otlp_json_data.h"
#include "tests/support/pipeline.h"
#include "tests/support/shared_data.h"
#include "tests/unit/indexer/attribute_postings.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

// Every row of a one-column-per-value query, over all shards, as strings.
// Span rows' texts are compressed (stages/indexer/span_body/): the SQL reads them with span_body_text().
std::vector<std::vector<std::string>> rows(const Pipeline& pipeline, const std::string& sql, int columns) {
  indexer::span_body::register_sql_function_everywhere();
  std::vector<std::vector<std::string>> out;
  for (uint32_t p = 0; p < pipeline.partitions(); ++p) {
    auto db = Database::open(indexer::shard_path(pipeline.data_dir(), p), true);
    if (!db) continue;
    auto statement = (*db)->prepare(sql);
    if (!statement) throw std::runtime_error(statement.status().to_string());
    while (true) {
      auto row = statement->step();
      if (!row.is_ok() || !*row) break;
      std::vector<std::string> values;
      for (int c = 0; c < columns; ++c) values.push_back(statement->column_text(c));
      out.push_back(std::move(values));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The attribute postings under `key` over all shards, of `value` (a text, or a condition on numbers) as
// `count` reads them (tests/unit/indexer/attribute_postings.h).
template <typename Count>
int64_t postings(const Pipeline& pipeline, Count count, const std::string& key, const std::string& value) {
  int64_t total = 0;
  for (uint32_t p = 0; p < pipeline.partitions(); ++p) {
    auto db = Database::open(indexer::shard_path(pipeline.data_dir(), p), true);
    if (db) total += count(**db, key, value);
  }
  return total;
}

TEST(Indexer, OtelJsSpansArriveWithEveryFieldRight) {
  Pipeline pipeline({.indexers = {"0-3"}});
  pipeline.start();
  std::string out;
  ASSERT_EQ(run_command({"node", std::string(SPANLINE_SOURCE_DIR) + "/tests/js/otel-send.mjs", "--endpoint",
                         "http://" + pipeline.grpc_target(), "--traces", "6", "--spans-per-trace", "4", "--service", "js-svc",
                         "--header", "x-junjo-api-key=" + pipeline.api_key()},
                        &out),
            0)
      << out;
  ASSERT_TRUE(pipeline.wait_indexed(24)) << pipeline.logs();
  EXPECT_EQ(pipeline.shard_sum("SELECT count(*) FROM traces"), 6);
  EXPECT_EQ(pipeline.shard_sum("SELECT count(*) FROM traces WHERE span_count = 4 AND root_name = 'workflow run'"), 6);
  EXPECT_EQ(pipeline.shard_sum("SELECT count(*) FROM spans WHERE service = 'js-svc' AND kind = 2 AND parent_span_id IS NULL"), 6);
  // Traces 0 and 3 end with an ERROR span (the sender marks every third).
  EXPECT_EQ(pipeline.shard_sum("SELECT count(*) FROM traces WHERE error_count = 1"), 2);
  EXPECT_EQ(pipeline.shard_sum("SELECT count(*) FROM spans WHERE status_code = 2 AND status_message = 'boom'"), 2);
  // Typed attributes: an int or a bool compares as a number (and is found by its text), an array by its JSON text only.
  EXPECT_EQ(postings(pipeline, &indexer::test::number_postings, "http.status_code", "number = 200"), 6);
  EXPECT_EQ(postings(pipeline, &indexer::test::value_postings, "http.status_code", "200"), 6);
  EXPECT_EQ(postings(pipeline, &indexer::test::number_postings, "gen_ai.usage.input_tokens", "number > 250"), 6);
  EXPECT_EQ(postings(pipeline, &indexer::test::number_postings, "flags.enabled", "number = 1"), 6);
  EXPECT_EQ(postings(pipeline, &indexer::test::value_postings, "flags.enabled", "true"), 6);
  EXPECT_EQ(postings(pipeline, &indexer::test::value_postings, "tags", "[\"a\",\"b\"]"), 6);
  EXPECT_EQ(postings(pipeline, &indexer::test::number_postings, "tags", "1"), 0);
  EXPECT_EQ(pipeline.shard_sum("SELECT count(*) FROM attribute_values v JOIN attribute_keys k ON k.key_id = v.key_id "
                               "WHERE k.key = 'junjo.store.action' AND k.on_event = 1"),
            18);
  // Operations and resources are per shard; across shards they are the union.
  auto operations = rows(pipeline, "SELECT name FROM operations WHERE service = 'js-svc'", 1);
  EXPECT_EQ(std::set(operations.begin(), operations.end()).size(), 4u);
  auto resources = rows(pipeline, "SELECT DISTINCT span_body_text(body, 'resource') FROM spans", 1);
  std::set distinct_resources(resources.begin(), resources.end());
  ASSERT_EQ(distinct_resources.size(), 1u);
  EXPECT_EQ(json::parse((*distinct_resources.begin())[0])["deployment.environment"], "test");
  // Every span the SDK saw acknowledged is in the index.
  auto acked = json::parse(out)["acked"];
  auto indexed = rows(pipeline, "SELECT lower(hex(trace_id)), lower(hex(span_id)) FROM spans", 2);
  std::set<std::vector<std::string>> indexed_set(indexed.begin(), indexed.end());
  for (const auto& span : acked) EXPECT_TRUE(indexed_set.contains({span["trace_id"], span["span_id"]})) << span.dump();
}

// The official OTLP/JSON example when ../shared has it, else the project's own
// trace of the same shape; what is checked is read from the JSON that was sent.
TEST(Indexer, OtlpJsonTraceIsIndexedWithItsScopeAndAttributes) {
  Pipeline pipeline({.indexers = {"0-3"}});
  pipeline.start();
  TempDir files;
  std::string path = files / "trace.json";
  if (auto official = shared_file("fixtures/otlp/trace.json")) {
    path = *official;
  } else {
    std::ofstream(path) << to_otlp_json(example_trace_request(), {.upper_case_ids = true});
  }
  json sent = load_json_file(path);
  std::string out;
  ASSERT_EQ(run_command({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-H", "content-type: application/json",
                         "-H", "x-junjo-api-key: " + pipeline.api_key(),
                         "--data-binary", "@" + path, pipeline.http_base() + "/v1/traces"},
                        &out),
            0);
  ASSERT_EQ(out, "200");
  ASSERT_TRUE(pipeline.wait_indexed(1)) << pipeline.logs();
  auto lower = [](std::string hex) {
    for (char& c : hex) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return hex;
  };
  const json& resource = sent["resourceSpans"][0]["resource"];
  const json& scope = sent["resourceSpans"][0]["scopeSpans"][0]["scope"];
  const json& expected = sent["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
  ASSERT_EQ(sent["resourceSpans"][0]["scopeSpans"][0]["spans"].size(), 1u);
  ASSERT_EQ(resource["attributes"][0]["key"], "service.name");
  auto span = rows(pipeline, "SELECT lower(hex(trace_id)), lower(hex(span_id)), lower(hex(parent_span_id)), service, scope_name, scope_version, span_body_text(body, 'attributes'), span_body_text(body, 'scope'), kind FROM spans", 9);
  ASSERT_EQ(span.size(), 1u);
  EXPECT_EQ(span[0][0], lower(expected["traceId"]));
  EXPECT_EQ(span[0][1], lower(expected["spanId"]));
  EXPECT_EQ(span[0][2], lower(expected["parentSpanId"]));
  EXPECT_EQ(span[0][3], resource["attributes"][0]["value"]["stringValue"]);
  EXPECT_EQ(span[0][4], scope["name"]);
  EXPECT_EQ(span[0][5], scope["version"]);
  const json& span_attribute = expected["attributes"][0];
  EXPECT_EQ(json::parse(span[0][6])[span_attribute["key"].get<std::string>()], span_attribute["value"]["stringValue"]);
  const json& scope_attribute = scope["attributes"][0];
  EXPECT_EQ(json::parse(span[0][7])["attributes"][scope_attribute["key"].get<std::string>()], scope_attribute["value"]["stringValue"]);
  EXPECT_EQ(span[0][8], std::to_string(expected["kind"].get<int>()));
}

// A Junjo contract v2 run: one of Junjo's own fixtures in ../shared/fixtures/junjo
// (skipped without it), or one the project makes (junjo_workflow.h).
ExportTraceServiceRequest junjo_run_request(const std::string& name) {
  if (name == "project_workflow") return junjo_workflow_request();
  if (name == "project_concurrent_workflow") return junjo_concurrent_workflow_request();
  return junjo_fixture_request(load_json_file(*shared_file("fixtures/junjo/" + name + ".json")));
}

class JunjoRun : public ::testing::TestWithParam<std::string> {};

// Each run, sent through the gateway: its runs, and the state after replaying
// every step on the start state equals the end state it records.
TEST_P(JunjoRun, RunsAndStateStepsComeOutInOrder) {
  if (GetParam().rfind("project_", 0) != 0) SPANLINE_SKIP_WITHOUT_SHARED("fixtures/junjo/" + GetParam() + ".json");
  Pipeline pipeline({.indexers = {"0,1", "2,3"}});
  pipeline.start();
  ExportTraceServiceRequest request = junjo_run_request(GetParam());
  OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  ASSERT_TRUE(client.send(request).ok());
  ASSERT_TRUE(pipeline.wait_indexed(span_count_of(request))) << pipeline.logs();

  std::map<std::string, opentelemetry::proto::trace::v1::Span> workflow_spans;  // span id -> span sent
  for (const auto& scope_spans : request.resource_spans(0).scope_spans()) {
    for (const auto& s : scope_spans.spans()) {
      std::string type = string_attribute(s, "junjo.span_type");
      if (type == "workflow" || type == "subflow") workflow_spans[to_hex(s.span_id())] = s;
    }
  }
  ASSERT_FALSE(workflow_spans.empty());
  auto runs = rows(pipeline,
                   "SELECT lower(hex(span_id)), span_type, contract_version, graph_format, store_id, state_start, state_end, "
                   "state_change_count, service FROM workflow_runs",
                   9);
  ASSERT_EQ(runs.size(), workflow_spans.size());
  for (const auto& run : runs) {
    const auto& expected = workflow_spans.at(run[0]);
    EXPECT_EQ(run[1], string_attribute(expected, "junjo.span_type"));
    EXPECT_EQ(run[2], "2");
    EXPECT_EQ(run[3], string_attribute(expected, "junjo.workflow.execution_graph_snapshot").empty() ? "" : "v2-execution_graph_snapshot");
    EXPECT_EQ(run[8], service_name_of(request));
    EXPECT_EQ(json::parse(run[6]), json::parse(string_attribute(expected, "junjo.workflow.state.end")));
    // Replay: the run's steps ordered by transition sequence, applied to the start state.
    auto steps = rows(pipeline,
                      "SELECT printf('%020d', coalesce(transition_sequence, 0)), printf('%020d', time_ns), patch FROM state_changes "
                      "WHERE store_id = '" + run[4] + "'",
                      3);
    EXPECT_EQ(std::to_string(steps.size()), run[7]);
    json state = json::parse(run[5]);
    for (const auto& step : steps) {
      json patch = json::parse(step[2]);
      if (patch.is_array()) state = state.patch(patch);
    }
    EXPECT_EQ(state, json::parse(run[6])) << "replaying " << steps.size() << " steps of run " << run[0];
  }
}

INSTANTIATE_TEST_SUITE_P(Contract2, JunjoRun,
                         ::testing::Values("basic_workflow_success", "subflow_with_parent_store", "run_concurrent_success",
                                           "project_workflow", "project_concurrent_workflow"),
                         [](const ::testing::TestParamInfo<std::string>& run) { return run.param; });

// A contract v1 workflow (SDK 0.61): junjo.id / junjo.parent_id, a graph_structure, set_state events
// with "{}" for no change, a subflow with its own store, and events that arrive out of order.
TEST(Indexer, JunjoContractV1WorkflowWithSubflowIsUnderstood) {
  Pipeline pipeline({.indexers = {"0-3"}});
  pipeline.start();
  OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
  auto* resource = request.add_resource_spans();
  auto* service = resource->mutable_resource()->add_attributes();
  service->set_key("service.name");
  service->mutable_value()->set_string_value("junjo-v1-app");
  auto* scope = resource->add_scope_spans();
  scope->mutable_scope()->set_name("junjo");
  std::string trace_id = *from_hex("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1");
  auto add = [&](const std::string& span_hex, const std::string& parent_hex, const std::string& name, const std::string& type,
                 int64_t start_ms) {
    auto* span = scope->add_spans();
    span->set_trace_id(trace_id);
    span->set_span_id(*from_hex(span_hex));
    if (!parent_hex.empty()) span->set_parent_span_id(*from_hex(parent_hex));
    span->set_name(name);
    span->set_start_time_unix_nano(static_cast<uint64_t>(1'700'000'000'000 + start_ms) * 1'000'000);
    span->set_end_time_unix_nano(static_cast<uint64_t>(1'700'000'000'000 + start_ms + 50) * 1'000'000);
    auto attr = [span](const std::string& key, const std::string& value) {
      auto* kv = span->add_attributes();
      kv->set_key(key);
      kv->mutable_value()->set_string_value(value);
    };
    attr("junjo.span_type", type);
    attr("junjo.id", name + "-id");
    return std::make_pair(span, attr);
  };
  auto event = [](opentelemetry::proto::trace::v1::Span* span, int64_t ms, const std::string& store, const std::string& patch) {
    auto* e = span->add_events();
    e->set_name("set_state");
    e->set_time_unix_nano(static_cast<uint64_t>(1'700'000'000'000 + ms) * 1'000'000);
    for (auto [k, v] : {std::pair<std::string, std::string>{"junjo.store.id", store}, {"junjo.store.name", "AppState"},
                        {"junjo.store.action", "set"}, {"junjo.state_json_patch", patch}}) {
      auto* kv = e->add_attributes();
      kv->set_key(k);
      kv->mutable_value()->set_string_value(v);
    }
  };
  auto [workflow, workflow_attr] = add("b000000000000001", "", "app_workflow", "workflow", 0);
  workflow_attr("junjo.workflow.store.id", "store-main");
  workflow_attr("junjo.workflow.state.start", R"({"count":0,"items":[]})");
  workflow_attr("junjo.workflow.state.end", R"({"count":2,"items":["x"]})");
  workflow_attr("junjo.workflow.graph_structure", R"({"v":1,"nodes":[{"id":"n1","type":"A","label":"A"}],"edges":[]})");
  auto [node2, node2_attr] = add("b000000000000003", "b000000000000001", "node_b", "node", 200);
  node2_attr("junjo.parent_id", "app_workflow-id");
  event(node2, 210, "store-main", R"([{"op":"add","path":"/items/-","value":"x"}])");
  event(node2, 220, "store-main", R"([{"op":"replace","path":"/count","value":2}])");
  auto [node1, node1_attr] = add("b000000000000002", "b000000000000001", "node_a", "node", 100);
  node1_attr("junjo.parent_id", "app_workflow-id");
  event(node1, 110, "store-main", R"([{"op":"replace","path":"/count","value":1}])");
  event(node1, 120, "store-main", "{}");
  auto [subflow, subflow_attr] = add("b000000000000004", "b000000000000001", "sub", "subflow", 300);
  subflow_attr("junjo.workflow.store.id", "store-sub");
  subflow_attr("junjo.workflow.parent_store.id", "store-main");
  subflow_attr("junjo.workflow.state.start", R"({"done":false})");
  subflow_attr("junjo.workflow.state.end", R"({"done":true})");
  event(subflow, 310, "store-sub", R"([{"op":"replace","path":"/done","value":true}])");
  ASSERT_TRUE(client.send(request).ok());
  ASSERT_TRUE(pipeline.wait_indexed(4)) << pipeline.logs();
  auto runs = rows(pipeline, "SELECT name, span_type, contract_version, graph_format, state_change_count, parent_store_id FROM workflow_runs", 6);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0], (std::vector<std::string>{"app_workflow", "workflow", "1", "v1-graph_structure", "4", ""}));
  EXPECT_EQ(runs[1], (std::vector<std::string>{"sub", "subflow", "1", "", "1", "store-main"}));
  // v1 has no transition sequence: event time orders the steps.
  auto steps = rows(pipeline, "SELECT printf('%020d', time_ns), patch FROM state_changes WHERE store_id = 'store-main'", 2);
  json state = json::parse(R"({"count":0,"items":[]})");
  for (const auto& step : steps) {
    json patch = json::parse(step[1]);
    if (patch.is_array()) state = state.patch(patch);
  }
  EXPECT_EQ(state, json::parse(R"({"count":2,"items":["x"]})"));
  EXPECT_EQ(pipeline.shard_sum("SELECT count(*) FROM traces WHERE root_name = 'app_workflow' AND span_count = 4"), 1);
}

TEST(Indexer, OneIndexerOverFourPartitionsAndTwoOverTwoBuildTheSameIndex) {
  std::vector<std::vector<std::string>> contents[2];
  OtlpClient maker("127.0.0.1:1");
  std::vector<opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest> requests;
  for (int i = 0; i < 8; ++i) requests.push_back(maker.make_request(10, 5));
  for (int layout = 0; layout < 2; ++layout) {
    Pipeline pipeline({.indexers = layout == 0 ? std::vector<std::string>{"0-3"} : std::vector<std::string>{"0,1", "2,3"}});
    pipeline.start();
    OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
    for (const auto& request : requests) ASSERT_TRUE(client.send(request).ok());
    ASSERT_TRUE(pipeline.wait_indexed(400)) << pipeline.logs();
    contents[layout] = rows(pipeline,
                            "SELECT hex(trace_id), hex(span_id), name, service, start_ns, span_body_text(body, 'attributes') FROM spans UNION ALL "
                            "SELECT hex(trace_id), span_count, root_name, services, start_ns, end_ns FROM traces",
                            6);
  }
  EXPECT_EQ(contents[0].size(), 480u);
  EXPECT_EQ(contents[0], contents[1]);
}

TEST(Indexer, ReindexEqualsTheLiveIndexAndADeletedServiceStaysDeleted) {
  Pipeline pipeline({.indexers = {"0-3"}});
  pipeline.start();
  OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(client.send(client.make_request(8, 4, "keep-me")).ok());
    ASSERT_TRUE(client.send(client.make_request(2, 3, "delete-me")).ok());
  }
  ASSERT_TRUE(pipeline.wait_indexed(190)) << pipeline.logs();
  const std::string content_sql =
      "SELECT hex(trace_id), hex(span_id), name, service, span_body_text(body, 'attributes'), span_body_text(body, 'events') FROM spans UNION ALL "
      "SELECT hex(trace_id), span_count, root_name, services, start_ns, error_count FROM traces UNION ALL "
      // Attribute postings by key: their numbers, and how many values and distinct values (hashes differ: a seed per shard).
      "SELECT k.key, k.on_event, n.number, count(*), '', '' FROM attribute_numbers n JOIN attribute_keys k ON k.key_id = n.key_id "
      "GROUP BY 1, 2, 3 UNION ALL "
      "SELECT k.key, k.on_event, count(*), count(DISTINCT v.value_hash), '', '' FROM attribute_values v "
      "JOIN attribute_keys k ON k.key_id = v.key_id GROUP BY 1, 2 UNION ALL "
      "SELECT hex(trace_id), hex(span_id), model_group, service, start_ns, kind FROM llm_calls";
  auto live = rows(pipeline, content_sql, 6);
  pipeline.indexer(0).stop();
  std::string out;
  ASSERT_EQ(run_command({bin_path("spanline"), "reindex", "--data-dir", pipeline.data_dir()}, &out), 0) << out;
  EXPECT_NE(out.find("190 spans"), std::string::npos) << out;
  EXPECT_EQ(rows(pipeline, content_sql, 6), live);

  ASSERT_EQ(run_command({bin_path("spanline"), "delete", "--service", "delete-me", "--data-dir", pipeline.data_dir()}, &out), 0) << out;
  EXPECT_EQ(pipeline.shard_sum("SELECT count(*) FROM spans WHERE service = 'delete-me'"), 0);
  EXPECT_EQ(pipeline.shard_sum("SELECT count(*) FROM spans"), 160);
  ASSERT_EQ(run_command({bin_path("spanline"), "reindex", "--data-dir", pipeline.data_dir()}, &out), 0) << out;
  EXPECT_EQ(pipeline.shard_sum("SELECT count(*) FROM spans WHERE service = 'delete-me'"), 0) << "the WAL does not bring it back";
  EXPECT_EQ(pipeline.shard_sum("SELECT count(*) FROM spans"), 160);
  EXPECT_EQ(pipeline.shard_sum("SELECT count(*) FROM traces"), 40);
  EXPECT_EQ(pipeline.shard_sum("SELECT count(*) FROM llm_calls"), 160) << "every span sent is an LLM call (llm.model_name)";
}

TEST(Indexer, ASecondIndexerClaimingAnOwnedPartitionIsRefused) {
  Pipeline pipeline({.indexers = {"0-3", "1"}});
  pipeline.start_wal();
  pipeline.start_gateway();
  pipeline.start_indexer(0);
  OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  ASSERT_TRUE(client.send(client.make_request(4, 2)).ok());
  ASSERT_TRUE(pipeline.wait_indexed(8));
  pipeline.start_indexer(1);
  ASSERT_TRUE(wait_until([&] { return pipeline.indexer(1).log().find("is owned by indexer-1") != std::string::npos; }, 10s))
      << pipeline.logs();
  EXPECT_EQ(pipeline.shard_sum("SELECT count(*) FROM spans"), 8);
}

}  // namespace
}  // namespace spanline::testing
