#pragma once
// `spanline reindex`: rebuilds shards from what the WAL still holds. Each
// partition is rebuilt into a new file next to the live one, with a progress
// bar, and swapped in only when complete, so an interrupted reindex leaves the
// old shard untouched. Deleted services stay deleted (deletions.h). Run it with
// the indexers of those partitions stopped; the WAL must be running.

#include <cstdint>
#include <string>
#include <vector>

#include "bus/security/bus_key.h"
#include "base/status.h"

namespace spanline::indexer {

struct ReindexOptions {
  std::string data_dir;
  std::string wal_endpoint;  // every WAL, comma-separated: each partition is read from its owner
  std::vector<uint32_t> partitions;
  bool progress = true;  // a progress bar on stderr
  bus::BusKey bus_key;
};

struct ReindexResult {
  uint64_t entries = 0;
  uint64_t spans = 0;
};

Result<ReindexResult> reindex(const ReindexOptions& options);

}  // namespace spanline::indexer
