#include "stages/wal/retention.h"

#include <algorithm>
#include <chrono>

#include "base/clock.h"
#include "base/log.h"

namespace spanline::wal {

using std::chrono::steady_clock;

Retention::Retention(const WalConfig& config, LogStore& store, const ConsumerCursors& cursors,
                     std::atomic<uint64_t>& entries_deleted)
    : config_(config), store_(store), cursors_(cursors), entries_deleted_(entries_deleted), disk_bytes_(store.disk_bytes()) {}

Retention::~Retention() { stop(); }

void Retention::start() { thread_ = std::thread([this] { run(); }); }

void Retention::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Retention::run() {
  auto last_retention = steady_clock::now();
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
    if (stopping_) break;
    disk_bytes_ = store_.disk_bytes();
    const bool near_budget = disk_bytes_.load() > config_.disk_budget_bytes / 10 * 9;
    if (!near_budget && steady_clock::now() - last_retention < config_.maintenance_interval) continue;
    last_retention = steady_clock::now();
    const bool deleted_any = delete_consumed(near_budget);
    if (near_budget && deleted_any) {
      if (Status reclaimed = store_.reclaim_space(); !reclaimed.is_ok()) {
        log::warn("could not reclaim WAL disk space", {{"error", reclaimed.to_string()}});
      }
      disk_bytes_ = store_.disk_bytes();
    }
  }
}

bool Retention::delete_consumed(bool near_budget) {
  const int64_t cutoff =
      near_budget ? INT64_MAX : unix_nanos_now() - std::chrono::duration_cast<std::chrono::nanoseconds>(config_.retention).count();
  bool deleted_any = false;
  for (const auto& [partition, committed] : cursors_.committed_by_every_group()) {
    PartitionRange range = store_.range(partition);
    if (range.first == 0 || range.first > std::min(committed, range.head)) continue;
    uint64_t last_old = 0;
    Status scanned = store_.scan_meta(partition, range.first - 1, std::min(committed, range.head),
                                      [&](uint64_t sequence, const EntryMeta& meta) {
                                        if (meta.received_nanos >= cutoff) return false;
                                        last_old = sequence;
                                        return true;
                                      });
    if (!scanned.is_ok() || last_old == 0) continue;
    Status deleted = store_.delete_through(partition, last_old);
    if (!deleted.is_ok()) {
      log::warn("retention failed", {{"partition", partition}, {"error", deleted.to_string()}});
      continue;
    }
    deleted_any = true;
    entries_deleted_.fetch_add(last_old - range.first + 1);
    log::info(near_budget ? "disk budget nearly used: deleted consumed entries before their retention ended"
                          : "retention deleted entries",
              {{"partition", partition}, {"through", last_old}});
  }
  return deleted_any;
}

}  // namespace spanline::wal
