// spanline-indexer: keeps the SQLite shards of its partitions in step with the WAL.
#include "skeleton/run_stage.h"
#include "stages/indexer/indexer_commands.h"
#include "stages/indexer/indexer_stage.h"

int main(int argc, char** argv) {
  using namespace spanline;
  indexer::IndexerConfig config;
  indexer::DeleteFlags delete_flags;
  return stage::run_stage(
      argc, argv, config,
      {.program = "spanline-indexer",
       .summary = "The indexer stage: reads its partitions from the WAL and writes one SQLite shard per partition,\n"
                  "committing its WAL cursor in the same transaction as the rows (exactly once).\n"
                  "Commands:\n  stat   cursor and row counts of each owned shard\n"
                  "  ping   asks the running indexer's query endpoint whether it answers (exit 0 if it does)\n"
                  "  delete   delete a service's data (--service, --before); what `spanline delete` runs\n"
                  "  reindex  rebuild the shards from what the WAL still holds (stop the indexers first; the WAL must\n"
                  "           run), with a progress bar; what `spanline reindex` runs",
       .usage = "[stat|ping|delete|reindex] [options]",
       .add_command_options = [&](Options& options) { delete_flags.register_options(options); },
       .check = [&] { return indexer::owned_partitions(config).status(); },
       .commands = {{.name = "stat", .run = [&] { return indexer::stat_command(config); }},
                    stage::ping_command(config, "spanline-indexer", "indexer", config.query_advertise),
                    {.name = "delete", .run = [&] { return indexer::delete_command(config, delete_flags); }},
                    {.name = "reindex", .run = [&] { return indexer::reindex_command(config); }}},
       .make_stage = [&](stage::StageServices services) { return std::make_unique<indexer::IndexerStage>(config, services); }});
}
