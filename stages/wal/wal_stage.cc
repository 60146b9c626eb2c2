#include "stages/wal/wal_stage.h"

#include "base/log.h"
#include "stages/wal/partition_count.h"

namespace spanline::wal {

WalStage::WalStage(const WalConfig& config, stage::StageServices services) : config_(config), services_(services) {}

WalStage::~WalStage() = default;

Status WalStage::start() {
  auto store = LogStore::open(config_.log_path());
  if (!store) return Status(Code::internal, "cannot open the WAL: " + store.status().to_string());
  store_ = std::move(store.value());
  store_->keep_free(config_.min_free_bytes);
  auto partitions = settle_partition_count(*store_, config_.partitions);
  if (!partitions) return Status(Code::invalid_argument, partitions.status().message());
  log::info("partition count", {{"partitions", *partitions}});
  auto owned = settle_owned_partitions(config_.owned_partitions, *partitions);
  if (!owned) return owned.status();
  for (const auto& [partition, range] : store_->ranges()) {
    log::info("recovered partition", {{"partition", partition}, {"first", range.first}, {"head", range.head}});
  }
  server_ = std::make_unique<WalServer>(config_, *partitions, std::move(*owned), *store_, services_.context, services_.stats);
  try {
    server_->start();
  } catch (const std::exception& e) {
    return Status(Code::unavailable, "cannot serve on " + config_.endpoint + ": " + e.what());
  }
  return Status::ok();
}

void WalStage::stop() {
  if (server_) server_->stop();
}

}  // namespace spanline::wal
