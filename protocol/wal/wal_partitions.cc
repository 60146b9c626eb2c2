#include "protocol/wal/wal_partitions.h"

#include "base/log.h"
#include "protocol/wal/partitions.h"

namespace spanline::wal {

using namespace std::chrono_literals;

WalPartitions::WalPartitions(bus::RequestClient& wal, std::string stage, uint32_t configured)
    : wal_(wal), stage_(std::move(stage)), configured_(configured), thread_([this] { run(); }) {}

WalPartitions::~WalPartitions() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void WalPartitions::run() {
  auto last_note = std::chrono::steady_clock::now();
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    auto pong = wal_.call(bus::make_header(bus::MessageType::ping), {}, {.timeout = 1s});
    std::unique_lock lock(mutex_);
    if (pong && check_partition_count_range(pong->header.partitions, "the WAL's partition count").is_ok()) {
      learned_ = pong->header.partitions;
      changed_.notify_all();
      if (Status agrees = check_configured_partitions(stage_, configured_, *learned_); !agrees.is_ok()) {
        log::error("partition count mismatch", {{"error", agrees.message()}});
      } else {
        log::info("the WAL's partition count", {{"partitions", *learned_}, {"wal", wal_.endpoint()}});
      }
      return;
    }
    if (std::chrono::steady_clock::now() - last_note > 10s) {
      // A WAL from before the count was announced answers with pc = 0.
      log::warn("waiting for the WAL to tell its partition count",
                {{"wal", wal_.endpoint()}, {"error", pong ? "the WAL's reply has no partition count" : pong.status().to_string()}});
      last_note = std::chrono::steady_clock::now();
    }
    changed_.wait_for(lock, 200ms, [&] { return stopping_; });
  }
}

Result<uint32_t> WalPartitions::count_locked() const {
  if (!learned_) {
    return Status(Code::unavailable, stage_ + " has not yet learned the WAL's partition count (is the WAL at " + wal_.endpoint() +
                                         " running?)");
  }
  if (Status agrees = check_configured_partitions(stage_, configured_, *learned_); !agrees.is_ok()) return agrees;
  return *learned_;
}

Result<uint32_t> WalPartitions::count() const {
  std::lock_guard lock(mutex_);
  return count_locked();
}

Result<uint32_t> WalPartitions::wait(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return learned_.has_value() || stopping_; });
  return count_locked();
}

}  // namespace spanline::wal
