// The rows of docs/bad-input.md that need a real process to answer: hostile
// OTLP over gRPC and HTTP, hostile api requests, malformed bus frames from a
// raw ZeroMQ peer, and bad command lines. Each test sends the bad input to the
// running stage and checks what its user sees: the status and the message,
// what the index and the api show afterwards, and that the stage still serves.
#include <gtest/gtest.h>

#include <random>

#include <nlohmann/json.hpp>

#include "bus/request_client.h"
#include "bus/sockets.h"
#include "tests/support/http_client.h"
#include "tests/support/otlp_client.h"
#include "tests/support/pipeline.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse;
using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::trace::v1::Span;

constexpr char kNotAProtobuf[] = "the request is not a valid ExportTraceServiceRequest protobuf";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The message of an api error, {"error":{"code":…,"message":…}}.
std::string error_message(const HttpResponse& answer) {
  json body = json::parse(answer.body, nullptr, false);
  return body.is_discarded() ? answer.body : body.value("/error/message"_json_pointer, std::string());
}

// One pipeline for the whole file: gateway (gRPC and HTTP, 1 MiB request limit), wal, one indexer, and the
// api with a 768 KiB cap on an indexer's answer (32 MiB by default), so an answer over it is cheap to make.
class BadInput : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pipeline_ = new Pipeline({.gateway_args = {"--max-request-bytes", "1MiB"}, .indexers = {"0-3"}, .api = true,
                              .api_args = {"--max-answer-bytes", "768KiB"}});
    pipeline_->start();
    // Until the api has heard from the indexer, index routes answer 503; the tests ask about bad input, not that.
    bool complete = wait_until([] {
      HttpResponse services = http_get(pipeline_->api_port(), "/api/v1/services", pipeline_->signed_in());
      if (services.status != 200) return false;
      json body = json::parse(services.body, nullptr, false);
      return !body.is_discarded() && body.value("partial", true) == false;
    }, 20s);
    ASSERT_TRUE(complete) << pipeline_->logs();
  }
  static void TearDownTestSuite() {
    delete pipeline_;
    pipeline_ = nullptr;
  }
  void TearDown() override {
    // Whatever a test sent, every stage is still up.
    EXPECT_TRUE(pipeline_->gateway().running()) << pipeline_->gateway().log();
    EXPECT_TRUE(pipeline_->wal().running()) << pipeline_->wal().log();
    EXPECT_TRUE(pipeline_->indexer(0).running()) << pipeline_->indexer(0).log();
    EXPECT_TRUE(pipeline_->api().running()) << pipeline_->api().log();
  }

  Pipeline& pipeline() { return *pipeline_; }
  OtlpClient client() { return OtlpClient(pipeline_->grpc_target(), pipeline_->api_key()); }

  // One span of a fresh trace, named `name`, from service `bad-input`.
  ExportTraceServiceRequest one_span(const std::string& name, Span** span_out = nullptr) {
    ExportTraceServiceRequest request = maker_.make_request(1, 1, "bad-input");
    Span* span = request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0);
    span->set_name(name);
    span->clear_attributes();
    if (span_out != nullptr) *span_out = span;
    return request;
  }
  static std::string trace_of(const ExportTraceServiceRequest& request) {
    return to_hex(request.resource_spans(0).scope_spans(0).spans(0).trace_id());
  }
  static std::string span_of(const ExportTraceServiceRequest& request) {
    return to_hex(request.resource_spans(0).scope_spans(0).spans(0).span_id());
  }
  bool in_wal(const std::string& trace_hex) {
    for (const WalSpan& span : pipeline_->wal_spans()) {
      if (span.trace_id == trace_hex) return true;
    }
    return false;
  }

  // GET on the api with the first user's session.
  HttpResponse api_get(const std::string& target) { return http_get(pipeline_->api_port(), target, pipeline_->signed_in()); }
  // The span as the api shows it, once the indexer has it (an empty object if it never does).
  json indexed_span(const std::string& trace_hex, const std::string& span_hex) {
    HttpResponse answer;
    wait_until([&] {
      answer = api_get("/api/v1/spans/" + trace_hex + "/" + span_hex);
      return answer.status == 200;
    }, 20s);
    return answer.status == 200 ? json::parse(answer.body) : json::object();
  }
  // An indexer counter as the api's pipeline page shows it (summed over partitions).
  int64_t indexer_counter(const std::string& name) {
    HttpResponse answer = api_get("/api/v1/pipeline");
    if (answer.status != 200) return -1;
    int64_t total = 0;
    // Named locals: a range-for over a temporary's member dangles (found by the asan preset).
    const json body = json::parse(answer.body);
    const json instances = body.value("instances", json::array());
    for (const json& instance : instances) {
      if (instance.value("stage", "") != "indexer") continue;
      const json counters = instance.value("counters", json::object());
      for (const auto& [counter, value] : counters.items()) {
        if (contains(counter, name)) total += value.get<int64_t>();
      }
    }
    return total;
  }

  // A POST to the gateway's OTLP/HTTP port.
  HttpResponse post_otlp(const std::string& content_type, const std::string& body, bool with_key = true) {
    std::map<std::string, std::string> headers = {{"Content-Type", content_type}};
    if (with_key) headers["x-junjo-api-key"] = pipeline_->api_key();
    return http_request(pipeline_->http_port(), "POST", "/v1/traces", headers, body, 20s);
  }
  std::string json_span(const std::string& extra_fields) {
    return R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"bad-input"}}]},)"
           R"("scopeSpans":[{"spans":[{"traceId":")" +
           random_hex(16) + R"(","spanId":")" + random_hex(8) + R"(","name":"json span")" + extra_fields + "}]}]}]}";
  }
  std::string random_hex(size_t bytes) {
    std::string id(bytes, '\0');
    for (char& c : id) c = static_cast<char>(random_() | 1);
    return to_hex(id);
  }

  static Pipeline* pipeline_;
  OtlpClient maker_{"127.0.0.1:1"};  // only builds requests
  std::mt19937_64 random_{std::random_device{}()};
};
Pipeline* BadInput::pipeline_ = nullptr;

