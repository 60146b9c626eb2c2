#pragma once
// The real stages as child processes on a temp data folder and free ports, for
// integration and fault tests. Nothing is mocked: RocksDB, ZeroMQ over ipc, gRPC.

#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace spanline::testing {

struct WalSpan {
  uint32_t partition = 0;
  uint64_t sequence = 0;
  std::string trace_id;  // lower-case hex
  std::string span_id;
};

struct PipelineOptions {
  uint32_t partitions = 4;
  bool http = true;  // OTLP/HTTP on a free port; false turns it off
  std::vector<std::string> wal_args;
  std::vector<std::string> gateway_args;
};

class Pipeline {
 public:
  explicit Pipeline(PipelineOptions options = {});
  ~Pipeline();

  void start_wal();
  void start_gateway();
  void start() {
    start_wal();
    start_gateway();
  }

  Process& wal() { return *wal_; }
  Process& gateway() { return *gateway_; }
  const std::string& data_dir() const { return dir_.path(); }
  std::string grpc_target() const { return "127.0.0.1:" + std::to_string(grpc_port_); }
  std::string http_base() const { return "http://127.0.0.1:" + std::to_string(http_port_); }
  int http_port() const { return http_port_; }
  uint32_t partitions() const { return options_.partitions; }

  // Every span the WAL holds, read with `spanline-wal dump --spans`.
  std::vector<WalSpan> wal_spans() const;
  // Both stages' logs, for failure messages.
  std::string logs() const;

 private:
  PipelineOptions options_;
  TempDir dir_;
  int grpc_port_ = 0;
  int http_port_ = 0;
  std::unique_ptr<Process> wal_;
  std::unique_ptr<Process> gateway_;
};

}  // namespace spanline::testing
