#include "stages/indexer/indexer_stage.h"

#include <filesystem>

#include "base/log.h"
#include "protocol/stage_stats.h"
#include "stages/indexer/group/local_shards.h"
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

namespace {

std::string list_text(const std::vector<uint32_t>& partitions) {
  std::string text;
  for (uint32_t p : partitions) {
    if (!text.empty()) text += ',';
    text += std::to_string(p);
  }
  return text;
}

// A failed copy, or a shard that would not open, is tried again after this.
constexpr std::chrono::seconds kRetryPause{2};
// A fenced partition still assigned at the same epoch is tried again after this: a WAL that restarted
// counts epochs from the start, and a read refused again costs only a log line.
constexpr std::chrono::seconds kFenceMemory{10};

}  // namespace

IndexerStage::IndexerStage(const IndexerConfig& config, stage::StageServices services)
    : config_(config), services_(services), next_retention_(SteadyClock::now() + std::chrono::seconds(10)) {}

IndexerStage::~IndexerStage() { stop(); }

Status IndexerStage::start() {
  auto endpoints = wal::parse_wal_endpoints(config_.wal_endpoint);
  if (!endpoints) return Status(Code::invalid_argument, "--wal-endpoint: " + endpoints.status().message());
  auto named = owned_partitions(config_);
  if (!named) return named.status();
  group_mode_ = named->empty();
  wals_ = std::make_unique<wal::WalMap>(services_.context, *endpoints, "the indexer", 0, 1024);
  if (group_mode_) {
    snapshots_ = std::make_unique<group::SnapshotSource>(config_.data_dir, [this](uint32_t p) { return queries_->serves(p); },
                                                         protocol::query::kSnapshotChunkBytes,
                                                         std::max<uint32_t>(1, config_.query_threads - 1));
    if (Status started = start_query_server({}, snapshots_.get()); !started.is_ok()) return started;
    membership_ = std::make_unique<group::GroupMembership>([this] { return wals_->clients(); }, config_.consumer_group,
                                                           config_.instance, config_.query_advertise);
    held_shards_ = group::local_shards(config_.data_dir);
    services_.stats.set_info("partitions", "");
    services_.stats.set_info(std::string(stats_names::kIndexerReplicaStates), "");
    log::info("indexer joining its group", {{"group", config_.consumer_group}, {"wal", wals_->endpoints_text()},
                                            {"queries", config_.query_advertise}});
    follow_assignment();
    return Status::ok();
  }
  auto count = wals_->wait(std::chrono::seconds(2));
  if (!count) {
    log::warn("waiting for the WAL's partition count before opening the shards", {{"wal", config_.wal_endpoint}});
    return Status::ok();
  }
  return open_partitions(*count);
}

Status IndexerStage::start_query_server(std::vector<uint32_t> partitions, group::SnapshotSource* snapshots) {
  queries_ = std::make_unique<query::QueryServer>(services_.context,
                                                  query::QueryServerOptions{.endpoint = config_.query_endpoint,
                                                                            .data_dir = config_.data_dir,
                                                                            .partitions = std::move(partitions),
                                                                            .threads = config_.query_threads,
                                                                            .max_queued = config_.query_queue,
                                                                            .snapshots = snapshots},
                                                  services_.stats);
  if (Status started = queries_->start(); !started.is_ok()) {
    return Status(started.code(), "cannot start the query endpoint: " + started.message());
  }
  services_.stats.set_info("query_endpoint", config_.query_advertise);
  return Status::ok();
}

Status IndexerStage::open_partitions(uint32_t wal_partitions) {
  opened_ = true;
  auto partitions = owned_partitions(config_, wal_partitions);
  if (!partitions) {
    // A set that does not fit the WAL is a configuration to fix, not a reason to restart.
    return Status(Code::invalid_argument, partitions.status().message());
  }
  static_partitions_ = *partitions;
  const std::string owned = list_text(static_partitions_);
  services_.stats.set_info("partitions", owned);
  for (uint32_t partition : static_partitions_) {
    auto shard = Shard::open(shard_path(config_.data_dir, partition), partition);
    if (!shard) {
      return Status(shard.status().code(), "cannot open the shard of partition " + std::to_string(partition) + ": " +
                                               shard.status().message());
    }
    log::info("shard open", {{"partition", partition}, {"cursor", (*shard)->cursor()}});
    workers_[partition] = std::make_unique<PartitionWorker>(
        config_, std::move(shard.value()), [this](uint32_t p) { return wals_->owner(p); }, services_.stats);
  }
  for (auto& [partition, worker] : workers_) worker->start();
  if (Status started = start_query_server(static_partitions_, nullptr); !started.is_ok()) return started;
  log::info("indexer ready", {{"partitions", owned}, {"wal", config_.wal_endpoint}, {"queries", config_.query_endpoint}});
  return Status::ok();
}

