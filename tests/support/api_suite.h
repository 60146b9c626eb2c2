#pragma once
// A test suite whose tests share one real pipeline (gateway, WAL, auth-responder,
// indexers, api): started once for the suite, checked ready before each test.
// The api-level integration suites (agents, stable links, LLM records, prices,
// sessions) each wrote this setup again; now they derive from it:
//
//   class Sessions : public ApiSuite<Sessions> {
//    public:
//     static PipelineOptions pipeline_options() { return {.indexers = {"0,1", "2,3"}, .api = true}; }  // optional
//   };
//
// and reach the pipeline through `pipeline_`.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/support/pipeline.h"
#include "tests/support/process.h"

namespace spanline::testing {

template <typename Suite>
class ApiSuite : public ::testing::Test {
 public:
  // What runs: one indexer over the four partitions and the api. A suite hides this to change it.
  static PipelineOptions pipeline_options() { return {.indexers = {"0-3"}, .api = true}; }

  static void SetUpTestSuite() {
    pipeline_ = new Pipeline(Suite::pipeline_options());
    pipeline_->start();
    ready_ = pipeline_->wait_api_complete();
  }
  static void TearDownTestSuite() {
    delete pipeline_;
    pipeline_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(ready_) << "the api never heard from every indexer\n" << pipeline_->logs(); }

 protected:
  // Runs tests/js/<script> (a one-shot sender of the real OpenTelemetry JS SDK)
  // against the gateway over gRPC with the pipeline's API key, as `service`;
  // its output in *out, its exit code returned (-1, saying why, when tests/js is not installed).
  static int run_js_sender(const std::string& script, const std::string& service, std::string* out) {
    if (!std::filesystem::exists(std::string(SPANLINE_SOURCE_DIR) + "/tests/js/node_modules")) {
      *out = "run 'make test' (it installs tests/js with npm ci)";
      return -1;
    }
    return run_command({"node", std::string(SPANLINE_SOURCE_DIR) + "/tests/js/" + script, "--protocol", "grpc", "--endpoint",
                        "http://" + pipeline_->grpc_target(), "--service", service, "--header",
                        "x-junjo-api-key=" + pipeline_->api_key()},
                       out);
  }

  static inline Pipeline* pipeline_ = nullptr;
  static inline bool ready_ = false;
};

}  // namespace spanline::testing
