// spanline: the command-line front door. `spanline up` runs the whole pipeline
// on one machine with embedded defaults.
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "stages/common/log.h"
#include "stages/common/options.h"
#include "stages/common/signals.h"
#include "stages/launcher/supervisor.h"

namespace {

std::string own_directory() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : self.parent_path().string();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace spanline;
  block_termination_signals();
  std::string data_dir = "./spanline-data";
  std::string bin_dir;  // empty: next to this program
  std::string log_level = "info";
  std::string grpc_address = "0.0.0.0:50051";
  std::string http_address = "0.0.0.0:4318";
  uint32_t partitions = 4;
  std::chrono::milliseconds stop_grace{std::chrono::seconds(15)};
  Options options("spanline",
                  "Spanline: an observability server for AI workflows.\n"
                  "Commands:\n"
                  "  up     start every stage as its own process (wal, gateway), restart any that dies,\n"
                  "         stop all on Ctrl-C or SIGTERM",
                  "up [options]");
  options.add("data-dir", &data_dir, "Data folder for every stage (WAL, index, metadata, ipc sockets).")
      .add("bin-dir", &bin_dir, "Folder holding the stage binaries; empty means the folder of this program.")
      .add("log-level", &log_level, "debug, info, warn or error.")
      .add("grpc-address", &grpc_address, "OTLP/gRPC listen address of the gateway.")
      .add("http-address", &http_address, "OTLP/HTTP listen address of the gateway.")
      .add("partitions", &partitions, "Number of partitions.")
      .add("stop-grace", &stop_grace, "How long each stage may take to stop before it is killed.");
  auto parsed = options.parse(argc, argv);
  if (!parsed) {
    std::fprintf(stderr, "spanline: %s\n", parsed.status().message().c_str());
    return 2;
  }
  if (parsed->exit_now) return 0;
  if (parsed->positional.empty() || parsed->positional[0] != "up") {
    std::fprintf(stderr, "spanline: say what to do: 'spanline up' (see --help)\n");
    return 2;
  }
  if (bin_dir.empty()) bin_dir = own_directory();
  log::Level level = log::Level::info;
  log::parse_level(log_level, level);
  log::init("launcher", level);
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  data_dir = std::filesystem::absolute(data_dir).lexically_normal().string();
  if (data_dir.size() > 1 && data_dir.back() == '/') data_dir.pop_back();

  std::vector<std::string> common = {"--data-dir", data_dir, "--log-level", log_level};
  auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.begin(), common.begin(), common.end());
    return extra;
  };
  std::vector<launcher::StageSpec> stages = {
      {"wal", bin_dir + "/spanline-wal", with({})},
      {"gateway", bin_dir + "/spanline-gateway",
       with({"--grpc-address", grpc_address, "--http-address", http_address, "--partitions", std::to_string(partitions)})},
  };
  launcher::Supervisor supervisor(std::move(stages));
  if (Status started = supervisor.start_all(); !started.is_ok()) {
    log::error("cannot start the pipeline", {{"error", started.to_string()}});
    supervisor.stop_all(stop_grace);
    return 1;
  }
  std::printf("Spanline is starting (data in %s)\n"
              "  OTLP/gRPC  %s\n"
              "  OTLP/HTTP  %s  (POST /v1/traces, /v1/logs, /v1/metrics)\n"
              "  WAL bus    ipc://%s/run/wal.sock\n"
              "Press Ctrl-C to stop.\n",
              data_dir.c_str(), grpc_address.c_str(), http_address.c_str(), data_dir.c_str());
  std::fflush(stdout);
  for (;;) {
    if (auto sig = wait_for_termination_signal(std::chrono::milliseconds(200))) {
      log::info("stopping every stage", {{"signal", *sig}});
      break;
    }
    supervisor.tick();
  }
  supervisor.stop_all(stop_grace);
  return 0;
}
