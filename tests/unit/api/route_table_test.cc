// The route table and stages/api/openapi.json describe the same api: every
// route served is documented, every documented route is served, with the same
// methods (HEAD goes with GET; OPTIONS, the CORS preflight, is answered for
// every path and documented for none).
#include "stages/api/http/route_table.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "stages/api/routes/static_files.h"

namespace spanline::api {
namespace {

using nlohmann::json;

std::map<std::string, std::set<std::string>> documented_routes() {
  const json document = json::parse(openapi_document().body);
  std::map<std::string, std::set<std::string>> routes;
  for (const auto& [path, item] : document.at("paths").items()) {
    for (const auto& [method, operation] : item.items()) {
      std::string upper = method;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (upper == "GET" || upper == "POST" || upper == "PUT" || upper == "PATCH" || upper == "DELETE") routes[path].insert(upper);
    }
  }
  return routes;
}

TEST(RouteTable, MatchesTheOpenApiDocument) {
  RouteTable table{ApiHandlers{}};
  std::map<std::string, std::set<std::string>> served;
  for (const Route& route : table.routes()) {
    EXPECT_TRUE(served.emplace(route.path, std::set<std::string>(route.methods.begin(), route.methods.end())).second)
        << route.path << " is in the table twice";
  }
  const auto documented = documented_routes();
  for (const auto& [path, methods] : served) {
    auto doc = documented.find(path);
    if (doc == documented.end()) {
      ADD_FAILURE() << path << " is served but not in openapi.json";
      continue;
    }
    EXPECT_EQ(methods, doc->second) << "methods of " << path;
  }
  for (const auto& [path, methods] : documented) {
    EXPECT_TRUE(served.count(path)) << path << " is in openapi.json but not served";
  }
}

TEST(RouteTable, LiteralPathsWinOverTemplatesAndParametersComeInOrder) {
  RouteTable table{ApiHandlers{}};
  std::vector<std::string> parameters;
  const Route* first = table.find({"api", "v1", "users", "first"}, parameters);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->path, "/api/v1/users/first");
  const Route* live = table.find({"api", "v1", "traces", "live"}, parameters);
  ASSERT_NE(live, nullptr);
  EXPECT_TRUE(live->live_stream);
  const Route* span = table.find({"api", "v1", "spans", "abc", "def"}, parameters);
  ASSERT_NE(span, nullptr);
  EXPECT_EQ(span->path, "/api/v1/spans/{trace_id}/{span_id}");
  EXPECT_EQ(parameters, (std::vector<std::string>{"abc", "def"}));
  EXPECT_EQ(table.find({"api", "v1", "nothing"}, parameters), nullptr);
  EXPECT_TRUE(RouteTable::allows(*span, "HEAD"));
  EXPECT_FALSE(RouteTable::allows(*span, "POST"));
}

}  // namespace
}  // namespace spanline::api
