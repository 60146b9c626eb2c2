// The model price table through real processes (auth-responder, api, gateway,
// WAL, indexer): an admin sets a price over the API; an LLM span sent with
// tokens and no cost then shows the cost computed from it and where it came
// from; a change applies to spans after it and not to those before; a sent cost
// wins; a model without a price stays null ("no price"); a viewer may read the
// table but not change it (403); the LLM usage costs the calls per model and
// per service from the price in effect for their bucket.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "tests/support/api_suite.h"
#include "tests/support/http_client.h"
#include "tests/support/otlp_client.h"
#include "tests/support/pipeline.h"
#include "tests/support/process.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kModel = "price-test-model";

struct SentSpan {
  std::string trace_id, span_id;
};

class LlmPrices : public ApiSuite<LlmPrices> {

 protected:
  static int port() { return pipeline_->api_port(); }
  static std::map<std::string, std::string> admin() {
    auto headers = pipeline_->signed_in();
    headers["Content-Type"] = "application/json";
    return headers;
  }
  static HttpResponse put_price(const std::map<std::string, std::string>& who, const std::string& model, const json& price) {
    return http_request(port(), "PUT", "/api/v1/llm/prices/" + model, who, price.dump());
  }

  // One LLM span (OpenTelemetry GenAI keys) starting now, with tokens and, when given, a sent cost.
  static SentSpan send_llm_span(const std::string& model, const std::string& service, std::optional<double> sent_cost = std::nullopt) {
    OtlpClient client(pipeline_->grpc_target(), pipeline_->api_key());
    auto request = client.make_request(1, 1, service);
    auto* span = request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0);
    const auto now = static_cast<uint64_t>(unix_nanos_now());
    span->set_start_time_unix_nano(now);
    span->set_end_time_unix_nano(now + 1'000'000);
    span->set_name("chat " + model);
    span->clear_attributes();
    auto text = [&](const char* key, const std::string& value) {
      auto* kv = span->add_attributes();
      kv->set_key(key);
      kv->mutable_value()->set_string_value(value);
    };
    auto number = [&](const char* key, int64_t value) {
      auto* kv = span->add_attributes();
      kv->set_key(key);
      kv->mutable_value()->set_int_value(value);
    };
    text("gen_ai.operation.name", "chat");
    text("gen_ai.provider.name", "openai");
    text("gen_ai.request.model", model);
    number("gen_ai.usage.input_tokens", 1000);
    number("gen_ai.usage.cache_read.input_tokens", 400);
    number("gen_ai.usage.output_tokens", 100);
    if (sent_cost) {
      auto* kv = span->add_attributes();
      kv->set_key("llm.cost.total");
      kv->mutable_value()->set_double_value(*sent_cost);
    }
    EXPECT_TRUE(client.send(request).ok());
    return {to_hex(span->trace_id()), to_hex(span->span_id())};
  }

  // The span's llm record once it is indexed.
  static json llm_of(const SentSpan& sent) {
    json llm;
    wait_until([&] {
      HttpResponse response = http_get(port(), "/api/v1/spans/" + sent.trace_id + "/" + sent.span_id, pipeline_->signed_in());
      json body = json::parse(response.body, nullptr, false);
      if (response.status != 200 || body.is_discarded() || !body.contains("llm")) return false;
      llm = body["llm"];
      return true;
    }, 30s);
    return llm;
  }

  // A price change counts from its time on; the usage prices a bucket at its start: a second between a change and the next span.
  static void after_a_bucket() { std::this_thread::sleep_for(1100ms); }

};

// 1000 input tokens of which 400 cached, 100 output tokens.
double cost_at(double input, double output, double cached) { return (600 * input + 400 * cached + 100 * output) / 1e6; }

