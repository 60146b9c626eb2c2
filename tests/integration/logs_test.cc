// Log records through the real pipeline: the OpenTelemetry JavaScript SDK's
// logs SDK and OTLP logs exporters (gRPC and HTTP JSON) and a project-made
// protobuf request (HTTP protobuf) send logs correlated to a span; the api
// shows them with the span and finds them by severity, text, attribute and
// trace; a replay of the whole WAL (the shards' cursors set back, the indexer
// restarted) keeps one row per record; an undecodable logs entry is passed
// over and counted, and the entries after it are indexed.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "base/sqlite/sqlite_db.h"
#include "bus/request_client.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "tests/support/http_client.h"
#include "tests/support/pipeline.h"

namespace spanline::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

std::string script() { return std::string(SPANLINE_SOURCE_DIR) + "/tests/js/otel-logs.mjs"; }

class LogsPipeline : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pipeline_ = new Pipeline({.indexers = {""}, .api = true});
    pipeline_->start();
    ASSERT_TRUE(pipeline_->wait_api_complete()) << pipeline_->logs();
  }
  static void TearDownTestSuite() {
    delete pipeline_;
    pipeline_ = nullptr;
  }
  Pipeline& pipeline() { return *pipeline_; }
  json get(const std::string& target, int expect_status = 200) {
    HttpResponse answer;
    try {
      answer = http_get(pipeline_->api_port(), target, pipeline_->signed_in());
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what() << " (api running: " << pipeline_->api().running() << ")\n" << pipeline_->logs();
      return json::object();
    }
    EXPECT_EQ(answer.status, expect_status) << target << ": " << answer.body;
    json body = json::parse(answer.body, nullptr, false);
    return body.is_discarded() ? json::object() : body;
  }
  // The records of a trace (or span) once `count` of them are indexed.
  json trace_logs(const std::string& trace, const std::string& span, size_t count) {
    json body;
    const std::string target = "/api/v1/traces/" + trace + "/logs" + (span.empty() ? "" : "?span_id=" + span);
    wait_until([&] {
      body = get(target);
      return body.value("logs", json::array()).size() >= count;
    }, 30s);
    return body;
  }
  // Sends with the JS SDK; the span's ids.
  std::pair<std::string, std::string> send_with_js(const std::string& protocol, const std::string& service) {
    const std::string endpoint = protocol == "grpc" ? "http://" + pipeline_->grpc_target() : pipeline_->http_base();
    std::string out;
    int rc = run_command({"node", script(), "--protocol", protocol, "--endpoint", endpoint, "--service", service, "--header",
                          "x-junjo-api-key=" + pipeline_->api_key()},
                         &out);
    EXPECT_EQ(rc, 0) << out << pipeline_->logs();
    json result = json::parse(out, nullptr, false);
    EXPECT_FALSE(result.is_discarded()) << out;
    if (result.is_discarded()) return {};
    EXPECT_EQ(result.value("log_count", 0), 4) << out;
    return {result.value("trace_id", ""), result.value("span_id", "")};
  }
  int64_t log_rows() { return pipeline_->shard_sum("SELECT count(*) FROM log_records"); }

  static Pipeline* pipeline_;
};
Pipeline* LogsPipeline::pipeline_ = nullptr;

class LogsFromTheJsSdk : public LogsPipeline, public ::testing::WithParamInterface<std::string> {};

