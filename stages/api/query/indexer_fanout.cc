#include "stages/api/query/indexer_fanout.h"

#include <algorithm>
#include <condition_variable>

namespace spanline::api {

IndexerFanout::IndexerFanout(bus::Context& context, const StageDirectory& directory, FanoutOptions options)
    : context_(context), directory_(directory), options_(options) {}

bus::RequestClient& IndexerFanout::client_for(const std::string& endpoint) {
  std::lock_guard lock(clients_mutex_);
  auto& client = clients_[endpoint];
  if (!client) client = std::make_unique<bus::RequestClient>(context_, bus::ClientOptions{.endpoint = endpoint, .max_in_flight = 256});
  return *client;
}

Result<FanoutResult> IndexerFanout::query(const protocol::query::Query& query, const std::vector<uint32_t>& partitions) {
  FanoutResult result;
  const auto owners = directory_.live_owners(options_.owner_silence);
  std::map<std::string, std::vector<uint32_t>> by_endpoint;
  for (uint32_t partition : partitions) {
    auto owner = owners.find(partition);
    if (owner == owners.end()) {
      result.missing.push_back(partition);
      result.reasons.push_back("partition " + std::to_string(partition) + " has no live indexer");
    } else {
      by_endpoint[owner->second.endpoint].push_back(partition);
    }
  }

  struct Shared {
    std::mutex mutex;
    std::condition_variable cv;
    size_t outstanding = 0;
    std::vector<std::pair<std::vector<uint32_t>, Result<bus::Message>>> replies;
  };
  auto shared = std::make_shared<Shared>();
  for (auto& [endpoint, owned] : by_endpoint) {
    std::string body = protocol::query::encode({owned, query});
    std::vector<zmq::message_t> payload;
    payload.emplace_back(body.data(), body.size());
    bus::Header header = bus::make_header(bus::MessageType::query);
    header.deadline_ms = static_cast<uint32_t>(options_.timeout.count());
    header.max_bytes = options_.max_answer_bytes;
    {
      std::lock_guard lock(shared->mutex);
      ++shared->outstanding;
    }
    std::vector<uint32_t> asked = owned;
    Status started = client_for(endpoint).start_request(
        header, std::move(payload), {.timeout = options_.timeout, .attempts = 1},
        [shared, asked](Result<bus::Message> reply) {
          std::lock_guard lock(shared->mutex);
          shared->replies.emplace_back(asked, std::move(reply));
          --shared->outstanding;
          shared->cv.notify_all();
        });
    if (!started.is_ok()) {
      std::lock_guard lock(shared->mutex);
      shared->replies.emplace_back(owned, started);
      --shared->outstanding;
    }
  }
  std::unique_lock lock(shared->mutex);
  // The client enforces the deadline itself; the margin only guards against a bug there.
  shared->cv.wait_for(lock, options_.timeout + std::chrono::seconds(1), [&] { return shared->outstanding == 0; });
  for (auto& [asked, reply] : shared->replies) {
    // The binding goes in by an init-capture: clang before 16 cannot capture a structured binding.
    auto give_up = [&result, &partitions = asked](const std::string& why) {
      for (uint32_t partition : partitions) {
        result.missing.push_back(partition);
        result.reasons.push_back("partition " + std::to_string(partition) + ": " + why);
      }
    };
    if (!reply) {
      if (reply.status().code() == Code::invalid_argument) return reply.status();
      give_up(reply.status().to_string());
      continue;
    }
    if (reply->payload.size() != 1) {
      give_up("indexer sent no answer body");
      continue;
    }
    auto results = protocol::query::decode_results(reply->payload[0].to_string_view());
    if (!results) {
      give_up(results.status().message());
      continue;
    }
    for (protocol::query::PartitionResult& item : *results) {
      if (item.error.is_ok()) {
        result.answers.push_back({item.partition, std::move(item.data)});
      } else {
        result.missing.push_back(item.partition);
        result.reasons.push_back("partition " + std::to_string(item.partition) + ": " + item.error.message());
      }
    }
  }
  // Requests still outstanding here never answered: their partitions are missing too.
  std::vector<uint32_t> answered;
  for (const auto& [asked, reply] : shared->replies) answered.insert(answered.end(), asked.begin(), asked.end());
  for (const auto& [endpoint, owned] : by_endpoint) {
    for (uint32_t partition : owned) {
      if (std::find(answered.begin(), answered.end(), partition) == answered.end()) {
        result.missing.push_back(partition);
        result.reasons.push_back("partition " + std::to_string(partition) + ": no answer");
      }
    }
  }
  std::sort(result.answers.begin(), result.answers.end(), [](const auto& a, const auto& b) { return a.partition < b.partition; });
  std::sort(result.missing.begin(), result.missing.end());
  result.missing.erase(std::unique(result.missing.begin(), result.missing.end()), result.missing.end());
  return result;
}

}  // namespace spanline::api
