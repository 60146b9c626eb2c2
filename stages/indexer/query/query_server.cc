#include "stages/indexer/query/query_server.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include "bus/sockets.h"
#include "stages/common/log.h"
#include "stages/indexer/query/shard_queries.h"
#include "stages/indexer/shard.h"

namespace spanline::indexer::query {

// One reader thread's connections: a read-only connection per owned shard,
// opened on first use and reopened after an error.
class ReaderSet {
 public:
  ReaderSet(const std::string& data_dir) : data_dir_(data_dir) {}

  Result<ShardReader*> get(uint32_t partition) {
    auto found = readers_.find(partition);
    if (found != readers_.end()) return found->second.get();
    auto reader = ShardReader::open(shard_path(data_dir_, partition), partition);
    if (!reader) return reader.status();
    ShardReader* raw = reader->get();
    readers_[partition] = std::move(reader.value());
    return raw;
  }
  void forget(uint32_t partition) { readers_.erase(partition); }

 private:
  std::string data_dir_;
  std::map<uint32_t, std::unique_ptr<ShardReader>> readers_;
};

QueryServer::QueryServer(zmq::context_t& context, QueryServerOptions options, bus::StatsRegistry& stats)
    : context_(context),
      options_(std::move(options)),
      queries_(stats.counter("queries")),
      query_errors_(stats.counter("query_errors")),
      refused_busy_(stats.counter("queries_refused_busy")) {
  stats.gauge("query_queue", [this] {
    std::lock_guard lock(jobs_mutex_);
    return static_cast<double>(jobs_.size());
  });
}

QueryServer::~QueryServer() { stop(); }

Status QueryServer::start() {
  try {
    socket_ = bus::bind_router(context_, options_.endpoint);
  } catch (const zmq::error_t& e) {
    return Status(Code::unavailable, "cannot bind query endpoint " + options_.endpoint + ": " + e.what());
  }
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) return Status(Code::internal, "eventfd failed");
  io_thread_ = std::thread([this] { io_loop(); });
  for (size_t i = 0; i < std::max<size_t>(options_.threads, 1); ++i) readers_.emplace_back([this] { reader_loop(); });
  return Status::ok();
}

void QueryServer::stop() {
  if (stopping_.exchange(true)) return;
  jobs_cv_.notify_all();
  for (auto& reader : readers_) {
    if (reader.joinable()) reader.join();
  }
  if (io_thread_.joinable()) io_thread_.join();
  socket_.close();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void QueryServer::io_loop() {
  std::vector<zmq::pollitem_t> items = {{socket_.handle(), 0, ZMQ_POLLIN, 0}, {nullptr, wake_fd_, ZMQ_POLLIN, 0}};
  while (!stopping_.load()) {
    try {
      zmq::poll(items, std::chrono::milliseconds(100));
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) log::error("query poll failed", {{"error", e.what()}});
      continue;
    }
    if ((items[1].revents & ZMQ_POLLIN) != 0) {
      uint64_t drained = 0;
      (void)::read(wake_fd_, &drained, sizeof(drained));
    }
    std::deque<Answer> ready;
    {
      std::lock_guard lock(answers_mutex_);
      ready.swap(answers_);
    }
    for (Answer& answer : ready) {
      std::vector<zmq::message_t> payload;
      if (!answer.body.empty()) payload.emplace_back(answer.body.data(), answer.body.size());
      (void)bus::send_message(socket_, answer.routing_id, answer.header, payload);
    }
    for (int i = 0; i < 256; ++i) {
      bus::Received received = bus::receive_message(socket_, true);
      if (!received.got_message) break;
      if (!received.decode.is_ok()) {
        (void)bus::send_message(socket_, received.message.routing_id, bus::make_error(0, received.decode));
        continue;
      }
      accept(std::move(received.message));
    }
  }
}

