// The api's pure parts: URL decoding and parameter parsing (hostile input
// arrives here first), state replay, metric naming, and the static-file guard.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "stages/api/http/query_params.h"
#include "stages/api/http/strict_request_parser.h"
#include "stages/api/query/state_replay.h"
#include "stages/api/routes/search_filters.h"
#include "stages/api/routes/pipeline_routes.h"
#include "stages/api/routes/static_files.h"
#include "tests/support/temp_dir.h"

namespace spanline::api {
namespace {

using nlohmann::json;

TEST(PercentDecode, DecodesAndRefusesWhatIsNotText) {
  EXPECT_EQ(*percent_decode("a%20b+c", true), "a b c");
  EXPECT_EQ(*percent_decode("a+b", false), "a+b");
  EXPECT_EQ(*percent_decode("%E4%B8%AD%E6%96%87", true), "中文");
  EXPECT_FALSE(percent_decode("%", true).is_ok());
  EXPECT_FALSE(percent_decode("%4", true).is_ok());
  EXPECT_FALSE(percent_decode("%zz", true).is_ok());
  EXPECT_FALSE(percent_decode("a%00b", true).is_ok());
  EXPECT_FALSE(percent_decode("%C3%28", true).is_ok());  // invalid UTF-8
  EXPECT_FALSE(percent_decode("%E4%B8", true).is_ok());  // truncated sequence
}

TEST(QueryParams, TypedReadsNameTheParameter) {
  std::map<std::string, std::string> values = {{"limit", "12"}, {"bad", "x1"}, {"d", "250ms"}, {"t", "2026-11-23T10:00:00.5+01:00"},
                                               {"ms", "1700000000000"}, {"flag", "true"}};
  QueryParams params(values);
  EXPECT_EQ(params.integer("limit", 1, 100)->value(), 12);
  EXPECT_NE(params.integer("bad", 1, 100).status().message().find("'bad'"), std::string::npos);
  EXPECT_FALSE(params.integer("limit", 1, 10).is_ok());
  EXPECT_EQ(params.duration("d")->value().count(), 250'000'000);
  EXPECT_EQ(params.time("t")->value(), 1'795'424'400'500'000'000);
  EXPECT_EQ(params.time("ms")->value(), 1'700'000'000'000'000'000);
  EXPECT_TRUE(params.boolean("flag")->value());
  EXPECT_FALSE(params.integer("absent", 0, 1)->has_value());
  EXPECT_NE(params.only({"limit"}).message().find("unknown parameter"), std::string::npos);
}

TEST(AttributeFilters, RepeatedOrJoinedBySemicolonRawOrEncodedAndErrorsQuoteTheFilter) {
  auto filters = [](std::vector<std::string> raw) {
    ApiRequest request;
    request.raw_query_all["attr"] = std::move(raw);
    request.query["attr"] = "";
    return search_filters(request, false);
  };
  auto three = filters({"a:1%3Bb%3E2", "c<=3;d:x%5C%3By"});
  ASSERT_TRUE(three.is_ok()) << three.status().to_string();
  ASSERT_EQ(three->attributes.size(), 4u);
  EXPECT_EQ(three->attributes[0].key, "a");
  EXPECT_EQ(three->attributes[1].number, 2);
  EXPECT_EQ(three->attributes[2].op, protocol::query::AttributeFilter::Op::less_or_equal);
  EXPECT_EQ(three->attributes[3].text, "x;y") << "an escaped ';' stays in the value";
  auto bad = filters({"a:1%3Bn%3Eabc"});
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().message(), "parameter 'attr': filter 'n>abc': 'n>' needs a number");
  auto second = filters({"a:1", "novalue"});
  ASSERT_FALSE(second.is_ok());
  EXPECT_EQ(second.status().message(), "parameter 'attr': filter 'novalue': expected key:value, key>number or key<number");
  std::vector<std::string> many(17, "k:v");
  EXPECT_NE(filters(many).status().message().find("at most 16"), std::string::npos);
}

TEST(RequestLine, SplitsWhatPistacheLeavesOut) {
  RawRequestLine line;
  ASSERT_TRUE(split_request_line("GET /api/v1/traces?attr=a:1&attr=b:2#frag HTTP/1.1", line));
  EXPECT_EQ(line.method, "GET");
  EXPECT_EQ(line.path, "/api/v1/traces");
  EXPECT_EQ(line.query, "attr=a:1&attr=b:2");
  EXPECT_FALSE(split_request_line("garbage", line));
}

TEST(StateReplay, APatchThatDoesNotApplyIsReportedOnItsStepAndTheStateCarriesOn) {
  json changes = json::array({{{"patch", json::parse(R"([{"op":"add","path":"/a","value":1}])")}},
                              {{"patch", json::parse(R"([{"op":"remove","path":"/missing"}])")}},
                              {{"patch", json::object()}},
                              {{"patch", json::parse(R"([{"op":"replace","path":"/a","value":2}])")}}});
  json steps = replay_state_changes(json::parse(R"({"b":true})"), changes);
  ASSERT_EQ(steps.size(), 4u);
  EXPECT_EQ(steps[0]["state_after"], json::parse(R"({"a":1,"b":true})"));
  EXPECT_TRUE(steps[1].contains("patch_error"));
  EXPECT_EQ(steps[1]["state_after"], json::parse(R"({"a":1,"b":true})"));
  EXPECT_FALSE(steps[2].contains("patch_error"));
  EXPECT_EQ(steps[3]["state_after"], json::parse(R"({"a":2,"b":true})"));
}

TEST(StateReplay, ACopyBombStopsAtTheReplayLimitInsteadOfExhaustingMemory) {
  // Each copy doubles the state: 40 of them would need 2^40 times its size.
  json bomb = json::array();
  for (int i = 0; i < 40; ++i) bomb.push_back({{"op", "copy"}, {"from", ""}, {"path", "/a" + std::to_string(i)}});
  json changes = json::array({{{"patch", bomb}}, {{"patch", json::parse(R"([{"op":"add","path":"/z","value":1}])")}}});
  json steps = replay_state_changes(json::parse(R"({"seed":"0123456789abcdef0123456789abcdef"})"), changes);
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_NE(steps[0].value("patch_error", "").find("replay limit"), std::string::npos) << steps[0].value("patch_error", "");
  EXPECT_LE(steps[0]["state_after"].dump().size(), size_t{64} << 20);
  EXPECT_FALSE(steps[1].contains("patch_error")) << "later patches still apply";
  EXPECT_EQ(steps[1]["state_after"]["z"], 1);
}

TEST(MetricName, PartitionSuffixBecomesALabel) {
  EXPECT_EQ(metric_name("lag_entries.p3").name, "lag_entries");
  EXPECT_EQ(metric_name("lag_entries.p3").partition, "3");
  EXPECT_EQ(metric_name("spans.acked").name, "spans_acked");
  EXPECT_EQ(metric_name("odd-name.px").partition, "");
}

TEST(StaticFiles, ServesOnlyInsideTheFolder) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir / "web");
  std::ofstream(dir / "web/index.html") << "index";
  std::ofstream(dir / "secret") << "secret";
  std::filesystem::create_symlink(dir / "secret", dir / "web/link");
  StaticFiles files(dir / "web");
  auto get = [&](std::vector<std::string> segments) {
    ApiRequest request;
    request.method = "GET";
    request.segments = std::move(segments);
    return files.serve(request);
  };
  EXPECT_EQ(get({}).body, "index");
  EXPECT_EQ(get({"..", "secret"}).status, 400);
  EXPECT_EQ(get({"link"}).status, 404);  // a symlink out of the folder
  EXPECT_EQ(get({"a", "b"}).body, "index");
  EXPECT_EQ(get({"x.js"}).status, 404);
  EXPECT_EQ(content_type_for("a.css"), "text/css; charset=utf-8");
}

}  // namespace
}  // namespace spanline::api