void IndexerStage::follow_assignment() {
  const auto now = SteadyClock::now();
  membership_->join_if_due(now, held_shards());
  auto desired = membership_->desired(now);
  // A reply naming a partition past the count (a broken or misconfigured WAL)
  // must not make this indexer create shards and threads for it.
  if (auto count = wals_->count()) {
    std::erase_if(desired, [&](const auto& item) {
      if (item.first < *count) return false;
      log::warn("a WAL assigned a partition past the partition count; ignored", {{"partition", item.first}, {"partitions", *count}});
      return true;
    });
  }
  // A worker whose read the WAL refused is stopped; its partition is taken again only at a later epoch.
  std::vector<uint32_t> fenced;
  for (const auto& [partition, worker] : workers_) {
    if (worker->fenced()) fenced.push_back(partition);
  }
  for (uint32_t partition : fenced) {
    auto assignment = desired.find(partition);
    fenced_[partition] = assignment == desired.end() ? 0 : assignment->second.epoch;
    fenced_at_[partition] = now;
  }
  stop_partitions(fenced);
  std::erase_if(fenced_, [&](const auto& item) {
    return !desired.contains(item.first) || now - fenced_at_[item.first] > kFenceMemory;
  });
  std::erase_if(fenced_at_, [&](const auto& item) { return !fenced_.contains(item.first); });
  handle_gaps(desired);
  finish_copies(desired);
  std::set<uint32_t> held;
  for (const auto& [partition, worker] : workers_) held.insert(partition);
  for (const auto& [partition, copy] : copies_) held.insert(partition);
  group::PartitionChanges changes = group::diff_partitions(desired, held, fenced_);
  std::vector<uint32_t> stopped;
  for (uint32_t partition : changes.stop) {
    auto copy = copies_.find(partition);
    if (copy != copies_.end()) {
      copy->second->stopping = true;  // ends between chunks; finish_copies() forgets it
    } else {
      stopped.push_back(partition);
    }
  }
  stop_partitions(stopped);
  for (uint32_t partition : changes.start) start_partition(partition, desired.at(partition));
  for (auto& [partition, worker] : workers_) {
    auto assignment = desired.find(partition);
    if (assignment != desired.end()) worker->set_epoch(assignment->second.epoch);
  }
  snapshots_->sweep();
  publish_partitions(desired);
}

std::vector<wal::HeldShard> IndexerStage::held_shards() {
  for (const auto& [partition, worker] : workers_) {
    held_shards_[partition] = {.partition = partition, .committed = worker->committed(), .log = worker->wal_log()};
  }
  std::vector<wal::HeldShard> held;
  for (const auto& [partition, shard] : held_shards_) held.push_back(shard);
  return held;
}

void IndexerStage::finish_copies(const std::map<uint32_t, wal::PartitionAssignment>& desired) {
  for (auto it = copies_.begin(); it != copies_.end();) {
    Copy& copy = *it->second;
    if (!copy.done.load()) {
      ++it;
      continue;
    }
    const uint32_t partition = it->first;
    copy.thread.join();
    const bool wanted = desired.contains(partition) && !copy.stopping.load();
    if (copy.result) {
      log::info("partition copied", {{"partition", partition}, {"from", copy.source}, {"bytes", copy.result->bytes},
                                     {"seconds", copy.result->seconds}, {"cursor", copy.result->cursor}});
      held_shards_[partition] = {.partition = partition, .committed = copy.result->cursor, .log = copy.result->wal_log};
      end_recopy(partition);
      if (wanted) start_worker(partition, desired.at(partition).epoch, "from the copied shard");
    } else if (wanted) {
      // Built from the WAL only when nobody is left to copy from; otherwise the copy is tried again.
      auto recopy = recopy_.find(partition);
      const uint64_t through = recopy == recopy_.end() ? 0 : recopy->second;
      const bool source_left = group::snapshot_source(desired.at(partition), config_.instance, through).has_value();
      log::warn("snapshot copy failed", {{"partition", partition}, {"from", copy.source},
                                         {"error", copy.result.status().to_string()},
                                         {"then", source_left ? "retrying" : "building from the WAL"}});
      if (source_left) {
        copy_retry_at_[partition] = SteadyClock::now() + kRetryPause;
      } else {
        end_recopy(partition);
        start_worker(partition, desired.at(partition).epoch, "from the WAL (no replica left to copy from)");
      }
    }
    it = copies_.erase(it);
  }
}