TEST_P(LogsFromTheJsSdk, AreShownWithTheirSpanAndFoundBySeverityTextAttributeAndTrace) {
  ASSERT_TRUE(std::filesystem::exists(std::string(SPANLINE_SOURCE_DIR) + "/tests/js/node_modules/@opentelemetry/sdk-logs"))
      << "run 'make test' (it installs tests/js with npm ci)";
  const std::string service = "logs-" + GetParam();
  auto [trace, span] = send_with_js(GetParam(), service);
  ASSERT_EQ(trace.size(), 32u);

  // The span's records, oldest first: the log line, the operation details, the evaluation.
  json mine = trace_logs(trace, span, 3);
  const json logs = mine.value("logs", json::array());
  ASSERT_EQ(logs.size(), 3u) << mine.dump();
  EXPECT_EQ(mine["truncated"], false);
  EXPECT_EQ(mine["partial"], false);
  for (const json& log : logs) {
    EXPECT_EQ(log["trace_id"], trace);
    EXPECT_EQ(log["span_id"], span);
    EXPECT_EQ(log["service"], service);
    EXPECT_EQ(log["log_id"].get<std::string>().size(), 32u);
    EXPECT_EQ(log["scope"]["name"], "spanline-otel-logs");
  }
  EXPECT_EQ(logs[0]["severity_number"], 13);
  EXPECT_EQ(logs[0]["severity_text"], "WARN");
  EXPECT_EQ(logs[0]["body"], "upstream latency high: retrying the completion");
  EXPECT_EQ(logs[0]["attributes"]["retry.attempt"], 2);
  EXPECT_EQ(logs[1]["event_name"], "gen_ai.client.inference.operation.details");
  EXPECT_NE(logs[1]["attributes"]["gen_ai.input.messages"].get<std::string>().find("capital of France"), std::string::npos);
  EXPECT_EQ(logs[2]["event_name"], "gen_ai.evaluation.result");
  EXPECT_EQ(logs[2]["attributes"]["gen_ai.evaluation.score.value"], 0.92);
  EXPECT_EQ(logs[2]["attributes"]["gen_ai.evaluation.name"], "relevance");
  EXPECT_EQ(logs[2]["resource"]["service.name"], service);
  // The whole trace: the same three (the fourth record has no trace).
  EXPECT_EQ(trace_logs(trace, "", 3)["logs"].size(), 3u);

  // The search: the service's records newest first, all four.
  json all = get("/api/v1/logs?service=" + service);
  ASSERT_EQ(all["logs"].size(), 4u) << all.dump();
  EXPECT_EQ(all["partial"], false);
  EXPECT_EQ(all["next_cursor"], nullptr);
  for (size_t i = 1; i < all["logs"].size(); ++i) EXPECT_GE(all["logs"][i - 1]["time_ns"], all["logs"][i]["time_ns"]);
  json untraced;
  for (const json& log : all["logs"]) {
    if (log["trace_id"] == "") untraced = log;
  }
  EXPECT_EQ(untraced["body"], json({{"message", "cache node unreachable"}, {"node", "c-7"}}));
  EXPECT_EQ(untraced["severity_number"], 17);
  // Severity at least warn: the warning and the error.
  json warn = get("/api/v1/logs?service=" + service + "&severity=warn");
  EXPECT_EQ(warn["logs"].size(), 2u) << warn.dump();
  EXPECT_EQ(get("/api/v1/logs?service=" + service + "&severity=17")["logs"].size(), 1u);
  // Full text: in the body, and in an attribute's value.
  EXPECT_EQ(get("/api/v1/logs?service=" + service + "&q=latency%20high")["logs"].size(), 1u);
  json capital = get("/api/v1/logs?service=" + service + "&q=capital%20of%20France");
  ASSERT_EQ(capital["logs"].size(), 1u);
  EXPECT_EQ(capital["logs"][0]["event_name"], "gen_ai.client.inference.operation.details");
  EXPECT_EQ(get("/api/v1/logs?service=" + service + "&q=unreachable")["logs"].size(), 1u);
  // Attributes: equal as text, and compared as numbers.
  EXPECT_EQ(get("/api/v1/logs?service=" + service + "&attr=gen_ai.evaluation.name:relevance")["logs"].size(), 1u);
  EXPECT_EQ(get("/api/v1/logs?service=" + service + "&attr=http.status_code:503")["logs"].size(), 1u);
  EXPECT_EQ(get("/api/v1/logs?service=" + service + "&attr=gen_ai.evaluation.score.value>0.9")["logs"].size(), 1u);
  EXPECT_EQ(get("/api/v1/logs?service=" + service + "&attr=gen_ai.evaluation.score.value>0.95")["logs"].size(), 0u);
  // The trace and the event name.
  EXPECT_EQ(get("/api/v1/logs?trace_id=" + trace)["logs"].size(), 3u);
  EXPECT_EQ(get("/api/v1/logs?service=" + service + "&event_name=gen_ai.evaluation.result")["logs"].size(), 1u);
  // Pages of one, by cursor: the same four, in the same order, each once.
  std::vector<std::string> paged;
  std::string cursor;
  for (int page = 0; page < 6; ++page) {
    json body = get("/api/v1/logs?service=" + service + "&limit=1" + (cursor.empty() ? "" : "&cursor=" + cursor));
    for (const json& log : body["logs"]) paged.push_back(log["log_id"]);
    if (body["next_cursor"].is_null()) break;
    cursor = body["next_cursor"];
  }
  std::vector<std::string> whole;
  for (const json& log : all["logs"]) whole.push_back(log["log_id"]);
  EXPECT_EQ(paged, whole);
  // Bad parameters are named.
  get("/api/v1/logs?severity=loud", 400);
  get("/api/v1/logs?q=ab", 400);
  get("/api/v1/logs?trace_id=123", 400);
  get("/api/v1/logs?cursor=nope", 400);
  get("/api/v1/logs?colour=red", 400);
  get("/api/v1/traces/" + trace + "/logs?span_id=xyz", 400);
}

INSTANTIATE_TEST_SUITE_P(Protocols, LogsFromTheJsSdk, ::testing::Values("grpc", "http-json"),
                         [](const auto& info) { return info.param == "grpc" ? std::string("grpc") : std::string("http_json"); });

