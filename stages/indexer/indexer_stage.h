#pragma once
// The indexer's main object: one PartitionWorker per owned partition (WAL ->
// shard, exactly once) and the query server answering the api on reader
// threads. tick() runs index retention on the main thread, on its own
// read-write connection per shard (SQLite serializes it with the writer).

#include <memory>
#include <vector>

#include "base/clock.h"
#include "bus/request_client.h"
#include "skeleton/run_stage.h"
#include "stages/indexer/indexer_config.h"
#include "stages/indexer/partition_worker.h"
#include "stages/indexer/query/query_server.h"

namespace spanline::indexer {

// The partitions --partitions names ("0-3", "0,2"); invalid_argument naming the option.
Result<std::vector<uint32_t>> owned_partitions(const IndexerConfig& config);

class IndexerStage final : public stage::Stage {
 public:
  IndexerStage(const IndexerConfig& config, stage::StageServices services);
  ~IndexerStage() override;

  Status start() override;
  std::optional<int> tick() override;
  void stop() override;

 private:
  const IndexerConfig& config_;
  stage::StageServices services_;
  std::vector<uint32_t> partitions_;
  std::unique_ptr<bus::RequestClient> wal_;
  std::vector<std::unique_ptr<PartitionWorker>> workers_;
  std::unique_ptr<query::QueryServer> queries_;
  SteadyClock::time_point next_retention_;
};

}  // namespace spanline::indexer
