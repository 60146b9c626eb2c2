#include "stages/indexer/indexer_stage.h"

#include "base/log.h"
#include "stages/indexer/shard.h"

namespace spanline::indexer {

Result<std::vector<uint32_t>> owned_partitions(const IndexerConfig& config) {
  if (config.partitions.empty()) return std::vector<uint32_t>{};
  auto partitions = parse_uint_list(config.partitions);
  if (!partitions) return Status(Code::invalid_argument, "--partitions: " + partitions.status().message());
  return partitions;
}

Result<std::vector<uint32_t>> owned_partitions(const IndexerConfig& config, uint32_t wal_partitions) {
  auto named = owned_partitions(config);
  if (!named) return named;
  if (named->empty()) {
    std::vector<uint32_t> all(wal_partitions);
    for (uint32_t p = 0; p < wal_partitions; ++p) all[p] = p;
    return all;
  }
  for (uint32_t partition : *named) {
    if (partition >= wal_partitions) {
      return Status(Code::failed_precondition, "--partitions names partition " + std::to_string(partition) + ", but the WAL has " +
                                                   std::to_string(wal_partitions) + " partitions (0-" +
                                                   std::to_string(wal_partitions - 1) + ")");
    }
  }
  return named;
}

IndexerStage::IndexerStage(const IndexerConfig& config, stage::StageServices services)
    : config_(config), services_(services), next_retention_(SteadyClock::now() + std::chrono::seconds(10)) {}

IndexerStage::~IndexerStage() { stop(); }

Status IndexerStage::start() {
  wal_ = std::make_unique<bus::RequestClient>(services_.context,
                                              bus::ClientOptions{.endpoint = config_.wal_endpoint, .max_in_flight = 1024});
  wal_partitions_ = std::make_unique<wal::WalPartitions>(*wal_, "the indexer", 0);
  auto count = wal_partitions_->wait(std::chrono::seconds(2));
  if (!count) {
    log::warn("waiting for the WAL's partition count before opening the shards", {{"wal", config_.wal_endpoint}});
    return Status::ok();
  }
  return open_partitions(*count);
}

Status IndexerStage::open_partitions(uint32_t wal_partitions) {
  opened_ = true;
  auto partitions = owned_partitions(config_, wal_partitions);
  if (!partitions) {
    // A set that does not fit the WAL is a configuration to fix, not a reason to restart.
    return Status(Code::invalid_argument, partitions.status().message());
  }
  partitions_ = *partitions;
  std::string owned;
  for (uint32_t p : partitions_) {
    if (!owned.empty()) owned += ',';
    owned += std::to_string(p);
  }
  services_.stats.set_info("partitions", owned);
  for (uint32_t partition : partitions_) {
    auto shard = Shard::open(shard_path(config_.data_dir, partition), partition);
    if (!shard) {
      return Status(shard.status().code(), "cannot open the shard of partition " + std::to_string(partition) + ": " +
                                               shard.status().message());
    }
    log::info("shard open", {{"partition", partition}, {"cursor", (*shard)->cursor()}});
    workers_.push_back(std::make_unique<PartitionWorker>(config_, std::move(shard.value()), *wal_, services_.stats));
  }
  for (auto& worker : workers_) worker->start();
  queries_ = std::make_unique<query::QueryServer>(services_.context,
                                                  query::QueryServerOptions{.endpoint = config_.query_endpoint,
                                                                            .data_dir = config_.data_dir,
                                                                            .partitions = partitions_,
                                                                            .threads = config_.query_threads,
                                                                            .max_queued = config_.query_queue},
                                                  services_.stats);
  if (Status started = queries_->start(); !started.is_ok()) {
    return Status(started.code(), "cannot start the query endpoint: " + started.message());
  }
  services_.stats.set_info("query_endpoint", config_.query_advertise);
  log::info("indexer ready", {{"partitions", owned}, {"wal", config_.wal_endpoint}, {"queries", config_.query_endpoint}});
  return Status::ok();
}

std::optional<int> IndexerStage::tick() {
  if (!opened_) {
    auto count = wal_partitions_->count();
    if (!count) return std::nullopt;
    if (Status opened = open_partitions(*count); !opened.is_ok()) {
      log::error("cannot start", {{"error", opened.to_string()}});
      return opened.code() == Code::invalid_argument ? 2 : 1;
    }
  }
  if (config_.retention.count() == 0 || SteadyClock::now() < next_retention_) return std::nullopt;
  next_retention_ = SteadyClock::now() + config_.retention_interval;
  int64_t cutoff = unix_nanos_now() - std::chrono::duration_cast<std::chrono::nanoseconds>(config_.retention).count();
  for (uint32_t partition : partitions_) {
    auto shard = Shard::open(shard_path(config_.data_dir, partition), partition);
    if (!shard) continue;
    auto deleted = (*shard)->delete_received_before(cutoff, 1000);
    if (deleted && *deleted > 0) log::info("index retention", {{"partition", partition}, {"traces_deleted", *deleted}});
  }
  return std::nullopt;
}

void IndexerStage::stop() {
  // Every worker is told first, so their pending reads end together instead of
  // each one running out its read deadline after the one before it stopped.
  for (auto& worker : workers_) worker->request_stop();
  if (queries_) queries_->stop();
  for (auto& worker : workers_) worker->stop();
  workers_.clear();
  queries_.reset();
}

}  // namespace spanline::indexer
