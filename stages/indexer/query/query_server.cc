#include "stages/indexer/query/query_server.h"

#include <algorithm>
#include <map>

#include "bus/sockets.h"
#include "base/log.h"
#include "protocol/query/snapshot_messages.h"
#include "stages/indexer/group/snapshot_source.h"
#include "stages/indexer/query/shard_queries.h"
#include "stages/indexer/shard.h"

namespace spanline::indexer::query {

// One reader thread's connections: a read-only connection per owned shard,
// opened on first use and reopened after an error, or when the partition was
// given up since it was opened (a shard copied in later is another file).
class ReaderSet {
 public:
  ReaderSet(const std::string& data_dir) : data_dir_(data_dir) {}

  Result<ShardReader*> get(uint32_t partition, uint64_t generation) {
    auto found = readers_.find(partition);
    if (found != readers_.end() && found->second.generation == generation) return found->second.reader.get();
    auto reader = ShardReader::open(shard_path(data_dir_, partition), partition);
    if (!reader) return reader.status();
    ShardReader* raw = reader->get();
    readers_[partition] = Opened{std::move(reader.value()), generation};
    return raw;
  }
  void forget(uint32_t partition) { readers_.erase(partition); }

 private:
  struct Opened {
    std::unique_ptr<ShardReader> reader;
    uint64_t generation = 0;
  };
  std::string data_dir_;
  std::map<uint32_t, Opened> readers_;
};

QueryServer::QueryServer(bus::Context& context, QueryServerOptions options, bus::StatsRegistry& stats)
    : options_(std::move(options)),
      partitions_(options_.partitions.begin(), options_.partitions.end()),
      router_(context,
              bus::WorkerRouterOptions{.endpoint = options_.endpoint,
                                       .accepts = bus::MessageType::query,
                                       .also_accepts = options_.snapshots ? bus::MessageType::snapshot : bus::MessageType::invalid,
                                       .what = "query",
                                       .threads = options_.threads,
                                       .max_queued = options_.max_queued,
                                       .max_deadline = options_.max_deadline,
                                       .requests_counter = "queries",
                                       .errors_counter = "query_errors",
                                       .refused_counter = "queries_refused_busy",
                                       .queue_gauge = "query_queue"},
              stats) {}

Status QueryServer::start() {
  return router_.start([this] {
    auto readers = std::make_shared<ReaderSet>(options_.data_dir);
    return [this, readers](const bus::RouterJob& job) { return run_job(job, *readers); };
  });
}

void QueryServer::set_partitions(const std::vector<uint32_t>& partitions) {
  std::lock_guard lock(partitions_mutex_);
  std::set<uint32_t> next(partitions.begin(), partitions.end());
  for (uint32_t partition : partitions_) {
    if (!next.contains(partition)) ++given_up_[partition];
  }
  partitions_ = std::move(next);
}

bool QueryServer::serves(uint32_t partition) const { return serving(partition).has_value(); }

std::optional<uint64_t> QueryServer::serving(uint32_t partition) const {
  std::lock_guard lock(partitions_mutex_);
  if (!partitions_.contains(partition)) return std::nullopt;
  auto given_up = given_up_.find(partition);
  return given_up == given_up_.end() ? 0 : given_up->second;
}

bus::RouterAnswer QueryServer::run_snapshot(const bus::RouterJob& job) {
  auto request = protocol::query::decode_snapshot_request(job.body);
  if (!request) return router_.fail(job, request.status());
  auto chunk = options_.snapshots->serve(*request);
  if (!chunk) return router_.fail(job, chunk.status());
  return bus::RouterAnswer{bus::make_header(bus::MessageType::snapshot_reply, job.header.request_id),
                           protocol::query::encode(*chunk)};
}

bus::RouterAnswer QueryServer::run_job(const bus::RouterJob& job, ReaderSet& readers) {
  if (job.header.message_type() == bus::MessageType::snapshot) return run_snapshot(job);
  const uint64_t request_id = job.header.request_id;
  auto fail = [&](const Status& status) { return router_.fail(job, status); };
  auto request = protocol::query::decode_request(job.body);
  if (!request) return fail(request.status());
  uint64_t cap = options_.max_answer_bytes;
  if (job.header.max_bytes > 0) cap = std::min(cap, job.header.max_bytes);
  // One budget for the whole answer: every partition's rows spend from it as
  // they are built, and every phase checks the deadline (shard_queries.h).
  QueryBudget budget(job.deadline, cap);
  std::vector<protocol::query::PartitionResult> results;
  for (uint32_t partition : request->partitions) {
    protocol::query::PartitionResult result{.partition = partition};
    const std::optional<uint64_t> generation = serving(partition);
    if (!generation) {
      readers.forget(partition);
      result.error = Status(Code::failed_precondition, "partition " + std::to_string(partition) + " is not owned by this indexer");
    } else if (auto reader = readers.get(partition, *generation); !reader) {
      result.error = reader.status();
    } else if (auto data = (*reader)->run(request->query, budget); !data) {
      // A refusal of the whole answer, not of one partition.
      if (data.status().code() == Code::invalid_argument || data.status().code() == Code::resource_exhausted) {
        return fail(data.status());
      }
      if (data.status().code() == Code::internal) readers.forget(partition);
      result.error = data.status();
    } else {
      result.data = std::move(data.value());
    }
    results.push_back(std::move(result));
  }
  if (Status s = budget.check_time(); !s.is_ok()) return fail(s);
  std::string body = protocol::query::encode_results(results);
  // The budget counted the stored texts; the encoded answer is what the cap is about.
  if (body.size() > cap) return fail(answer_too_large(body.size(), cap));
  bus::Header reply = bus::make_header(bus::MessageType::query_reply, request_id);
  return bus::RouterAnswer{reply, std::move(body)};
}

}  // namespace spanline::indexer::query
