#pragma once
// What a gateway, an indexer or a CLI command knows of the WAL's partition
// count: learned from the WAL, never assumed.
//
// How it works: a thread pings the WAL (every reply of the WAL carries its
// count, header `pc`) until one answers, then ends. The stage's own
// --partitions, when it has one and set it, is checked against the answer; a
// difference is remembered as the failed_precondition naming both values, for
// the stage to refuse to start or serve.
//
// Threads: count() and wait() from any thread. The request client must outlive
// this object.
// Failures: a WAL that is down or cannot be reached is asked again every
// 200 ms (each ping waits up to 1 s), for as long as this object lives, so no
// start order between the stages is needed.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "base/status.h"
#include "bus/request_client.h"

namespace spanline::wal {

class WalPartitions {
 public:
  // `stage` names the asker in the mismatch message ("the gateway");
  // `configured` is its own --partitions (0: none, the WAL's count is taken).
  WalPartitions(bus::RequestClient& wal, std::string stage, uint32_t configured);
  ~WalPartitions();
  WalPartitions(const WalPartitions&) = delete;
  WalPartitions& operator=(const WalPartitions&) = delete;

  // The WAL's count; unavailable until the WAL has answered; failed_precondition
  // when it differs from the configured one.
  Result<uint32_t> count() const;
  // count(), after waiting up to `timeout` for the WAL's answer.
  Result<uint32_t> wait(std::chrono::milliseconds timeout) const;

 private:
  void run();
  Result<uint32_t> count_locked() const;

  bus::RequestClient& wal_;
  const std::string stage_;
  const uint32_t configured_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::optional<uint32_t> learned_;  // guarded by mutex_
  bool stopping_ = false;           // guarded by mutex_
  std::thread thread_;
};

}  // namespace spanline::wal
