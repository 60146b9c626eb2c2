#pragma once
// The start-up and shutdown every stage's process shares, so a stage's main()
// only says what the stage is: its options, its commands and its main object.
//
// How it works: run_stage() blocks the termination signals (before any thread
// starts), parses flags and environment (--help, --print-config-table), resolves
// the config and runs the stage's checks (a refusal exits 2 with the message).
// A positional command (`ping`, `stat`, ...) runs and its code is the exit code.
// Otherwise it sets up the JSON logs, makes the data folder private, optionally
// raises the open-files limit, reads the bus key (exit 2 if it cannot), builds
// the stage with the process's bus context and stats registry and starts it
// (exit 1 with "cannot start" if that fails, exceptions included), publishes
// its stats once a second, calls tick() between waits for SIGINT/SIGTERM/SIGHUP,
// and on one stops the stage in order and exits 0.
//
// Threads: call from main() only, first thing.
//
// Exit codes: 0 stopped by a signal (or a command succeeded); 1 could not
// start; 2 bad command line or configuration (start() saying invalid_argument too); a stage's tick() may end the
// process with its own code (the gateway's 75: restart me).

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/fd_limit.h"
#include "base/options.h"
#include "base/status.h"
#include "bus/context.h"
#include "bus/stats.h"
#include "skeleton/stage_config.h"

namespace spanline::stage {

// A stage's main object as the skeleton runs it.
class Stage {
 public:
  virtual ~Stage() = default;
  // Opens and binds everything the stage serves from; an error ends the
  // process: exit 2 for invalid_argument (the configuration is wrong: starting
  // again will not help), else 1.
  virtual Status start() = 0;
  // Called on the main thread every tick interval while the stage runs; an
  // exit code ends the process at once (the stage has stopped what it must).
  virtual std::optional<int> tick() { return std::nullopt; }
  // Stops in order after a termination signal.
  virtual void stop() = 0;
};

// What the skeleton hands a stage it builds.
struct StageServices {
  bus::Context& context;
  bus::StatsRegistry& stats;
  OpenFilesLimit open_files;  // zero unless the program asked to raise it
};

// A command of the stage's binary besides running the stage (`spanline-wal stat`).
struct StageCommand {
  std::string name;
  std::function<int()> run;
  // false: runs before logs are set up and leaves the data folder alone (a
  // container health check may run where the data folder is not).
  bool uses_data_folder = true;
};

struct StageProgram {
  std::string program;  // "spanline-wal": --help's title and the prefix of command-line errors
  std::string summary;
  std::string usage = "[options]";
  // Options besides the config's own (a command's flags), registered after them.
  std::function<void(Options&)> add_command_options;
  // Refusals after the config is resolved (exit 2, message on stderr).
  std::function<Status()> check;
  std::vector<StageCommand> commands;
  // Builds the stage (no command, or `serve`).
  std::function<std::unique_ptr<Stage>(StageServices)> make_stage;
  bool publishes_stats = true;     // false for the api, which binds the stats endpoint itself
  bool raise_open_files = false;   // for stages whose connection caps, not the fd table, must bound connections
  std::chrono::milliseconds tick_interval{500};
};

// `<program> ping`: asks the running stage at `endpoint` (read when the command
// runs, after the config is resolved) whether it answers; exit 0 if it does.
StageCommand ping_command(const StageConfig& config, std::string program, std::string what, const std::string& endpoint);

// The non-template part of run_stage().
int run_stage(int argc, char** argv, StageConfig& config, const std::function<void(Options&)>& register_options,
              const std::function<void()>& resolve, StageProgram program);

// `Config` inherits StageConfig and has register_options(Options&) and resolve().
template <class Config>
int run_stage(int argc, char** argv, Config& config, StageProgram program) {
  return run_stage(
      argc, argv, config, [&config](Options& options) { config.register_options(options); }, [&config] { config.resolve(); },
      std::move(program));
}

}  // namespace spanline::stage