// ---------------------------------------------------------------- OTLP gRPC

TEST_F(BadInput, InvalidUtf8InAStringFieldRefusesTheWholeRequest) {
  auto bad_name = one_span("\xff");
  auto bad_key = one_span("fine");
  auto* key = bad_key.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->add_attributes();
  key->set_key("k\xfe");
  key->mutable_value()->set_string_value("v");
  auto bad_value = one_span("fine");
  auto* value = bad_value.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->add_attributes();
  value->set_key("k");
  value->mutable_value()->set_string_value("caf\xe9");
  OtlpClient sender = client();
  for (const auto* request : {&bad_name, &bad_key, &bad_value}) {
    // protobuf's own serializer keeps the bytes as they are (it only logs), as a non-C++ client would send them.
    grpc::Status status = sender.send_raw(request->SerializeAsString());
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    EXPECT_EQ(status.error_message(), kNotAProtobuf);
  }
  auto good = one_span("after the bad ones");
  ASSERT_TRUE(sender.send(good).ok()) << "the next request is served";
  EXPECT_TRUE(in_wal(trace_of(good)));
  for (const auto* request : {&bad_name, &bad_key, &bad_value}) EXPECT_FALSE(in_wal(trace_of(*request))) << "nothing refused is stored";
}

// An attribute value that is an array of an array of ... `levels` deep, "bottom" at the end.
void nest_arrays(AnyValue* value, int levels) {
  for (int i = 0; i < levels; ++i) value = value->mutable_array_value()->add_values();
  value->set_string_value("bottom");
}
void nest_kvlists(AnyValue* value, int levels) {
  for (int i = 0; i < levels; ++i) {
    auto* kv = value->mutable_kvlist_value()->add_values();
    kv->set_key("k");
    value = kv->mutable_value();
  }
  value->set_string_value("bottom");
}