void QueryServer::accept(bus::Message message) {
  const bus::Header& header = message.header;
  if (header.message_type() == bus::MessageType::ping) {
    (void)bus::send_message(socket_, message.routing_id, bus::make_header(bus::MessageType::pong, header.request_id));
    return;
  }
  if (header.message_type() != bus::MessageType::query || message.payload.size() != 1) {
    query_errors_.fetch_add(1);
    (void)bus::send_message(socket_, message.routing_id,
                            bus::make_error(header.request_id, Status(Code::invalid_argument,
                                                                      "the query endpoint answers ping and query (one JSON payload frame)")));
    return;
  }
  auto budget = options_.max_deadline;
  if (header.deadline_ms > 0) budget = std::min(budget, std::chrono::milliseconds(header.deadline_ms));
  Job job{message.routing_id, header, message.payload[0].to_string(), SteadyClock::now() + budget};
  {
    std::lock_guard lock(jobs_mutex_);
    if (jobs_.size() < options_.max_queued) {
      jobs_.push_back(std::move(job));
      jobs_cv_.notify_one();
      return;
    }
  }
  refused_busy_.fetch_add(1);
  (void)bus::send_message(socket_, message.routing_id,
                          bus::make_error(header.request_id, Status(Code::resource_exhausted, "indexer query queue is full")));
}

void QueryServer::answer(Answer answer) {
  {
    std::lock_guard lock(answers_mutex_);
    answers_.push_back(std::move(answer));
  }
  uint64_t one = 1;
  (void)::write(wake_fd_, &one, sizeof(one));
}

void QueryServer::reader_loop() {
  ReaderSet readers(options_.data_dir);
  for (;;) {
    Job job;
    {
      std::unique_lock lock(jobs_mutex_);
      jobs_cv_.wait(lock, [this] { return stopping_.load() || !jobs_.empty(); });
      if (stopping_.load()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    answer(run_job(job, readers));
  }
}

QueryServer::Answer QueryServer::run_job(const Job& job, ReaderSet& readers) {
  queries_.fetch_add(1);
  const uint64_t request_id = job.header.request_id;
  auto fail = [&](Status status) {
    query_errors_.fetch_add(1);
    return Answer{job.routing_id, bus::make_error(request_id, status), {}};
  };
  if (SteadyClock::now() > job.deadline) return fail(Status(Code::deadline_exceeded, "query expired while queued"));
  json request = json::parse(job.body, nullptr, false);
  if (request.is_discarded() || !request.is_object() || !request.contains("kind") || !request["kind"].is_string() ||
      !request.contains("partitions") || !request["partitions"].is_array()) {
    return fail(Status(Code::invalid_argument, "a query is a JSON object with kind, partitions and params"));
  }
  const std::string kind = request["kind"].get<std::string>();
  const json params = request.value("params", json::object());
  json results = json::array();
  for (const json& item : request["partitions"]) {
    if (!item.is_number_unsigned()) return fail(Status(Code::invalid_argument, "partitions must be non-negative integers"));
    uint32_t partition = item.get<uint32_t>();
    json result = {{"partition", partition}};
    auto error = [&](const Status& status) {
      result["error"] = {{"code", static_cast<int>(status.code())}, {"message", status.message()}};
    };
    if (std::find(options_.partitions.begin(), options_.partitions.end(), partition) == options_.partitions.end()) {
      error(Status(Code::failed_precondition, "partition " + std::to_string(partition) + " is not owned by this indexer"));
    } else if (auto reader = readers.get(partition); !reader) {
      error(reader.status());
    } else if (auto data = (*reader)->run(kind, params, job.deadline); !data) {
      if (data.status().code() == Code::invalid_argument) return fail(data.status());
      if (data.status().code() == Code::internal) readers.forget(partition);
      error(data.status());
    } else {
      result["data"] = std::move(data.value());
    }
    results.push_back(std::move(result));
  }
  std::string body = json{{"results", std::move(results)}}.dump(-1, ' ', false, json::error_handler_t::replace);
  uint64_t cap = options_.max_answer_bytes;
  if (job.header.max_bytes > 0) cap = std::min(cap, job.header.max_bytes);
  if (body.size() > cap) {
    return fail(Status(Code::resource_exhausted, "answer of " + std::to_string(body.size()) + " bytes exceeds the cap of " +
                                                     std::to_string(cap) + " bytes; narrow the query"));
  }
  bus::Header reply = bus::make_header(bus::MessageType::query_reply, request_id);
  return Answer{job.routing_id, reply, std::move(body)};
}

}  // namespace spanline::indexer::query