TEST_F(LlmPrices, AnAdminSetsAPriceAndSpansAfterItShowTheComputedCostAndItsSource) {
  HttpResponse set = put_price(admin(), kModel, {{"input_per_million", 2}, {"output_per_million", 8}, {"cached_input_per_million", 1}});
  ASSERT_EQ(set.status, 200) << set.body;
  const json first = json::parse(set.body);
  EXPECT_EQ(first["model"], kModel);
  EXPECT_EQ(first["changed_by"], "admin@example.com");
  after_a_bucket();

  const SentSpan before_change = send_llm_span(kModel, "priced-app");
  const SentSpan sent_cost = send_llm_span(kModel, "sent-cost-app", 0.5);
  const SentSpan unknown = send_llm_span("model-without-a-price", "priced-app");
  json llm = llm_of(before_change);
  ASSERT_TRUE(llm["cost"].is_object()) << llm.dump() << pipeline_->logs();
  EXPECT_EQ(llm["cost"]["source"], "price_table");
  EXPECT_EQ(llm["cost"]["effective_from_ns"], first["effective_from_ns"]);
  EXPECT_DOUBLE_EQ(llm["cost"]["total"].get<double>(), cost_at(2, 8, 1)) << "cached input tokens at the cached price";
  EXPECT_DOUBLE_EQ(llm["cost"]["output"].get<double>(), 100 * 8 / 1e6);
  EXPECT_EQ(llm["cost"]["currency"], "USD");
  const json sent = llm_of(sent_cost)["cost"];
  EXPECT_EQ(sent["source"], "sent") << "a sent cost wins over the price table";
  EXPECT_DOUBLE_EQ(sent["total"].get<double>(), 0.5);
  EXPECT_TRUE(llm_of(unknown)["cost"].is_null()) << "a model without a price has no cost: null, never 0";

  // A new price applies to spans after it, not to the span before it.
  HttpResponse changed = put_price(admin(), kModel, {{"input_per_million", 4}, {"output_per_million", 16}});
  ASSERT_EQ(changed.status, 200) << changed.body;
  const json second = json::parse(changed.body);
  EXPECT_GT(second["effective_from_ns"].get<int64_t>(), first["effective_from_ns"].get<int64_t>());
  after_a_bucket();
  const SentSpan after_change = send_llm_span(kModel, "priced-app");
  const json later = llm_of(after_change)["cost"];
  EXPECT_DOUBLE_EQ(later["total"].get<double>(), cost_at(4, 16, 4)) << "no cached price: cached tokens at the input price";
  EXPECT_EQ(later["effective_from_ns"], second["effective_from_ns"]);
  EXPECT_DOUBLE_EQ(llm_of(before_change)["cost"]["total"].get<double>(), cost_at(2, 8, 1)) << "the earlier span keeps its price";

  // Deleted: spans after it have no price; the earlier ones keep theirs.
  HttpResponse deleted = http_request(port(), "DELETE", "/api/v1/llm/prices/" + std::string(kModel), admin());
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_TRUE(json::parse(deleted.body)["price"].is_null());
  after_a_bucket();
  const SentSpan after_delete = send_llm_span(kModel, "priced-app");
  EXPECT_TRUE(llm_of(after_delete)["cost"].is_null());
  EXPECT_DOUBLE_EQ(llm_of(after_change)["cost"]["total"].get<double>(), cost_at(4, 16, 4));

  // The table keeps every change, newest first.
  HttpResponse listed = http_get(port(), "/api/v1/llm/prices", pipeline_->signed_in());
  ASSERT_EQ(listed.status, 200) << listed.body;
  const json table = json::parse(listed.body);
  json model;
  for (const json& entry : table["models"]) {
    if (entry["model"] == kModel) model = entry;
  }
  ASSERT_TRUE(model.is_object()) << listed.body;
  ASSERT_EQ(model["history"].size(), 3u);
  EXPECT_TRUE(model["current"]["price"].is_null());
  EXPECT_EQ(model["history"][1], second);
  EXPECT_EQ(model["history"][2], first);

  // The usage: per model and per service, each bucket at the price in effect then; sent costs as sent.
  json usage;
  wait_until([&] {
    HttpResponse answer = http_get(port(), "/api/v1/llm/usage?lookback=1h&bucket=1s&model=" + std::string(kModel), pipeline_->signed_in());
    usage = json::parse(answer.body, nullptr, false);
    return answer.status == 200 && !usage.is_discarded() && !usage["by_model"].empty() && usage["by_model"][0]["calls"] == 4;
  }, 15s);
  ASSERT_EQ(usage["by_model"].size(), 1u) << usage.dump();
  const json& totals = usage["by_model"][0];
  EXPECT_EQ(totals["cost_calls"], 1);
  EXPECT_EQ(totals["priced_calls"], 2) << "the span after the deletion has no price";
  EXPECT_NEAR(totals["cost"].get<double>(), 0.5 + cost_at(2, 8, 1) + cost_at(4, 16, 4), 1e-12);
  std::map<std::string, json> by_service;
  for (const json& entry : usage["by_service"]) by_service[entry["service"]] = entry;
  EXPECT_NEAR(by_service["priced-app"]["cost"].get<double>(), cost_at(2, 8, 1) + cost_at(4, 16, 4), 1e-12);
  EXPECT_DOUBLE_EQ(by_service["sent-cost-app"]["cost"].get<double>(), 0.5);
}

