#pragma once
// What each consumer group has durably committed, per partition: the cursors
// retention honours. A consumer reports its committed sequence with every read.
//
// How it works: cursors only move forward; each move is saved in the log
// without sync (losing one only makes retention keep more) and loaded at start.
//
// Threads: note() from the bus thread, deletable() from the maintenance
// thread; one mutex.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "stages/wal/log_store.h"

namespace spanline::wal {

class ConsumerCursors {
 public:
  explicit ConsumerCursors(LogStore& store) : store_(store), cursors_(store.load_cursors()) {}

  void note(uint32_t partition, const std::string& group, uint64_t committed);
  // Per partition, the lowest sequence every group of it has committed: what
  // retention may delete through (partitions no group reads are absent).
  std::map<uint32_t, uint64_t> committed_by_every_group() const;

 private:
  LogStore& store_;
  mutable std::mutex mutex_;
  std::map<std::pair<uint32_t, std::string>, uint64_t> cursors_;
};

}  // namespace spanline::wal
