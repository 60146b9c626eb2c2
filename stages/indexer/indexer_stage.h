#pragma once
// The indexer's main object: one PartitionWorker per owned partition (WAL ->
// shard, exactly once) and the query server answering the api on reader
// threads. tick() runs index retention on the main thread, on its own
// read-write connection per shard (SQLite serializes it with the writer).
// Which partitions it owns depends on the WAL's partition count, learned from
// the WAL: start() waits a moment for it; a WAL that is not up yet is waited
// for in tick(), and the shards, workers and query server open once it answers.

#include <memory>
#include <vector>

#include "base/clock.h"
#include "bus/request_client.h"
#include "protocol/wal/wal_partitions.h"
#include "skeleton/run_stage.h"
#include "stages/indexer/indexer_config.h"
#include "stages/indexer/partition_worker.h"
#include "stages/indexer/query/query_server.h"

namespace spanline::indexer {

// The partitions --partitions names ("0-3", "0,2"; empty when it names none,
// meaning all of the WAL's); invalid_argument naming the option.
Result<std::vector<uint32_t>> owned_partitions(const IndexerConfig& config);
// The partitions to own given the WAL's count: --partitions', each below the
// count (failed_precondition naming both otherwise), or all of them.
Result<std::vector<uint32_t>> owned_partitions(const IndexerConfig& config, uint32_t wal_partitions);

class IndexerStage final : public stage::Stage {
 public:
  IndexerStage(const IndexerConfig& config, stage::StageServices services);
  ~IndexerStage() override;

  Status start() override;
  std::optional<int> tick() override;
  void stop() override;

 private:
  // Opens the shards, workers and query server for the WAL's count.
  Status open_partitions(uint32_t wal_partitions);

  const IndexerConfig& config_;
  stage::StageServices services_;
  std::vector<uint32_t> partitions_;
  std::unique_ptr<bus::RequestClient> wal_;
  std::unique_ptr<wal::WalPartitions> wal_partitions_;
  bool opened_ = false;
  std::vector<std::unique_ptr<PartitionWorker>> workers_;
  std::unique_ptr<query::QueryServer> queries_;
  SteadyClock::time_point next_retention_;
};

}  // namespace spanline::indexer