TEST_F(LlmPrices, AViewerReadsThePricesButCannotChangeThem) {
  auto headers = admin();
  HttpResponse created = http_request(port(), "POST", "/api/v1/users", headers,
                                      json{{"email", "viewer@example.com"}, {"password", "long enough"}, {"role", "viewer"}}.dump());
  ASSERT_EQ(created.status, 201) << created.body;
  HttpResponse signed_in = http_request(port(), "POST", "/api/v1/auth/sign-in", {{"Content-Type", "application/json"}},
                                        json{{"email", "viewer@example.com"}, {"password", "long enough"}}.dump());
  ASSERT_EQ(signed_in.status, 200) << signed_in.body;
  const std::string cookie = signed_in.header("set-cookie");
  const std::map<std::string, std::string> viewer = {{"Cookie", cookie.substr(0, cookie.find(';'))}, {"Content-Type", "application/json"}};

  HttpResponse refused = put_price(viewer, "viewer-model", {{"input_per_million", 1}, {"output_per_million", 1}});
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_NE(refused.body.find("only an admin may change model prices"), std::string::npos) << refused.body;
  ASSERT_EQ(put_price(admin(), "viewer-model", {{"input_per_million", 1}, {"output_per_million", 1}}).status, 200);
  EXPECT_EQ(http_request(port(), "DELETE", "/api/v1/llm/prices/viewer-model", viewer).status, 403);
  HttpResponse read = http_get(port(), "/api/v1/llm/prices", viewer);
  EXPECT_EQ(read.status, 200) << "a viewer reads the table";
  EXPECT_NE(read.body.find("viewer-model"), std::string::npos);

  EXPECT_EQ(http_get(port(), "/api/v1/llm/prices").status, 401) << "signed out: no prices";
  HttpResponse bad = put_price(admin(), "viewer-model", {{"input_per_million", -1}, {"output_per_million", 1}});
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_NE(bad.body.find("input_per_million"), std::string::npos) << bad.body;
  HttpResponse not_a_number = put_price(admin(), "viewer-model", {{"input_per_million", "1"}, {"output_per_million", 1}});
  EXPECT_EQ(not_a_number.status, 400) << not_a_number.body;
  EXPECT_EQ(http_request(port(), "DELETE", "/api/v1/llm/prices/never-priced", admin()).status, 404);
  HttpResponse slash = put_price(admin(), "meta-llama%2FLlama-3.1-8B", {{"input_per_million", 0.1}, {"output_per_million", 0.2}});
  ASSERT_EQ(slash.status, 200) << slash.body;
  EXPECT_EQ(json::parse(slash.body)["model"], "meta-llama/Llama-3.1-8B") << "a model group with a slash, percent-encoded";
}

}  // namespace
}  // namespace spanline::testing
