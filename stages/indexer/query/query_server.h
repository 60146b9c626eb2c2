#pragma once
// The indexer's query endpoint: a ROUTER socket where the api asks about the
// partitions this indexer owns (message `query`, answered with `query_reply`;
// formats in bus/README.md).
//
// How it works: a bus::WorkerRouter owns the socket and the queue; its worker
// threads are the readers. Each reader keeps its own read-only SQLite
// connection per shard, so queries never run on the writers' threads: a slow
// search cannot stall ingest, and ingest cannot stall a search. Answers come
// back to the I/O thread through a queue and an eventfd.
//
// Limits: a request waits at most `max_queued` deep; a query runs until its
// deadline (the asker's `dl`, capped by ours) and is stopped after that, inside
// SQLite and while its answer is built; an answer larger than the asker's `mb`
// (capped by ours) is refused with resource_exhausted rather than sent
// truncated, as soon as the rows read pass the cap (shard_queries.h).
//
// The partitions answered can change while it runs (a group member gains and
// loses partitions: set_partitions()); a query for one not answered now gets
// that partition's failed_precondition, as for any partition it never had. With
// a snapshot source it also serves `snapshot` requests (another replica copying
// a shard, protocol/query/snapshot_messages.h) on the same reader threads.

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "bus/stats.h"
#include "bus/worker_router.h"
#include "base/status.h"

namespace spanline::indexer::group {
class SnapshotSource;
}

namespace spanline::indexer::query {

struct QueryServerOptions {
  std::string endpoint;
  std::string data_dir;
  std::vector<uint32_t> partitions;
  size_t threads = 2;
  size_t max_queued = 256;
  std::chrono::milliseconds max_deadline{std::chrono::seconds(10)};
  uint64_t max_answer_bytes = 64ULL << 20;
  group::SnapshotSource* snapshots = nullptr;  // serves `snapshot` when set; outlives the server
};

class QueryServer {
 public:
  QueryServer(bus::Context& context, QueryServerOptions options, bus::StatsRegistry& stats);

  // Binds the endpoint (an error here is a start-up error) and starts the threads.
  Status start();
  void stop() { router_.stop(); }

  // The partitions answered from now on (each one's shard file must exist).
  void set_partitions(const std::vector<uint32_t>& partitions);
  bool serves(uint32_t partition) const;

 private:
  // While `partition` is answered: how many times it was given up before (a
  // reader's connection from an earlier time may be to a file since replaced).
  std::optional<uint64_t> serving(uint32_t partition) const;
  bus::RouterAnswer run_job(const bus::RouterJob& job, class ReaderSet& readers);
  bus::RouterAnswer run_snapshot(const bus::RouterJob& job);

  QueryServerOptions options_;
  mutable std::mutex partitions_mutex_;
  std::set<uint32_t> partitions_;
  std::map<uint32_t, uint64_t> given_up_;
  bus::WorkerRouter router_;
};

}  // namespace spanline::indexer::query