void IndexerStage::start_partition(uint32_t partition, const wal::PartitionAssignment& assignment) {
  auto retry = copy_retry_at_.find(partition);
  if (retry != copy_retry_at_.end()) {
    if (SteadyClock::now() < retry->second) return;
    copy_retry_at_.erase(retry);
  }
  auto source = group::snapshot_source(assignment, config_.instance);
  if (auto recopy = recopy_.find(partition); recopy != recopy_.end()) {
    if (auto filler = group::snapshot_source(assignment, config_.instance, recopy->second)) {
      start_copy(partition, *filler);  // the mark goes when a copy succeeds (finish_copies)
      return;
    }
    end_recopy(partition);  // the replica that had it went away meanwhile: nobody can fill the gap
  }
  // A building replica copies a live replica's shard unless it has one of its
  // own: a shard it kept (from before a restart, or from an earlier turn with
  // the partition) goes on from its cursor, as the WAL holds what follows
  // unless retention deleted it meanwhile; then the worker ends at the gap
  // and handle_gaps() has the shard copied afresh.
  const bool building = assignment.state == static_cast<uint8_t>(wal::ReplicaState::building);
  if (source && building) {
    uint64_t local_cursor = 0;
    const std::string path = shard_path(config_.data_dir, partition);
    if (std::filesystem::exists(path)) {
      auto local = Shard::open(path, partition);
      if (local) local_cursor = (*local)->cursor();
    }
    if (local_cursor == 0) {
      start_copy(partition, *source);  // when kMaxCopies are under way, the next tick tries again
      return;
    }
    start_worker(partition, assignment.epoch,
                 local_cursor >= source->committed ? "from its local shard" : "from its local shard, behind: reading on from the WAL");
    return;
  }
  start_worker(partition, assignment.epoch, "from its local shard");
}

bool IndexerStage::start_copy(uint32_t partition, const wal::ReplicaView& source) {
  if (copies_.size() >= kMaxCopies) return false;
  log::info("copying partition from a replica", {{"partition", partition}, {"from", source.instance},
                                                  {"endpoint", source.query_endpoint}, {"their_committed", source.committed}});
  auto copy = std::make_unique<Copy>();
  copy->source = source.instance;
  Copy* raw = copy.get();
  raw->thread = std::thread([this, raw, endpoint = source.query_endpoint, partition] {
    raw->result = group::copy_snapshot(services_.context, endpoint, partition, config_.data_dir, raw->stopping);
    raw->done = true;
  });
  copies_[partition] = std::move(copy);
  return true;
}

void IndexerStage::end_recopy(uint32_t partition) {
  if (recopy_.erase(partition) > 0) past_gaps_.insert(partition);
}

void IndexerStage::handle_gaps(const std::map<uint32_t, wal::PartitionAssignment>& desired) {
  std::erase_if(recopy_, [&](const auto& item) { return !desired.contains(item.first); });
  std::erase_if(past_gaps_, [&](uint32_t partition) { return !desired.contains(partition); });
  std::vector<uint32_t> ended;
  for (const auto& [partition, worker] : workers_) {
    if (worker->gap() > 0) ended.push_back(partition);
  }
  if (ended.empty()) return;
  std::map<uint32_t, uint64_t> cursors, gaps;
  for (uint32_t partition : ended) {
    cursors[partition] = workers_.at(partition)->committed();
    gaps[partition] = workers_.at(partition)->gap();
  }
  stop_partitions(ended);
  for (uint32_t partition : ended) {
    auto assignment = desired.find(partition);
    if (assignment == desired.end()) continue;
    // A replica that committed past the gap holds what the WAL deleted; one short of it has a gap too.
    const uint64_t through = gaps[partition] - 1;
    auto source = group::snapshot_source(assignment->second, config_.instance, through);
    if (source) {
      log::warn("copying the partition afresh: the WAL deleted entries its shard never read",
                {{"partition", partition}, {"cursor", cursors[partition]}, {"first_retained", gaps[partition]}, {"from", source->instance}});
      recopy_[partition] = through;
    } else {
      log::warn("no replica holds the entries the WAL deleted before this shard read them; reading on past them",
                {{"partition", partition}, {"cursor", cursors[partition]}});
      past_gaps_.insert(partition);
    }
  }
}

bool IndexerStage::start_worker(uint32_t partition, uint64_t epoch, const char* how) {
  auto shard = Shard::open(shard_path(config_.data_dir, partition), partition);
  if (!shard) {
    log::error("cannot open the shard of an assigned partition; trying again",
               {{"partition", partition}, {"error", shard.status().to_string()}});
    copy_retry_at_[partition] = SteadyClock::now() + kRetryPause;
    return false;
  }
  log::info("partition started", {{"partition", partition}, {"how", how}, {"cursor", (*shard)->cursor()}, {"epoch", epoch}});
  held_shards_[partition] = {.partition = partition, .committed = (*shard)->cursor(), .log = (*shard)->wal_log()};
  auto worker = std::make_unique<PartitionWorker>(
      config_, std::move(shard.value()), [this](uint32_t p) { return wals_->owner(p); }, services_.stats, true);
  worker->set_epoch(epoch);
  // A copy made for a gap is the best there is, as is a shard nobody can fill: a gap where it starts is read past.
  worker->stop_on_gap(past_gaps_.erase(partition) > 0);
  worker->start();
  workers_[partition] = std::move(worker);
  return true;
}

