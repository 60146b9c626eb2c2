#pragma once
// The WAL's main object: the RocksDB log (its partition count settled on
// start: stored on a new log, checked on an existing one) and the bus server
// on it.

#include <memory>

#include "skeleton/run_stage.h"
#include "stages/wal/log_store.h"
#include "stages/wal/wal_config.h"
#include "stages/wal/wal_server.h"

namespace spanline::wal {

class WalStage final : public stage::Stage {
 public:
  WalStage(const WalConfig& config, stage::StageServices services);
  ~WalStage() override;

  // invalid_argument (exit 2) when --partitions differs from the log's own count
  // or --owned-partitions names a partition past it.
  Status start() override;
  void stop() override;

 private:
  const WalConfig& config_;
  stage::StageServices services_;
  std::unique_ptr<LogStore> store_;
  std::unique_ptr<WalServer> server_;
};

}  // namespace spanline::wal
