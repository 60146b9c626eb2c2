// The query hop's "executables" kind (a Junjo stable link's lookup): what the
// api sends is what the indexer reads, the reply comes back whole, and the
// executable types map the span types a link can name.
#include <gtest/gtest.h>

#include "protocol/query/query_messages.h"

namespace spanline::protocol::query {
namespace {

TEST(ExecutableQuery, SurvivesTheWire) {
  auto decoded = decode_request(encode(QueryRequest{{0, 1, 2}, ExecutableQuery{"greeter", "run-1 é"}}));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(kind_of(decoded->query), "executables");
  const auto& query = std::get<ExecutableQuery>(decoded->query);
  EXPECT_EQ(query.service, "greeter");
  EXPECT_EQ(query.runtime_id, "run-1 é");
}

TEST(ExecutableQuery, WithoutAServiceOrRuntimeIdIsRefused) {
  auto missing = decode_request(R"({"kind":"executables","partitions":[0],"params":{"service":"greeter"}})");
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().code(), Code::invalid_argument);
  EXPECT_FALSE(decode_request(R"({"kind":"executables","partitions":[0],"params":{"service":1,"runtime_id":"r"}})").is_ok());
}

TEST(ExecutableQuery, TheReplyRoundTrips) {
  ExecutablesReply reply{{{"5b1a0e000000000000000000000000a1", "5b1a0e0000000001", "workflow", "greeter_workflow", 42},
                          {"5b1a0e000000000000000000000000a2", "5b1a0e0000000009", "agent", "weather_agent", 43}}};
  auto back = decode<ExecutablesReply>(encode(reply));
  ASSERT_TRUE(back.is_ok());
  ASSERT_EQ(back->executables.size(), 2u);
  EXPECT_EQ(back->executables[1].span_id, "5b1a0e0000000009");
  EXPECT_EQ(back->executables[1].span_type, "agent");
  EXPECT_EQ(back->executables[1].name, "weather_agent");
  EXPECT_EQ(back->executables[1].start_ns, 43);
  EXPECT_FALSE(decode<ExecutablesReply>(R"({"executables":[{"span_id":"x"}]})").is_ok()) << "a match without its trace";
}

TEST(ExecutableQuery, TypesNameTheSpanTypesALinkFinds) {
  EXPECT_EQ(executable_type_named("workflow"), ExecutableType::workflow);
  EXPECT_EQ(executable_type_named("agent"), ExecutableType::agent);
  EXPECT_EQ(executable_type_named("subflow"), std::nullopt) << "a workflow link finds subflows; there is no subflow link";
  EXPECT_EQ(executable_type_named("Workflow"), std::nullopt);
  EXPECT_EQ(name_of(ExecutableType::agent), "agent");
  for (std::string_view span_type : kExecutableSpanTypes) EXPECT_TRUE(executable_type_of_span_type(span_type).has_value()) << span_type;
  EXPECT_EQ(executable_type_of_span_type("subflow"), ExecutableType::workflow);
  EXPECT_EQ(executable_type_of_span_type("node"), std::nullopt);
  EXPECT_EQ(executable_type_of_span_type("run_concurrent"), std::nullopt);
}

}  // namespace
}  // namespace spanline::protocol::query
