#pragma once
// The real stages as child processes on a temp data folder and free ports, for
// integration and fault tests. Nothing is mocked: RocksDB, ZeroMQ over ipc, gRPC.

#include <memory>
#include <string>
#include <vector>

#include <map>
#include <set>

#include "tests/support/auth_stage.h"
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
  uint32_t partitions = 4;  // given to the WAL only: the gateway, the indexers and the api learn it from the WAL
  // WAL instances, each owning an even, contiguous share of the partitions
  // (--owned-partitions); the first keeps the data folder, the others get
  // wal-<n>/ inside it. The gateway, the indexers and the api get every WAL's
  // endpoint.
  uint32_t wals = 1;
  bool http = true;  // OTLP/HTTP on a free port; false turns it off
  std::vector<std::string> wal_args;
  std::vector<std::string> gateway_args;
  // One indexer per entry, owning those partitions ("0-3", or "0,1" and "2,3"; "": all of the WAL's).
  std::vector<std::string> indexers;
  std::vector<std::string> indexer_args;
  bool api = false;  // the api stage on a free port
  std::vector<std::string> api_args;
  bool api_first_user = true;  // create the first user (and its session) when the api starts
  std::vector<std::string> auth_args;  // extra flags of the auth-responder (after the tests' cheap scrypt cost)
};

class Pipeline {
 public:
  explicit Pipeline(PipelineOptions options = {});
  ~Pipeline();

  void start_auth();
  void start_wal();
  void start_gateway();
  void start_indexer(size_t index);
  void start_api();
  void start() {
    start_auth();
    if (api_) start_api();
    start_wal();
    start_gateway();
    for (size_t i = 0; i < indexers_.size(); ++i) start_indexer(i);
  }

  Process& wal() { return *wal_; }
  // WAL `index` (0: wal()), when options.wals > 1.
  Process& wal(size_t index) { return index == 0 ? *wal_ : *extra_wals_.at(index - 1); }
  // The partitions WAL `index` owns, as --owned-partitions says them ("" with one WAL).
  std::string owned_by_wal(size_t index) const;
  // Every WAL's endpoint, comma-joined: what --wal-endpoint of the other stages says.
  std::string wal_endpoints() const;
  Process& gateway() { return *gateway_; }
  Process& indexer(size_t index) { return *indexers_.at(index); }
  Process& api() { return *api_; }
  AuthStage& auth() { return auth_; }
  // The API key every test client sends (created at the first start_auth()).
  const std::string& api_key() const { return auth_.api_key(); }
  // With the api: the first user's session, made at the first start_api().
  const std::string& session_cookie() const { return session_cookie_; }
  // Headers a signed-in browser sends: the session cookie.
  std::map<std::string, std::string> signed_in() const { return {{"Cookie", session_cookie_}}; }
  int api_port() const { return api_port_; }
  const std::string& data_dir() const { return dir_.path(); }
  std::string grpc_target() const { return "127.0.0.1:" + std::to_string(grpc_port_); }
  std::string http_base() const { return "http://127.0.0.1:" + std::to_string(http_port_); }
  int http_port() const { return http_port_; }
  uint32_t partitions() const { return options_.partitions; }

  // Every span the WALs hold, read with `spanline-wal dump --spans`.
  std::vector<WalSpan> wal_spans() const;
  // Every span WAL `index` holds.
  std::vector<WalSpan> wal_spans(size_t index) const;
  // Every stage's logs, for failure messages.
  std::string logs() const;
  // Sums a single-number SQL query over every partition's shard (read-only).
  int64_t shard_sum(const std::string& sql) const;
  // Every span row of every shard as (trace id, span id) in lower-case hex,
  // with how many rows each has across all shards (exactly once means 1).
  std::map<std::pair<std::string, std::string>, int> shard_span_counts() const;
  // Waits until every acked span is in the index (or `timeout` passes), then
  // counts: rows in the index, acked spans missing, spans held more than once.
  struct IndexTally {
    size_t indexed = 0, lost = 0, duplicated = 0;
  };
  IndexTally wait_for_acked(const std::set<std::pair<std::string, std::string>>& acked,
                            std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;
  // `PRAGMA integrity_check` of every shard: empty when all say ok, else what they said.
  std::string shard_integrity_problems() const;
  // Waits until the shards hold `spans` spans in all; false on timeout.
  bool wait_indexed(int64_t spans, std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;
  // With the api: waits until it answers for every partition (it has heard from
  // the indexers owning them), so answers are complete; false on timeout.
  bool wait_api_complete(std::chrono::milliseconds timeout = std::chrono::seconds(20)) const;

 private:
  PipelineOptions options_;
  TempDir dir_;
  int grpc_port_ = 0;
  int http_port_ = 0;
  int api_port_ = 0;
  AuthStage auth_;
  bool auth_started_ = false;
  std::string session_cookie_;
  std::unique_ptr<Process> api_;
  std::unique_ptr<Process> wal_;
  std::vector<std::unique_ptr<Process>> extra_wals_;
  std::string wal_folder(size_t index) const;  // WAL `index`'s data folder  // WALs 2..n, each with its own folder under the data folder
  std::unique_ptr<Process> gateway_;
  std::vector<std::unique_ptr<Process>> indexers_;
};

}  // namespace spanline::testing
