#pragma once
// Requests to delete a service's data (`spanline delete --service S --before T`,
// which runs `spanline-indexer delete`) are recorded in
// <data-dir>/index/deletions.jsonl, one JSON object a line. The shards drop the
// rows at once; the indexers and `spanline reindex` consult the same list, so spans of a deleted service that are still in the WAL never
// come back, whether they are indexed late or re-indexed.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "base/status.h"

namespace spanline::indexer {

struct Deletion {
  std::string service;
  int64_t before_ns = INT64_MAX;  // spans that started before this are deleted
};

// Records `deletion`, then removes its rows from the shard of each of
// `partitions` that exists; returns how many traces lost spans.
Result<uint64_t> delete_now(const std::string& data_dir, const std::vector<uint32_t>& partitions, const Deletion& deletion);

class Deletions {
 public:
  static std::string path(const std::string& data_dir);
  static Status record(const std::string& data_dir, const Deletion& deletion);

  explicit Deletions(std::string data_dir) : path_(path(data_dir)) {}
  // Re-reads the file when it changed since the last look; cheap otherwise.
  void refresh();
  bool deleted(const std::string& service, int64_t start_ns) const;
  bool empty() const { return entries_.empty(); }

 private:
  std::string path_;
  std::filesystem::file_time_type seen_{};
  std::vector<Deletion> entries_;
};

}  // namespace spanline::indexer
