#include "skeleton/run_stage.h"

#include <cstdio>

#include "base/log.h"
#include "base/private_files.h"
#include "base/signals.h"
#include "bus/ping.h"
#include "bus/security/bus_key.h"

namespace spanline::stage {
namespace {

void set_up_logs_and_data_folder(const StageConfig& config) {
  log::Level level = log::Level::info;
  log::parse_level(config.log_level, level);
  log::init(config.identity().name, level);
  // The data folder holds secrets and every trace: nothing in it is for other local users.
  make_data_folder_private(config.data_dir);
}

int serve(const StageConfig& config, const StageProgram& program) {
  OpenFilesLimit open_files;
  // Connections are bounded by the stage's caps, not by a small descriptor table.
  if (program.raise_open_files) open_files = raise_open_files_limit();
  auto bus_key = bus::bus_key_or_explain(program.program, config.curve_secret_key);
  if (!bus_key) return 2;
  bus::Context context(*bus_key);
  bus::StatsRegistry stats;
  std::unique_ptr<Stage> stage;
  Status started;
  try {
    stage = program.make_stage({context, stats, open_files});
    started = stage->start();
  } catch (const std::exception& e) {
    started = Status(Code::internal, e.what());
  }
  if (!started.is_ok()) {
    log::error("cannot start", {{"error", started.to_string()}});
    return started.code() == Code::invalid_argument ? 2 : 1;
  }
  std::optional<bus::StatsPublisher> publisher;
  if (program.publishes_stats) {
    publisher.emplace(context, config.stats_endpoint, std::string(config.identity().name), config.instance, stats);
  }
  for (;;) {
    if (auto sig = wait_for_termination_signal(program.tick_interval)) {
      log::info("stopping", {{"signal", *sig}});
      break;
    }
    if (std::optional<int> exit_code = stage->tick()) return *exit_code;
  }
  stage->stop();
  log::info("stopped");
  return 0;
}

}  // namespace

StageCommand ping_command(const StageConfig& config, std::string program, std::string what, const std::string& endpoint) {
  return {"ping", [&config, program = std::move(program), what = std::move(what), &endpoint] {
            auto bus_key = bus::bus_key_or_explain(program, config.curve_secret_key);
            return bus_key ? bus::ping_command(program, what, endpoint, *bus_key) : 2;
          }};
}

int run_stage(int argc, char** argv, StageConfig& config, const std::function<void(Options&)>& register_options,
              const std::function<void()>& resolve, StageProgram program) {
  block_termination_signals();
  Options options(program.program, program.summary, program.usage);
  register_options(options);
  if (program.add_command_options) program.add_command_options(options);
  auto parsed = options.parse(argc, argv);
  if (!parsed) {
    std::fprintf(stderr, "%s: %s\n", program.program.c_str(), parsed.status().message().c_str());
    return 2;
  }
  if (parsed->exit_now) return 0;
  resolve();
  if (Status stats = config.check_stats_endpoint(!program.publishes_stats); !stats.is_ok()) {
    std::fprintf(stderr, "%s: %s\n", program.program.c_str(), stats.message().c_str());
    return 2;
  }
  if (program.check) {
    if (Status checked = program.check(); !checked.is_ok()) {
      std::fprintf(stderr, "%s: %s\n", program.program.c_str(), checked.message().c_str());
      return 2;
    }
  }
  const std::string command = parsed->positional.empty() ? "serve" : parsed->positional[0];
  if (command == "serve") {
    set_up_logs_and_data_folder(config);
    return serve(config, program);
  }
  for (const StageCommand& known : program.commands) {
    if (known.name != command) continue;
    if (known.uses_data_folder) set_up_logs_and_data_folder(config);
    return known.run();
  }
  std::fprintf(stderr, program.commands.empty() ? "%s: unexpected argument '%s' (see --help)\n" : "%s: unknown command '%s' (see --help)\n",
               program.program.c_str(), command.c_str());
  return 2;
}

}  // namespace spanline::stage
