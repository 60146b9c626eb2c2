// spanline-wal: the durable log stage, and a small inspection tool for its data.
#include "skeleton/run_stage.h"
#include "stages/wal/inspect.h"
#include "stages/wal/wal_stage.h"

int main(int argc, char** argv) {
  using namespace spanline;
  wal::WalConfig config;
  wal::InspectFlags flags;
  return stage::run_stage(
      argc, argv, config,
      {.program = "spanline-wal",
       .summary = "The WAL stage: a durable, partitioned log on RocksDB. Without a command it runs the stage.\n"
                  "Commands:\n  stat   partitions, sequence ranges, consumer cursors, disk use (--json, --verify)\n"
                  "  dump   entries as JSON lines (--partition, --spans, --limit)\n"
                  "  ping   asks the running WAL whether it answers (exit 0 if it does)",
       .usage = "[stat|dump|ping] [options]",
       .add_command_options = [&](Options& options) { flags.register_options(options); },
       .check = [&] { return config.check(); },
       .commands = {{.name = "stat", .run = [&] { return wal::stat_command(config, flags); }},
                    {.name = "dump", .run = [&] { return wal::dump_command(config, flags); }},
                    stage::ping_command(config, "spanline-wal", "wal", config.endpoint)},
       .make_stage = [&](stage::StageServices services) { return std::make_unique<wal::WalStage>(config, services); }});
}
