// spanline-api: the REST API and web UI on :1323. Reads the index only through
// the indexers (bus queries) and the pipeline only through the stats stages publish.
#include "skeleton/run_stage.h"
#include "stages/api/api_stage.h"

int main(int argc, char** argv) {
  using namespace spanline;
  api::ApiConfig config;
  return stage::run_stage(
      argc, argv, config,
      {.program = "spanline-api",
       .summary = "The api stage: REST API (JSON, OpenAPI at /api/openapi.json), live tail (SSE), pipeline\n"
                  "monitoring (/api/v1/pipeline, /metrics, /health) and the web UI, on one HTTP port.\n"
                  "It never opens a shard: queries go over the bus to the indexers that own the partitions,\n"
                  "found from the stats every stage publishes to --stats-endpoint.",
       .check = [&] { return config.check(); },
       .make_stage = [&](stage::StageServices services) { return std::make_unique<api::ApiStage>(config, services); },
       .publishes_stats = false,
       .raise_open_files = true});
}
