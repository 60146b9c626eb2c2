#include "stages/api/query/indexer_fanout.h"

#include <algorithm>
#include <condition_variable>
#include <deque>

namespace spanline::api {
namespace {

using Clock = std::chrono::steady_clock;

// One partition's way through its candidate replicas.
struct PartitionTry {
  std::vector<PartitionReplica> candidates;
  size_t next = 0;          // the candidate asked next
  int in_flight = 0;        // requests asking for it that have not come back
  bool retry_now = false;   // a candidate failed: ask the next one without waiting for the hedge
  bool answered = false;
  Clock::time_point last_sent;
  std::vector<std::string> failures;  // "indexer <instance>: why", in the order they came
};

}  // namespace

// The replies of one query's requests, handed from the clients' I/O threads to the asking thread.
struct IndexerFanout::Gather {
  struct Reply {
    std::string endpoint;
    std::vector<uint32_t> asked;
    Result<bus::Message> reply;
  };
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<Reply> replies;

  void add(std::string endpoint, std::vector<uint32_t> asked, Result<bus::Message> reply) {
    std::lock_guard lock(mutex);
    replies.push_back({std::move(endpoint), std::move(asked), std::move(reply)});
    cv.notify_all();
  }
};

IndexerFanout::IndexerFanout(bus::Context& context, const StageDirectory& directory, FanoutOptions options)
    : context_(context), directory_(directory), options_(options) {}

bus::RequestClient& IndexerFanout::client_for(const std::string& endpoint) {
  std::lock_guard lock(clients_mutex_);
  auto& client = clients_[endpoint];
  if (!client) client = std::make_unique<bus::RequestClient>(context_, bus::ClientOptions{.endpoint = endpoint, .max_in_flight = 256});
  return *client;
}

void IndexerFanout::send(const std::shared_ptr<Gather>& gather, const protocol::query::Query& query, const std::string& endpoint,
                         std::vector<uint32_t> partitions, std::chrono::milliseconds remaining) {
  std::string body = protocol::query::encode({partitions, query});
  std::vector<zmq::message_t> payload;
  payload.emplace_back(body.data(), body.size());
  bus::Header header = bus::make_header(bus::MessageType::query);
  header.deadline_ms = static_cast<uint32_t>(remaining.count());
  header.max_bytes = options_.max_answer_bytes;
  Status started = client_for(endpoint).start_request(
      header, std::move(payload), {.timeout = remaining, .attempts = 1},
      [gather, endpoint, asked = partitions](Result<bus::Message> reply) { gather->add(endpoint, asked, std::move(reply)); });
  if (!started.is_ok()) gather->add(endpoint, std::move(partitions), started);
}

Result<FanoutResult> IndexerFanout::query(const protocol::query::Query& query, const std::vector<uint32_t>& partitions) {
  FanoutResult result;
  const auto deadline = Clock::now() + options_.timeout;
  ReplicaCandidates candidates = directory_.query_replicas(options_.owner_silence);
  std::map<uint32_t, PartitionTry> tries;
  for (uint32_t partition : partitions) {
    auto found = candidates.find(partition);
    if (found == candidates.end()) {
      result.missing.push_back(partition);
      result.reasons.push_back("partition " + std::to_string(partition) + " has no live indexer");
    } else {
      tries[partition].candidates = std::move(found->second);
    }
  }

  auto gather = std::make_shared<Gather>();
  const bool hedging = options_.hedge.count() > 0;
  // Asks the next candidate of every partition that is due: never asked yet, its
  // request failed, or (hedging) unanswered for the hedge time. One request per endpoint.
  auto launch = [&](Clock::time_point now) {
    std::map<std::string, std::vector<uint32_t>> by_endpoint;
    for (auto& [partition, attempt] : tries) {
      if (attempt.answered || attempt.next >= attempt.candidates.size()) continue;
      const bool due = attempt.in_flight == 0 || attempt.retry_now || (hedging && now - attempt.last_sent >= options_.hedge);
      if (!due) continue;
      by_endpoint[attempt.candidates[attempt.next].endpoint].push_back(partition);
      ++attempt.next;
      ++attempt.in_flight;
      attempt.retry_now = false;
      attempt.last_sent = now;
    }
    const auto remaining = std::max(std::chrono::milliseconds(1), std::chrono::ceil<std::chrono::milliseconds>(deadline - now));
    for (auto& [endpoint, asked] : by_endpoint) send(gather, query, endpoint, std::move(asked), remaining);
  };
  // `retry`: ask the next replica at once. Not after deadline_exceeded: every request runs to the
  // query's one deadline, so that answer means the deadline is over (the clocks differ by a hair).
  auto fail = [&](uint32_t partition, const std::string& why, bool retry = true) {
    PartitionTry& attempt = tries[partition];
    attempt.failures.push_back(why);
    attempt.retry_now = retry;
  };
  auto settled = [&] {
    return std::all_of(tries.begin(), tries.end(), [](const auto& entry) {
      const PartitionTry& attempt = entry.second;
      return attempt.answered || (attempt.in_flight == 0 && attempt.next >= attempt.candidates.size());
    });
  };
  // Takes one request's reply: the partitions it answers first are kept, errors send the rest on.
  auto take = [&](Gather::Reply& got) -> Status {
    for (uint32_t partition : got.asked) --tries[partition].in_flight;
    // Reasons name the indexer, never its endpoint: they reach the client, and
    // the api hides any message that names a bus address.
    std::string who = "an indexer";
    for (uint32_t partition : got.asked) {
      for (const PartitionReplica& candidate : tries[partition].candidates) {
        if (candidate.endpoint == got.endpoint) who = "indexer " + candidate.instance;
      }
    }
    auto give_up = [&](const std::string& why, bool retry = true) {
      for (uint32_t partition : got.asked) fail(partition, who + ": " + why, retry);
    };
    if (!got.reply) {
      if (got.reply.status().code() == Code::invalid_argument) return got.reply.status();
      give_up(got.reply.status().to_string(), got.reply.status().code() != Code::deadline_exceeded);
      return Status::ok();
    }
    if (got.reply->payload.size() != 1) {
      give_up("indexer sent no answer body");
      return Status::ok();
    }
    auto results = protocol::query::decode_results(got.reply->payload[0].to_string_view());
    if (!results) {
      give_up(results.status().message());
      return Status::ok();
    }
    std::vector<uint32_t> unanswered = got.asked;
    for (protocol::query::PartitionResult& item : *results) {
      auto asked = std::find(unanswered.begin(), unanswered.end(), item.partition);
      if (asked == unanswered.end()) continue;  // not asked of this indexer, or sent twice
      unanswered.erase(asked);
      PartitionTry& attempt = tries[item.partition];
      if (!item.error.is_ok()) {
        fail(item.partition, who + ": " + item.error.message());
      } else if (!attempt.answered) {
        attempt.answered = true;
        result.answers.push_back({item.partition, std::move(item.data)});
      }
    }
    for (uint32_t partition : unanswered) fail(partition, who + ": no result for this partition in the answer");
    return Status::ok();
  };

  while (true) {
    const auto now = Clock::now();
    if (now < deadline) launch(now);
    if (settled() || now >= deadline) break;
    auto wake = deadline;
    for (const auto& [partition, attempt] : tries) {
      if (hedging && !attempt.answered && attempt.in_flight > 0 && attempt.next < attempt.candidates.size()) {
        wake = std::min(wake, attempt.last_sent + options_.hedge);
      }
    }
    std::deque<Gather::Reply> got;
    {
      std::unique_lock lock(gather->mutex);
      gather->cv.wait_until(lock, wake, [&] { return !gather->replies.empty(); });
      got.swap(gather->replies);
    }
    for (Gather::Reply& reply : got) {
      if (Status s = take(reply); !s.is_ok()) return s;
    }
  }
  for (const auto& [partition, attempt] : tries) {
    if (attempt.answered) continue;
    std::string why;
    for (const std::string& failure : attempt.failures) why += (why.empty() ? "" : "; ") + failure;
    if (attempt.in_flight > 0) why += std::string(why.empty() ? "" : "; ") + "no answer within " + std::to_string(options_.timeout.count()) + " ms";
    result.missing.push_back(partition);
    result.reasons.push_back("partition " + std::to_string(partition) + ": " + why);
  }
  std::sort(result.answers.begin(), result.answers.end(), [](const auto& a, const auto& b) { return a.partition < b.partition; });
  std::sort(result.missing.begin(), result.missing.end());
  result.missing.erase(std::unique(result.missing.begin(), result.missing.end()), result.missing.end());
  return result;
}

}  // namespace spanline::api
