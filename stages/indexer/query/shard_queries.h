#pragma once
// The read side of one shard: every query kind the api can ask an indexer,
// answered from a read-only SQLite connection. The request and answer formats
// are specified in bus/README.md ("Queries").
//
// Threads: a ShardReader belongs to one reader thread. SQLite WAL mode gives it
// a consistent snapshot per statement while the partition's writer goes on.
// Deadlines: a query past its deadline is interrupted inside SQLite (progress
// handler), so one slow search cannot hold a reader thread for long.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "stages/common/clock.h"
#include "stages/common/status.h"
#include "stages/common/sqlite/sqlite_db.h"

namespace spanline::indexer::query {

using json = nlohmann::json;

class ShardReader {
 public:
  static Result<std::unique_ptr<ShardReader>> open(const std::string& path, uint32_t partition);
  ~ShardReader();

  // Runs one query of `kind` with its parameters (already validated by the
  // api; checked again here because the bus is an entry point too).
  Result<json> run(std::string_view kind, const json& params, SteadyClock::time_point deadline);

  uint32_t partition() const { return partition_; }

 private:
  ShardReader(std::unique_ptr<Database> db, uint32_t partition);

  Result<json> services();
  Result<json> operations(const json& params);
  Result<json> search(const json& params);
  Result<json> trace(const json& params);
  Result<json> span(const json& params);
  Result<json> workflows(const json& params);
  Result<json> workflow(const json& params);
  Result<json> llm_usage(const json& params);
  Result<json> counts();

  std::unique_ptr<Database> db_;
  uint32_t partition_;
  SteadyClock::time_point deadline_;
};

}  // namespace spanline::indexer::query
