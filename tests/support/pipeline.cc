#include "tests/support/pipeline.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace spanline::testing {

Pipeline::Pipeline(PipelineOptions options) : options_(std::move(options)) {
  grpc_port_ = free_port();
  http_port_ = free_port();
  std::vector<std::string> wal_args = {"--data-dir", dir_.path(), "--log-level", "debug"};
  wal_args.insert(wal_args.end(), options_.wal_args.begin(), options_.wal_args.end());
  wal_ = std::make_unique<Process>(bin_path("spanline-wal"), wal_args, dir_ / "wal.log");
  std::vector<std::string> gateway_args = {"--data-dir", dir_.path(),
                                           "--grpc-address", "127.0.0.1:" + std::to_string(grpc_port_),
                                           "--http-address", options_.http ? "127.0.0.1:" + std::to_string(http_port_) : "",
                                           "--partitions", std::to_string(options_.partitions)};
  gateway_args.insert(gateway_args.end(), options_.gateway_args.begin(), options_.gateway_args.end());
  gateway_ = std::make_unique<Process>(bin_path("spanline-gateway"), gateway_args, dir_ / "gateway.log");
}

Pipeline::~Pipeline() {
  gateway_->stop(std::chrono::seconds(5));
  wal_->stop(std::chrono::seconds(5));
}

void Pipeline::start_wal() {
  wal_->start();
  bool up = wait_until([&] {
    return run_command({bin_path("spanline-wal"), "ping", "--data-dir", dir_.path()}) == 0;
  });
  if (!up) throw std::runtime_error("the wal did not come up:\n" + wal_->log());
}

void Pipeline::start_gateway() {
  gateway_->start();
  bool up = wait_until([&] { return port_open(grpc_port_) && (!options_.http || port_open(http_port_)); });
  if (!up) throw std::runtime_error("the gateway did not come up:\n" + gateway_->log());
}

std::vector<WalSpan> Pipeline::wal_spans() const {
  std::string out;
  int rc = run_command({bin_path("spanline-wal"), "dump", "--spans", "--data-dir", dir_.path()}, &out);
  if (rc != 0) throw std::runtime_error("spanline-wal dump failed: " + std::to_string(rc));
  std::vector<WalSpan> spans;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    auto json = nlohmann::json::parse(line);
    if (!json.contains("span_id")) continue;
    spans.push_back({json["partition"].get<uint32_t>(), json["sequence"].get<uint64_t>(),
                     json["trace_id"].get<std::string>(), json["span_id"].get<std::string>()});
  }
  return spans;
}

std::string Pipeline::logs() const {
  return "--- wal ---\n" + wal_->log() + "--- gateway ---\n" + gateway_->log();
}

}  // namespace spanline::testing
