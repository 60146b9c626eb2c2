#pragma once
// Reads waiting for new entries (long-poll): a read with nothing after its
// sequence is parked here until an append to its partition is synced or its
// wait runs out, so consumers see new data within milliseconds without polling.
//
// Threads: the WAL's bus thread only.
// Limits: at most `capacity` reads wait at once; park() refuses beyond that and
// the read is answered at once (empty), so memory stays bounded.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace spanline::wal {

// A read as the WAL answers it: who asked, and what.
struct ReadRequest {
  std::string routing_id;
  uint64_t request_id = 0;
  uint32_t partition = 0;
  uint64_t after = 0;
  uint64_t max_entries = 0;
  uint64_t max_bytes = 0;
};

class ParkedReads {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ParkedReads(size_t capacity) : capacity_(capacity) {}

  // False when `capacity` reads already wait.
  bool park(ReadRequest read, Clock::time_point deadline);
  // The reads of `partition`, now to be answered (an append to it was synced).
  std::vector<ReadRequest> take(uint32_t partition);
  // The reads whose wait ended by `now`, now to be answered (with nothing new).
  std::vector<ReadRequest> take_expired(Clock::time_point now);

  size_t size() const { return count_; }

 private:
  struct Parked {
    ReadRequest read;
    Clock::time_point deadline;
  };
  const size_t capacity_;
  std::map<uint32_t, std::vector<Parked>> by_partition_;
  size_t count_ = 0;
};

}  // namespace spanline::wal