void IndexerStage::stop_partitions(const std::vector<uint32_t>& partitions) {
  if (partitions.empty()) return;
  std::vector<uint32_t> held;
  for (uint32_t partition : partitions) {
    if (workers_.contains(partition)) held.push_back(partition);
  }
  // Queries for them stop first; the shard files stay.
  if (queries_) {
    std::vector<uint32_t> still;
    for (const auto& [partition, worker] : workers_) {
      if (std::find(held.begin(), held.end(), partition) == held.end()) still.push_back(partition);
    }
    queries_->set_partitions(still);
  }
  for (uint32_t partition : held) workers_.at(partition)->request_stop();
  for (uint32_t partition : held) {
    auto& worker = workers_.at(partition);
    worker->stop();
    log::info("partition stopped", {{"partition", partition}, {"cursor", worker->committed()},
                                    {"reason", worker->fenced()     ? "fenced by the WAL"
                                               : worker->gap() > 0 ? "ended at a gap in the WAL"
                                                                   : "no longer assigned"}});
    workers_.erase(partition);
  }
}

void IndexerStage::publish_partitions(const std::map<uint32_t, wal::PartitionAssignment>& desired) {
  const std::vector<uint32_t> answered = indexed_partitions();
  queries_->set_partitions(answered);
  std::map<uint32_t, std::string_view> states;
  for (uint32_t partition : answered) states[partition] = "ready";
  for (const auto& [partition, copy] : copies_) states[partition] = wal::replica_state_name(wal::ReplicaState::building);
  for (auto& [partition, state] : states) {
    auto assignment = desired.find(partition);
    if (assignment != desired.end() && assignment->second.state != 0) {
      state = wal::replica_state_name(static_cast<wal::ReplicaState>(assignment->second.state));
    }
  }
  std::string text;
  for (const auto& [partition, state] : states) {
    if (!text.empty()) text += ',';
    text += std::to_string(partition) + ":";
    text += state;
  }
  const std::string partitions = list_text(answered);
  if (partitions + "|" + text == published_) return;
  published_ = partitions + "|" + text;
  services_.stats.set_info("partitions", partitions);
  services_.stats.set_info(std::string(stats_names::kIndexerReplicaStates), text);
  log::info("partitions answered", {{"partitions", partitions}, {"replica_states", text}});
}

std::vector<uint32_t> IndexerStage::indexed_partitions() const {
  std::vector<uint32_t> partitions;
  for (const auto& [partition, worker] : workers_) partitions.push_back(partition);
  return partitions;
}

std::optional<int> IndexerStage::tick() {
  if (group_mode_) {
    follow_assignment();
  } else if (!opened_) {
    auto count = wals_->count();
    if (!count) return std::nullopt;
    if (Status opened = open_partitions(*count); !opened.is_ok()) {
      log::error("cannot start", {{"error", opened.to_string()}});
      return opened.code() == Code::invalid_argument ? 2 : 1;
    }
  }
  run_retention();
  return std::nullopt;
}

void IndexerStage::run_retention() {
  if (config_.retention.count() == 0 || SteadyClock::now() < next_retention_) return;
  next_retention_ = SteadyClock::now() + config_.retention_interval;
  int64_t cutoff = unix_nanos_now() - std::chrono::duration_cast<std::chrono::nanoseconds>(config_.retention).count();
  for (uint32_t partition : indexed_partitions()) {
    auto shard = Shard::open(shard_path(config_.data_dir, partition), partition);
    if (!shard) continue;
    auto deleted = (*shard)->delete_received_before(cutoff, 1000);
    if (deleted && *deleted > 0) log::info("index retention", {{"partition", partition}, {"traces_deleted", *deleted}});
  }
}

void IndexerStage::stop() {
  // Every worker and copy is told first, so their pending reads end together
  // instead of each one running out its read deadline after the one before it stopped.
  for (auto& [partition, copy] : copies_) copy->stopping = true;
  for (auto& [partition, worker] : workers_) worker->request_stop();
  if (queries_) queries_->stop();
  for (auto& [partition, worker] : workers_) worker->stop();
  for (auto& [partition, copy] : copies_) {
    if (copy->thread.joinable()) copy->thread.join();
  }
  copies_.clear();
  workers_.clear();
  queries_.reset();
}

}  // namespace spanline::indexer