TEST_F(BadInput, AnAttributeNestedPastProtobufsLimitIsRefusedAndOneBelowItIsIndexed) {
  OtlpClient sender = client();
  Span* span = nullptr;
  auto arrays = one_span("arrays too deep", &span);
  auto* attribute = span->add_attributes();
  attribute->set_key("deep");
  nest_arrays(attribute->mutable_value(), 60);
  auto kvlists = one_span("kvlists too deep", &span);
  attribute = span->add_attributes();
  attribute->set_key("deep");
  nest_kvlists(attribute->mutable_value(), 40);
  for (const auto* request : {&arrays, &kvlists}) {
    grpc::Status status = sender.send(*request);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    EXPECT_EQ(status.error_message(), kNotAProtobuf);
  }

  // Within protobuf's limit but past the span limit (--max-attribute-depth, 16
  // with the scalar): the attribute is dropped, counted and said so; one level
  // less is kept whole.
  auto past_span_limit = one_span("deep past the span limit", &span);
  attribute = span->add_attributes();
  attribute->set_key("deep");
  nest_arrays(attribute->mutable_value(), 20);
  ExportTraceServiceResponse trimmed;
  ASSERT_TRUE(sender.send(past_span_limit, &trimmed).ok());
  EXPECT_TRUE(contains(trimmed.partial_success().error_message(), "1 attributes dropped")) << trimmed.partial_success().error_message();
  json dropped = indexed_span(trace_of(past_span_limit), span_of(past_span_limit));
  EXPECT_FALSE(dropped["attributes"].contains("deep")) << dropped.dump();
  EXPECT_EQ(dropped["dropped_attributes_count"], 1);

  auto fits = one_span("deep but within the limit", &span);
  attribute = span->add_attributes();
  attribute->set_key("deep");
  nest_arrays(attribute->mutable_value(), 15);
  ASSERT_TRUE(sender.send(fits).ok());
  json shown = indexed_span(trace_of(fits), span_of(fits));
  ASSERT_TRUE(shown.contains("attributes")) << pipeline().logs();
  json value = shown["attributes"]["deep"];
  int depth = 0;
  while (value.is_array() && value.size() == 1) {
    value = value[0];
    ++depth;
  }
  EXPECT_EQ(depth, 15) << shown["attributes"].dump();
  EXPECT_EQ(value, "bottom");
  EXPECT_FALSE(in_wal(trace_of(arrays)));
  EXPECT_FALSE(in_wal(trace_of(kvlists)));
}

TEST_F(BadInput, TenThousandAttributesOnOneSpanAreTrimmedToTheSpanLimitCountedAndSaidSo) {
  Span* span = nullptr;
  auto request = one_span("many attributes", &span);
  for (int i = 0; i < 10'000; ++i) {
    auto* kv = span->add_attributes();
    kv->set_key("attr." + std::to_string(i));
    kv->mutable_value()->set_string_value("value-" + std::to_string(i));
  }
  ExportTraceServiceResponse response;
  grpc::Status status = client().send(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.partial_success().rejected_spans(), 0) << "trimmed, not rejected";
  EXPECT_TRUE(contains(response.partial_success().error_message(),
                       "1 span was trimmed to the span limits (kept, with their dropped counts set): 8976 attributes dropped"))
      << response.partial_success().error_message();
  json shown = indexed_span(trace_of(request), span_of(request));
  ASSERT_TRUE(shown.contains("attributes")) << pipeline().logs();
  EXPECT_EQ(shown["attributes"].size(), 1024u) << "--max-attributes-per-span";
  EXPECT_EQ(shown["dropped_attributes_count"], 8976);
  EXPECT_EQ(shown["attributes"]["attr.1023"], "value-1023") << "the first ones are kept";
  // The last attribute kept has its own key/value row: a search by it finds the trace.
  HttpResponse search = api_get("/api/v1/traces?attr=attr.1023:value-1023");
  ASSERT_EQ(search.status, 200) << search.body;
  json traces = json::parse(search.body)["traces"];
  ASSERT_EQ(traces.size(), 1u) << search.body;
  EXPECT_EQ(traces[0]["trace_id"], trace_of(request));
}