// A logs request made here: service "logs-proto", `count` records with bodies "line <i>", in one trace.
opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest logs_request(int count, const std::string& trace_id) {
  opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest request;
  auto* resource = request.add_resource_logs();
  auto* name = resource->mutable_resource()->add_attributes();
  name->set_key("service.name");
  name->mutable_value()->set_string_value("logs-proto");
  auto* scope = resource->add_scope_logs();
  for (int i = 0; i < count; ++i) {
    auto* record = scope->add_log_records();
    record->set_time_unix_nano(1'700'000'000'000'000'000ULL + static_cast<uint64_t>(i));
    record->set_severity_text("info");
    record->mutable_body()->set_string_value("line " + std::to_string(i));
    record->set_trace_id(trace_id);
  }
  return request;
}

TEST_F(LogsPipeline, AnUndecodableLogsEntryIsPassedOverAndTheNextIsIndexed) {
  bus::Context context;
  bus::RequestClient wal(context, bus::ClientOptions{.endpoint = "ipc://" + pipeline().data_dir() + "/run/wal.sock"});
  bus::Header header = bus::make_header(bus::MessageType::append);
  header.partition = 1;
  header.kind = static_cast<uint8_t>(bus::SignalKind::logs);
  header.count = 1;
  std::vector<zmq::message_t> payload;
  const std::string bad = "\x0a\x05\x12\x03\x12\xff\xff not OTLP logs";
  payload.emplace_back(bad.data(), bad.size());
  ASSERT_TRUE(wal.call(header, std::move(payload), {.timeout = 3s}).is_ok());
  // Then logs as a client sends them, protobuf over HTTP.
  const std::string trace_id(16, '\x42');
  HttpResponse sent = http_request(pipeline().http_port(), "POST", "/v1/logs",
                                   {{"Content-Type", "application/x-protobuf"}, {"x-junjo-api-key", pipeline().api_key()}},
                                   logs_request(3, trace_id).SerializeAsString(), 20s);
  ASSERT_EQ(sent.status, 200) << sent.body;
  json logs = trace_logs("42424242424242424242424242424242", "", 3);
  ASSERT_EQ(logs["logs"].size(), 3u) << logs.dump() << pipeline().indexer(0).log();
  EXPECT_EQ(logs["logs"][0]["body"], "line 0");
  EXPECT_EQ(logs["logs"][0]["severity_number"], 9) << "read from the severity text";
  EXPECT_NE(pipeline().indexer(0).log().find("WAL entry does not decode; recorded and passed over"), std::string::npos);
  EXPECT_NE(pipeline().indexer(0).log().find("ExportLogsServiceRequest"), std::string::npos);
}

TEST_F(LogsPipeline, AReplayOfTheWholeWalKeepsOneRowPerRecord) {
  const std::string trace_id(16, '\x37');
  HttpResponse sent = http_request(pipeline().http_port(), "POST", "/v1/logs",
                                   {{"Content-Type", "application/x-protobuf"}, {"x-junjo-api-key", pipeline().api_key()}},
                                   logs_request(5, trace_id).SerializeAsString(), 20s);
  ASSERT_EQ(sent.status, 200) << sent.body;
  ASSERT_EQ(trace_logs("37373737373737373737373737373737", "", 5)["logs"].size(), 5u);
  const int64_t before = log_rows();
  ASSERT_GE(before, 5);
  const int64_t cursors = pipeline().shard_sum("SELECT coalesce(sum(sequence), 0) FROM cursor");
  // Stop the indexer, set every shard's cursor back to the start, start it again: it reads the whole WAL again.
  pipeline().indexer(0).stop();
  for (uint32_t p = 0; p < pipeline().partitions(); ++p) {
    const std::string path = pipeline().data_dir() + "/index/part-" + std::to_string(p) + ".sqlite";
    if (!std::filesystem::exists(path)) continue;
    auto db = Database::open(path);
    ASSERT_TRUE(db.is_ok()) << db.status().to_string();
    ASSERT_TRUE((*db)->exec("UPDATE cursor SET sequence = 0").is_ok());
  }
  ASSERT_EQ(pipeline().shard_sum("SELECT coalesce(sum(sequence), 0) FROM cursor"), 0);
  pipeline().start_indexer(0);
  EXPECT_TRUE(wait_until([&] { return pipeline().shard_sum("SELECT coalesce(sum(sequence), 0) FROM cursor") >= cursors; }, 30s))
      << "every shard read the WAL through again\n" << pipeline().indexer(0).log();
  EXPECT_EQ(log_rows(), before);
  EXPECT_EQ(pipeline().shard_sum("SELECT count(*) FROM log_text"), before);
  EXPECT_EQ(trace_logs("37373737373737373737373737373737", "", 5)["logs"].size(), 5u);
}

}  // namespace
}  // namespace spanline::testing
