#pragma once
// Sends one query to the owners of the partitions it needs and gathers the
// answers: one bus request per owning indexer (carrying all its partitions),
// all in flight at once, all bounded by one deadline. A partition with no live
// owner, an owner that does not answer in time, or a per-partition error comes
// back in `missing`, so the caller can say the answer is partial instead of
// silently returning less.
//
// Threads: query() is called from HTTP threads and blocks until every answer
// or the deadline. Request clients (one DEALER per indexer endpoint) are
// created on first use and kept.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "stages/api/directory/stage_directory.h"
#include "bus/request_client.h"
#include "base/status.h"
#include "protocol/query/query_messages.h"

namespace spanline::api {

using json = nlohmann::json;

struct PartitionAnswer {
  uint32_t partition = 0;
  std::string data;  // the partition's encoded reply (protocol/query), read with protocol::query::decode
};

struct FanoutResult {
  std::vector<PartitionAnswer> answers;  // in partition order
  std::vector<uint32_t> missing;         // sorted
  std::vector<std::string> reasons;      // why each missing partition is missing, for logs
};

struct FanoutOptions {
  std::chrono::milliseconds timeout{3000};
  uint64_t max_answer_bytes = 32ULL << 20;
  std::chrono::milliseconds owner_silence{3000};  // an indexer not heard from this long owns nothing
};

class IndexerFanout {
 public:
  IndexerFanout(bus::Context& context, const StageDirectory& directory, FanoutOptions options);

  // Partitions 0..count-1 for a search, or one for a trace id. An error Status
  // only when the query itself is wrong (invalid_argument from an indexer).
  Result<FanoutResult> query(const protocol::query::Query& query, const std::vector<uint32_t>& partitions);

 private:
  bus::RequestClient& client_for(const std::string& endpoint);

  bus::Context& context_;
  const StageDirectory& directory_;
  FanoutOptions options_;
  std::mutex clients_mutex_;
  std::map<std::string, std::unique_ptr<bus::RequestClient>> clients_;
};

}  // namespace spanline::api