TEST_F(BadInput, TwoSpansWithTheSameIdsInOneExportAreBothAckedAndTheFirstIsKept) {
  Span* first = nullptr;
  auto request = one_span("first copy", &first);
  Span* second = request.mutable_resource_spans(0)->mutable_scope_spans(0)->add_spans();
  *second = *first;
  second->set_name("second copy");
  const int64_t duplicates_before = indexer_counter("spans_duplicate");
  ExportTraceServiceResponse response;
  grpc::Status status = client().send(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(response.has_partial_success()) << "both are acknowledged: " << response.partial_success().error_message();
  json shown = indexed_span(trace_of(request), span_of(request));
  EXPECT_EQ(shown.value("name", ""), "first copy") << shown.dump();
  HttpResponse trace = api_get("/api/v1/traces/" + trace_of(request));
  ASSERT_EQ(trace.status, 200) << trace.body;
  EXPECT_EQ(json::parse(trace.body)["spans"].size(), 1u) << "one row for the pair of ids";
  EXPECT_TRUE(wait_until([&] { return indexer_counter("spans_duplicate") > duplicates_before; }, 10s))
      << "the second copy is counted as a duplicate; before: " << duplicates_before;
}

TEST_F(BadInput, AFieldWithTheWrongWireTypeIsAcceptedAndStoresNothing) {
  const size_t spans_before = pipeline().wal_spans().size();
  // Field 1 (resource_spans, a message) sent as the varint 1: protobuf keeps it as an unknown field.
  grpc::Status status = client().send_raw(std::string("\x08\x01", 2));
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(pipeline().wal_spans().size(), spans_before);
}

// A trace whose answer is over the cap is stored and listed, and asking for it
// stops no stage. The status of that answer is still wrong (see the doc's
// Broken row): it is retryable where retrying can never help.
TEST_F(BadInput, ATraceOverTheAnswerCapIsStoredAndListedAndAskingForItStopsNothing) {
  Span* span = nullptr;
  auto request = one_span("huge prompt", &span);
  request.mutable_resource_spans(0)->mutable_resource()->mutable_attributes(0)->mutable_value()->set_string_value("big-answer");
  auto* prompt = span->add_attributes();
  prompt->set_key("llm.prompt");
  prompt->mutable_value()->set_string_value(std::string(900'000, 'x'));
  ASSERT_TRUE(client().send(request).ok());
  ASSERT_EQ(pipeline().wait_for_acked(OtlpClient::keys_of(request), 20s).lost, 0u) << pipeline().logs();
  HttpResponse listed;
  wait_until([&] {
    listed = api_get("/api/v1/traces?service=big-answer");
    return listed.status == 200 && json::parse(listed.body)["traces"].size() == 1;
  }, 20s);
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(json::parse(listed.body)["traces"][0]["trace_id"], trace_of(request)) << listed.body;

  HttpResponse whole = api_get("/api/v1/traces/" + trace_of(request));
  EXPECT_GE(whole.status, 400) << "an answer over the cap is never sent cut short";
  EXPECT_TRUE(contains(error_message(whole), "bytes exceeds the cap of 786432 bytes; narrow the query")) << whole.body;
  EXPECT_EQ(api_get("/api/v1/services").status, 200) << "the indexer still answers";
}

// ---------------------------------------------------------------- OTLP/HTTP

TEST_F(BadInput, JsonThatIsNotUtf8IsNotValidJson) {
  HttpResponse answer = post_otlp("application/json", json_span(R"(,"attributes":[{"key":"k","value":{"stringValue":"caf)"
                                                                "\xe9"
                                                                R"("}}])"));
  EXPECT_EQ(answer.status, 400) << answer.body;
  EXPECT_EQ(json::parse(answer.body, nullptr, false).value("message", ""), "the body is not valid JSON") << answer.body;
}

TEST_F(BadInput, JsonNestedPastProtobufsLimitIsRefusedNamingTheDepth) {
  // 40 kvlistValues: 120 nested messages and about 160 levels of JSON, past protobuf's 100 nested messages but within the gateway's 256.
  std::string value = R"({"stringValue":"bottom"})";
  for (int i = 0; i < 40; ++i) value = R"({"kvlistValue":{"values":[{"key":"k","value":)" + value + "}]}}";
  const std::string body = json_span(R"(,"attributes":[{"key":"deep","value":)" + value + "}]");
  HttpResponse answer = post_otlp("application/json", body);
  EXPECT_EQ(answer.status, 400) << answer.body;
  const std::string message = json::parse(answer.body, nullptr, false).value("message", "");
  EXPECT_TRUE(message.starts_with("the JSON does not match the OTLP schema: ")) << message;
  EXPECT_TRUE(contains(message, "Message too deep. Max recursion depth reached")) << message;
}

