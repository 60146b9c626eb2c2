// The api's HTTP hardening without a socket: the strict request parser next to
// Pistache's own (what it did before), the UTF-8 check on URL escapes, and
// error messages that never name the deployment's insides.
#include <gtest/gtest.h>

#include <pistache/http.h>

#include "stages/api/http/api_types.h"
#include "stages/api/http/query_params.h"
#include "stages/api/http/strict_request_parser.h"

namespace spanline::api {
namespace {

using Pistache::Http::HttpError;

// Feeds `bytes` to `parser`; "done", "again", "http <code> <reason>" or "exception <what>".
std::string parse(Pistache::Http::RequestParser& parser, const std::string& bytes) {
  try {
    if (!parser.feed(bytes.data(), bytes.size())) return "too large";
    return parser.parse() == Pistache::Http::Private::State::Done ? "done" : "again";
  } catch (const HttpError& e) {
    return "http " + std::to_string(e.code()) + " " + e.reason();
  } catch (const std::exception& e) {
    return std::string("exception ") + e.what();
  }
}

TEST(StrictRequestParser, AContentLengthOfMinusOneIsA400WherePistacheThrewItsAllocatorsText) {
  const std::string request = "POST /api/v1/auth/sign-in HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n";
  Pistache::Http::RequestParser pistache(1 << 20);
  EXPECT_EQ(parse(pistache, request).rfind("exception ", 0), 0u) << "Pistache's own parser, answered as a 500 with this text";
  StrictRequestParser strict({.max_request_bytes = 1 << 20});
  std::string answer = parse(strict, request);
  EXPECT_EQ(answer.rfind("http 400 {\"error\":{\"code\":\"invalid_argument\"", 0), 0u) << answer;
  EXPECT_EQ(answer.find("basic_string"), std::string::npos) << answer;
}

TEST(StrictRequestParser, TwoDifferentContentLengthsAreRefusedWherePistacheTookTheFirst) {
  const std::string request = "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde";
  Pistache::Http::RequestParser pistache(1 << 20);
  EXPECT_EQ(parse(pistache, request), "done");
  EXPECT_EQ(pistache.request.body(), "abc") << "the rest would be read as the next request";
  StrictRequestParser strict({.max_request_bytes = 1 << 20});
  EXPECT_NE(parse(strict, request).find("two different Content-Length headers"), std::string::npos);
}

TEST(StrictRequestParser, AGoodRequestParsesAsBeforeAndAnExceptionBecomesAJson400) {
  std::atomic<uint64_t> malformed{0};
  StrictRequestParser strict({.max_request_bytes = 1 << 20, .malformed_counter = &malformed});
  EXPECT_EQ(parse(strict, "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}"), "done");
  EXPECT_EQ(strict.request.body(), "{}");
  strict.reset();
  // Twenty digits overflow std::stoull inside Pistache's header parser.
  std::string answer = parse(strict, "GET / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n");
  EXPECT_EQ(answer.rfind("http 400 {", 0), 0u) << answer;
  EXPECT_EQ(answer.find("stoull"), std::string::npos) << answer;
  EXPECT_EQ(malformed.load(), 1u);
}

TEST(HeaderBlock, EachRefusalAndWhatPasses) {
  EXPECT_EQ(check_header_block("Content-Length: 12\r\n\r\n", 100).status, 0);
  EXPECT_EQ(check_header_block("Content-Length: 7\r\ncontent-length:7\r\n\r\n", 100).status, 0);
  EXPECT_EQ(check_header_block("\r\n", 100).status, 0);
  EXPECT_EQ(check_header_block("Content-Length: 101\r\n\r\n", 100).status, 413);
  for (const char* bad : {"Content-Length: -1\r\n\r\n", "Content-Length: 1e3\r\n\r\n", "Content-Length:\r\n\r\n",
                          "Content-Length: 12345678901234567890\r\n\r\n", "Content-Length: 1\r\nContent-Length: 2\r\n\r\n",
                          "Content-Length : 5\r\n\r\n", "X-A: 1\r\n folded\r\n\r\n", "no colon here\r\n\r\n", ": empty name\r\n\r\n"}) {
    EXPECT_EQ(check_header_block(bad, 100).status, 400) << bad;
  }
}

TEST(PercentDecode, RefusesSurrogatesOverlongFormsAndCodePointsPastUnicode) {
  for (const char* bad : {"%ed%a0%80", "%ed%bf%bf", "%c0%af", "%c1%bf", "%e0%80%af", "%f0%80%80%af", "%f4%90%80%80", "%f5%80%80%80",
                          "%80", "%ff"}) {
    EXPECT_FALSE(percent_decode(bad, true).is_ok()) << bad;
  }
  EXPECT_EQ(*percent_decode("%ed%9f%bf", true), "\xed\x9f\xbf");          // U+D7FF, just below the surrogates
  EXPECT_EQ(*percent_decode("%ef%bf%bf", true), "\xef\xbf\xbf");          // U+FFFF
  EXPECT_EQ(*percent_decode("%f4%8f%bf%bf", true), "\xf4\x8f\xbf\xbf");   // U+10FFFF, the last code point
  EXPECT_EQ(*percent_decode("%f0%9f%98%80", true), "\xf0\x9f\x98\x80");   // an emoji
  EXPECT_EQ(*percent_decode("%c2%a9", true), "\xc2\xa9");
}

TEST(ErrorReply, AMessageNamingABusEndpointBecomesGeneric) {
  ApiReply reply = error_reply(503, "unavailable", "no indexer answered (ipc:///srv/data/run/query-1.sock did not answer within 3000 ms)");
  EXPECT_EQ(reply.body.find("ipc://"), std::string::npos) << reply.body;
  EXPECT_EQ(reply.body.find(".sock"), std::string::npos) << reply.body;
  EXPECT_NE(reply.body.find("\"unavailable\""), std::string::npos) << reply.body;
  ApiReply auth = error_reply(Status(Code::unavailable, "auth-responder did not answer: tcp://10.0.0.7:5556 did not answer"));
  EXPECT_EQ(auth.body.find("10.0.0.7"), std::string::npos) << auth.body;
  // Messages without internals are kept: they tell the client what to do.
  EXPECT_NE(error_reply(503, "unavailable", "too many queries in progress; retry shortly").body.find("too many queries"), std::string::npos);
}

}  // namespace
}  // namespace spanline::api
