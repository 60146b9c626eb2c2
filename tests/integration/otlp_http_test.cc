// OTLP/HTTP against the real gateway with curl: the official OTLP/JSON example,
// gzip, and every way a request can be wrong, each with its precise status.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/junjo_fixture.h"
#include "tests/support/otlp_client.h"
#include "tests/support/otlp_json_data.h"
#include "tests/support/pipeline.h"
#include "tests/support/shared_data.h"

namespace spanline::testing {
namespace {

struct HttpAnswer {
  int status = 0;
  std::string headers;
  std::string body;
};

HttpAnswer run_curl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"curl", "-s", "-i", "--max-time", "20"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out;
  run_command(argv, &out);
  HttpAnswer answer;
  auto split = out.find("\r\n\r\n");
  answer.headers = out.substr(0, split);
  answer.body = split == std::string::npos ? "" : out.substr(split + 4);
  if (out.size() > 12) answer.status = std::stoi(out.substr(9, 3));
  return answer;
}

std::string write_file(const TempDir& dir, const std::string& name, const std::string& bytes) {
  std::string path = dir / name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

class OtlpHttp : public ::testing::Test {
 protected:
  void SetUp() override { pipeline.start(); }
  Pipeline pipeline{{.gateway_args = {"--max-request-bytes", "256KiB", "--wal-timeout", "1s"}}};
  TempDir files;
  std::string url(const std::string& path) { return pipeline.http_base() + path; }
  // curl with the pipeline's API key, as a configured exporter sends it.
  HttpAnswer curl(std::vector<std::string> args) {
    args.insert(args.begin(), {"-H", "x-junjo-api-key: " + pipeline.api_key()});
    return run_curl(args);
  }
};

// The official OTLP/JSON example when ../shared has it, else the project's own
// trace of the same shape; both write their ids in upper-case hex.
TEST_F(OtlpHttp, JsonTraceWithUpperCaseHexIdsIsAccepted) {
  std::string body;
  if (auto official = shared_file("fixtures/otlp/trace.json")) {
    body = *official;
  } else {
    body = write_file(files, "trace.json", to_otlp_json(example_trace_request(), {.upper_case_ids = true}));
  }
  nlohmann::json sent = load_json_file(body);
  auto answer = curl({"-X", "POST", "-H", "content-type: application/json", "--data-binary", "@" + body, url("/v1/traces")});
  ASSERT_EQ(answer.status, 200) << answer.headers << answer.body << pipeline.logs();
  auto lower = [](std::string hex) {
    for (char& c : hex) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return hex;
  };
  const auto& span = sent["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
  ASSERT_NE(span["traceId"].get<std::string>(), lower(span["traceId"])) << "the ids are meant to be upper case";
  auto spans = pipeline.wal_spans();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].trace_id, lower(span["traceId"]));
  EXPECT_EQ(spans[0].span_id, lower(span["spanId"]));
}

TEST_F(OtlpHttp, GzipProtobufIsAccepted) {
  OtlpClient maker(pipeline.grpc_target(), pipeline.api_key());
  auto request = maker.make_request(3, 4);
  std::string raw = write_file(files, "req.pb", request.SerializeAsString());
  ASSERT_EQ(run_command({"gzip", "-k", raw}), 0);
  auto answer = curl({"-X", "POST", "-H", "content-type: application/x-protobuf", "-H", "content-encoding: gzip",
                      "--data-binary", "@" + raw + ".gz", url("/v1/traces")});
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(pipeline.wal_spans().size(), 12u);
}

TEST_F(OtlpHttp, EachKindOfBadRequestGetsItsOwnStatusAndNothingIsLost) {
  OtlpClient maker(pipeline.grpc_target(), pipeline.api_key());
  auto first = maker.make_request(1, 2);
  std::string good = write_file(files, "good.pb", first.SerializeAsString());
  ASSERT_EQ(curl({"-X", "POST", "-H", "content-type: application/x-protobuf", "--data-binary", "@" + good, url("/v1/traces")}).status, 200);

  EXPECT_EQ(curl({url("/v1/nothing")}).status, 404);
  auto wrong_method = curl({"-X", "GET", url("/v1/traces")});
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_NE(wrong_method.headers.find("Allow: POST"), std::string::npos) << wrong_method.headers;
  EXPECT_EQ(curl({"-X", "POST", "-H", "content-type: text/plain", "--data", "hi", url("/v1/traces")}).status, 415);
  auto bad_json = curl({"-X", "POST", "-H", "content-type: application/json", "--data", "{\"resourceSpans\": [", url("/v1/traces")});
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_NE(bad_json.body.find("message"), std::string::npos) << bad_json.body;
  auto bad_proto = curl({"-X", "POST", "-H", "content-type: application/x-protobuf", "--data-binary",
                         "@" + write_file(files, "bad.pb", "\x0a\xff\xff\xff\xff\x0f garbage"), url("/v1/traces")});
  EXPECT_EQ(bad_proto.status, 400);
  auto bad_id = curl({"-X", "POST", "-H", "content-type: application/json", "--data",
                      R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz","spanId":"0102030405060708","name":"x"}]}]}]})",
                      url("/v1/traces")});
  EXPECT_EQ(bad_id.status, 400);
  EXPECT_NE(bad_id.body.find("traceId"), std::string::npos) << bad_id.body;
  auto too_big = curl({"-X", "POST", "-H", "content-type: application/x-protobuf", "--data-binary",
                       "@" + write_file(files, "big.pb", std::string(300 * 1024, 'x')), url("/v1/traces")});
  EXPECT_EQ(too_big.status, 413);

  auto keys = OtlpClient::keys_of(first);
  std::set<SpanKey> in_wal;
  for (const auto& span : pipeline.wal_spans()) in_wal.insert({span.trace_id, span.span_id});
  EXPECT_EQ(in_wal, keys);
  EXPECT_TRUE(pipeline.gateway().running());
}

TEST_F(OtlpHttp, WalDownMeans503WithRetryAfter) {
  pipeline.wal().kill_hard();
  OtlpClient maker(pipeline.grpc_target(), pipeline.api_key());
  std::string body = write_file(files, "req.pb", maker.make_request(1, 1).SerializeAsString());
  auto answer = curl({"-X", "POST", "-H", "content-type: application/x-protobuf", "--data-binary", "@" + body, url("/v1/traces")});
  EXPECT_EQ(answer.status, 503) << answer.body;
  EXPECT_NE(answer.headers.find("Retry-After"), std::string::npos) << answer.headers;
}

// The official examples when ../shared has them, else the project's own.
TEST_F(OtlpHttp, LogsAndMetricsJsonAreStoredAsReceived) {
  for (const char* kind : {"logs", "metrics"}) {
    std::string body;
    if (auto official = shared_file(std::string("fixtures/otlp/") + kind + ".json")) {
      body = *official;
    } else {
      body = write_file(files, std::string(kind) + ".json", kind == std::string("logs") ? example_logs_json() : example_metrics_json());
    }
    auto answer = curl({"-X", "POST", "-H", "content-type: application/json", "--data-binary", "@" + body,
                        url(std::string("/v1/") + kind)});
    EXPECT_EQ(answer.status, 200) << kind << answer.body;
  }
  std::string out;
  ASSERT_EQ(run_command({bin_path("spanline-wal"), "dump", "--data-dir", pipeline.data_dir()}, &out), 0);
  EXPECT_NE(out.find("\"kind\":\"logs\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"kind\":\"metrics\""), std::string::npos) << out;
}

}  // namespace
}  // namespace spanline::testing