TEST_F(BadInput, JsonNestedHalfAMillionLevelsIsRefusedAndTheGatewayStaysUp) {
  // 1 MB, under the 1 MiB request limit, so it reaches the JSON decoder.
  const std::string body = "{\"x\":" + std::string(500'000, '[') + std::string(500'000, ']') + "}";
  HttpResponse answer = post_otlp("application/json", body, /*with_key=*/true);
  EXPECT_EQ(answer.status, 400) << answer.body;
  EXPECT_EQ(json::parse(answer.body, nullptr, false).value("message", ""), "the JSON nests deeper than 256 levels") << answer.body;
  // A stranger's body is never looked at: the credentials come first.
  HttpResponse stranger = post_otlp("application/json", body, /*with_key=*/false);
  EXPECT_EQ(stranger.status, 401) << stranger.body;
  EXPECT_EQ(post_otlp("application/json", json_span("")).status, 200) << "the gateway still serves";
}

TEST_F(BadInput, JsonTimesOutsideAnUnsigned64BitCountAreRefused) {
  for (std::string time : {"-1", "18446744073709551616"}) {
    HttpResponse answer = post_otlp("application/json", json_span(R"(,"startTimeUnixNano":")" + time + R"(","endTimeUnixNano":"1")"));
    EXPECT_EQ(answer.status, 400) << time << ": " << answer.body;
    const std::string message = json::parse(answer.body, nullptr, false).value("message", "");
    EXPECT_TRUE(message.starts_with("the JSON does not match the OTLP schema: ")) << message;
    EXPECT_TRUE(contains(message, "spans[0].start_time_unix_nano): invalid value \"" + time + "\" for type TYPE_FIXED64")) << message;
  }
}

TEST_F(BadInput, ABodyPastPistachesBufferIsRefusedAndTheGatewayStaysUp) {
  // The limit is 1 MiB; Pistache itself holds at most 1 MiB + 64 KiB, so 2 MiB never reaches the handler.
  const std::string body(2 << 20, 'x');
  bool refused = false;
  std::string seen;
  try {
    HttpResponse answer = post_otlp("application/x-protobuf", body);
    seen = std::to_string(answer.status) + " " + answer.body;
    refused = answer.status == 413;
  } catch (const std::runtime_error& closed) {
    // Pistache may close the connection while the client is still sending.
    seen = closed.what();
    refused = true;
  }
  EXPECT_TRUE(refused) << seen;
  HttpResponse after = post_otlp("application/x-protobuf", one_span("after the big body").SerializeAsString());
  EXPECT_EQ(after.status, 200) << after.body;
}

// ---------------------------------------------------------------- HTTP api

TEST_F(BadInput, TimesAndDurationsPastWhat64BitNanosecondsHoldAreRefused) {
  for (const std::string start : {"9223372036855", "9214646400000"}) {
    HttpResponse answer = api_get("/api/v1/traces?start=" + start);
    EXPECT_EQ(answer.status, 400) << start;
    EXPECT_EQ(error_message(answer), "parameter 'start': unix milliseconds or an RFC 3339 time") << start;
  }
  HttpResponse rfc3339 = api_get("/api/v1/traces?start=2300-01-01T00:00:00Z");
  EXPECT_EQ(rfc3339.status, 400);
  EXPECT_EQ(error_message(rfc3339), "parameter 'start': unix milliseconds or an RFC 3339 time such as 2026-11-23T10:00:00Z");
  // The last millisecond of 2261 is still a time.
  EXPECT_EQ(api_get("/api/v1/traces?start=9214646399999").status, 200);

  HttpResponse too_long = api_get("/api/v1/traces?min_duration=106752d");
  EXPECT_EQ(too_long.status, 400);
  EXPECT_EQ(error_message(too_long), "parameter 'min_duration': a duration such as 250ms, 2s or 1h");
  EXPECT_EQ(api_get("/api/v1/traces?min_duration=106751d").status, 200) << "the longest duration that fits";
}

TEST_F(BadInput, AnLlmUsageWindowWiderThan64BitNanosecondsNeedsTooManyBuckets) {
  HttpResponse answer = api_get("/api/v1/llm/usage?lookback=106751d&end=9214646399999&bucket=1h");
  EXPECT_EQ(answer.status, 400) << answer.body;
  EXPECT_EQ(error_message(answer), "parameter 'bucket': the window would need more than 10000 buckets");
}

TEST_F(BadInput, ABodyThatIsNotUtf8IsNotValidJson) {
  HttpResponse answer = http_request(pipeline().api_port(), "POST", "/api/v1/auth/sign-in", {{"Content-Type", "application/json"}},
                                     "{\"email\":\"admin@example.com\",\"password\":\"caf\xe9\"}");
  EXPECT_EQ(answer.status, 400) << answer.body;
  EXPECT_EQ(error_message(answer), "the body is not valid JSON");
}

TEST_F(BadInput, ADeeplyNestedSignInBodyIsRefusedAndTheApiStaysUp) {
  // 1 MB, under the body limit, and no session needed: anyone can send it.
  const std::string body = "{\"email\":" + std::string(500'000, '[') + std::string(500'000, ']') + ",\"password\":\"x\"}";
  HttpResponse answer = http_request(pipeline().api_port(), "POST", "/api/v1/auth/sign-in", {{"Content-Type", "application/json"}}, body, 20s);
  EXPECT_EQ(answer.status, 400) << answer.body.substr(0, 300);
  EXPECT_EQ(error_message(answer), "the body nests deeper than 32 levels");
  EXPECT_EQ(api_get("/api/v1/auth/me").status, 200) << "the api still serves";
}

// ---------------------------------------------------------------- bus

// Sends one raw frame to a ROUTER endpoint as a peer that does not speak the protocol, and returns the reply.
bus::Received send_raw_frame(bus::Context& context, const std::string& endpoint, const std::string& frame) {
  zmq::socket_t raw = bus::connect_dealer(context, endpoint);
  raw.send(zmq::buffer(frame), zmq::send_flags::none);
  zmq::pollitem_t item{raw.handle(), 0, ZMQ_POLLIN, 0};
  zmq::poll(&item, 1, 3000ms);
  if (!(item.revents & ZMQ_POLLIN)) return {};
  return bus::receive_message(raw, false);
}

TEST_F(BadInput, BusHeadersOfTheWrongTypeOrClaimingHugeContainersGetErrors) {
  bus::Context context;
  const std::string wal = "ipc://" + pipeline().data_dir() + "/run/wal.sock";
  struct Case {
    std::string frame, message;
  };
  const std::vector<Case> cases = {
      {std::string("\x81\xa1t\xa4ping", 8), "malformed bus header: std::bad_cast"},  // {"t": "ping"}
      {std::string("\xdf\xff\xff\xff\xff", 5), "malformed bus header: map size overflow"},  // a map of 4 billion entries
      {std::string("\xdd\xff\xff\xff\xff", 5), "malformed bus header: array size overflow"},
  };
  for (const Case& c : cases) {
    bus::Received reply = send_raw_frame(context, wal, c.frame);
    ASSERT_TRUE(reply.got_message) << c.message;
    EXPECT_EQ(reply.message.header.message_type(), bus::MessageType::error);
    EXPECT_EQ(reply.message.header.code, static_cast<uint8_t>(Code::invalid_argument));
    EXPECT_EQ(reply.message.header.message, c.message);
  }
  auto good = one_span("after bad headers");
  ASSERT_TRUE(client().send(good).ok()) << "the WAL goes on appending";
  EXPECT_TRUE(in_wal(trace_of(good)));
}

TEST_F(BadInput, TheAuthAndQueryEndpointsRefuseWhatTheyDoNotAnswer) {
  bus::Context context;
  struct Endpoint {
    std::string address, accepts_name;
    bus::MessageType accepts;
  };
  const std::vector<Endpoint> endpoints = {
      {"ipc://" + pipeline().data_dir() + "/run/auth.sock", "auth", bus::MessageType::auth},
      {"ipc://" + pipeline().data_dir() + "/run/query-indexer-1.sock", "query", bus::MessageType::query},
  };
  for (const Endpoint& endpoint : endpoints) {
    bus::RequestClient asker(context, bus::ClientOptions{.endpoint = endpoint.address});
    const std::string expected = "the " + endpoint.accepts_name + " endpoint answers ping and " + endpoint.accepts_name +
                                 " (one JSON payload frame)";
    auto unknown = asker.call(bus::make_header(static_cast<bus::MessageType>(999)), {}, {.timeout = 3s});
    EXPECT_EQ(unknown.status().code(), Code::invalid_argument) << unknown.status().to_string();
    EXPECT_EQ(unknown.status().message(), expected);
    auto no_payload = asker.call(bus::make_header(endpoint.accepts), {}, {.timeout = 3s});
    EXPECT_EQ(no_payload.status().code(), Code::invalid_argument) << no_payload.status().to_string();
    EXPECT_EQ(no_payload.status().message(), expected);
    EXPECT_TRUE(asker.call(bus::make_header(bus::MessageType::ping), {}, {.timeout = 3s}).is_ok()) << endpoint.address;
  }
  EXPECT_EQ(api_get("/api/v1/services").status, 200) << "the api still gets answers from the indexer";
}

TEST_F(BadInput, AWalEntryThatIsNotOtlpIsCountedAndTheEntriesAfterItAreIndexed) {
  bus::Context context;
  bus::RequestClient wal(context, bus::ClientOptions{.endpoint = "ipc://" + pipeline().data_dir() + "/run/wal.sock"});
  auto append = [&](const std::string& bytes) {
    bus::Header header = bus::make_header(bus::MessageType::append);
    header.partition = 2;
    header.kind = static_cast<uint8_t>(bus::SignalKind::traces);
    header.count = 1;
    std::vector<zmq::message_t> payload;
    payload.emplace_back(bytes.data(), bytes.size());
    return wal.call(header, std::move(payload), {.timeout = 3s});
  };
  const int64_t undecodable_before = indexer_counter("entries_undecodable");
  ASSERT_TRUE(append("\xff\xff this is not OTLP").is_ok());
  auto after = one_span("after the undecodable entry");
  ASSERT_TRUE(append(after.SerializeAsString()).is_ok());
  auto tally = pipeline().wait_for_acked(OtlpClient::keys_of(after), 20s);
  EXPECT_EQ(tally.lost, 0u) << pipeline().indexer(0).log();
  EXPECT_TRUE(wait_until([&] { return indexer_counter("entries_undecodable") > undecodable_before; }, 10s));
  EXPECT_TRUE(contains(pipeline().indexer(0).log(), "WAL entry does not decode; recorded and passed over"));
}

// ---------------------------------------------------------------- CLI

// Runs a shell command with stderr folded into stdout; returns the exit code.
int run_shell(const std::string& command, std::string* out) { return run_command({"sh", "-c", command + " 2>&1"}, out, 30s); }

TEST(BadCommandLine, ABadValueInTheEnvironmentStopsAStageNamingTheVariable) {
  TempDir dir;
  std::string out;
  int code = run_shell("SPANLINE_MAX_REQUEST_BYTES=lots " + bin_path("spanline-gateway") + " --data-dir " + dir.path() +
                           " --grpc-address 127.0.0.1:" + std::to_string(free_port()) + " --http-address ''",
                       &out);
  EXPECT_EQ(code, 2) << out;
  EXPECT_TRUE(contains(out, "spanline-gateway: SPANLINE_MAX_REQUEST_BYTES: --max-request-bytes: 'lots' is not a size such as "
                            "4096, 64k or 16MiB"))
      << out;
}

TEST(BadCommandLine, DeleteBeforeATimeNanosecondsCannotHoldIsRefused) {
  TempDir dir;
  for (const std::string before : {"-1", "9223372037"}) {
    std::string out;
    int code = run_shell(bin_path("spanline") + " delete --service s --before " + before + " --data-dir " + dir.path(), &out);
    EXPECT_EQ(code, 2) << before << ": " << out;
    // The launcher hands `delete` to the indexer binary, which checks and says so.
    EXPECT_TRUE(contains(out, "spanline-indexer delete: --before is unix seconds between 0 (now) and 9223372036")) << before << ": " << out;
  }
  std::string missing;
  EXPECT_EQ(run_shell(bin_path("spanline") + " delete --data-dir " + dir.path(), &missing), 2) << missing;
  EXPECT_TRUE(contains(missing, "spanline-indexer delete: --service is required")) << missing;
  // The last second that fits is still a deletion.
  std::string out;
  EXPECT_EQ(run_shell(bin_path("spanline") + " delete --service s --before 9223372036 --data-dir " + dir.path(), &out), 0) << out;
  EXPECT_TRUE(contains(out, "deleted the spans of service 's'")) << out;
}

}  // namespace
}  // namespace spanline::testing
