#pragma once
// Sends one query to a replica of each partition it needs and gathers the
// answers: one bus request per indexer (carrying all the partitions it is
// asked for), all in flight at once, all bounded by one deadline.
//
// Which replica: the first of the directory's candidates (query_replicas():
// never a building one; ready, fresh, least lagging first). Hedging: when a
// request has not answered within `hedge`, or failed (anything but
// invalid_argument, which is the query's fault and ends the whole query), or
// answered an error for a partition, those partitions go to their next
// candidate too, grouped per endpoint again; the first good answer of a
// partition wins and later ones are dropped, so no partition is merged twice.
// A partition comes back in `missing` (the caller says the answer is partial)
// only when it has no live replica, every candidate failed, or the deadline
// passed before any answered.
//
// Threads: query() is called from HTTP threads and blocks until every answer
// or the deadline; replies are handed to it by the clients' I/O threads.
// Request clients (one DEALER per indexer endpoint) are created on first use
// and kept.

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
  std::chrono::milliseconds owner_silence{3000};  // an indexer not heard from this long answers nothing
  std::chrono::milliseconds hedge{500};           // ask the next replica after this long without an answer (0: never)
};

class IndexerFanout {
 public:
  IndexerFanout(bus::Context& context, const StageDirectory& directory, FanoutOptions options);

  // Partitions 0..count-1 for a search, or one for a trace id. An error Status
  // only when the query itself is wrong (invalid_argument from an indexer).
  Result<FanoutResult> query(const protocol::query::Query& query, const std::vector<uint32_t>& partitions);

 private:
  struct Gather;
  bus::RequestClient& client_for(const std::string& endpoint);
  // Sends `partitions` to `endpoint` as one request whose reply lands in `gather`.
  void send(const std::shared_ptr<Gather>& gather, const protocol::query::Query& query, const std::string& endpoint,
            std::vector<uint32_t> partitions, std::chrono::milliseconds remaining);

  bus::Context& context_;
  const StageDirectory& directory_;
  FanoutOptions options_;
  std::mutex clients_mutex_;
  std::map<std::string, std::unique_ptr<bus::RequestClient>> clients_;
};

}  // namespace spanline::api
