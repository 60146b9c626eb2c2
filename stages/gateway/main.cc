// spanline-gateway: OTLP in (gRPC :50051, HTTP :4318), durable WAL appends out.
#include "skeleton/run_stage.h"
#include "stages/gateway/gateway_stage.h"

int main(int argc, char** argv) {
  using namespace spanline;
  gateway::GatewayConfig config;
  return stage::run_stage(
      argc, argv, config,
      {.program = "spanline-gateway",
       .summary = "The gateway stage: receives OTLP over gRPC and HTTP, validates and partitions spans, and answers OK\n"
                  "only after the WAL has synced them. Without a command it runs the stage.\n"
                  "Commands:\n  health   gRPC health check of the running gateway's OTLP/gRPC port (exit 0 if SERVING)",
       .usage = "[health] [options]",
       .check = [&] { return config.check(); },
       .commands = {{.name = "health", .run = [&] { return gateway::health_check(config); }, .uses_data_folder = false}},
       .make_stage = [&](stage::StageServices services) { return std::make_unique<gateway::GatewayStage>(config, services); },
       .raise_open_files = true,
       .tick_interval = std::chrono::seconds(1)});
}
