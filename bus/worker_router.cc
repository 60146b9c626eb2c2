#include "bus/worker_router.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>

#include "bus/sockets.h"
#include "base/log.h"

namespace spanline::bus {

WorkerRouter::WorkerRouter(bus::Context& context, WorkerRouterOptions options, StatsRegistry& stats)
    : context_(context),
      options_(std::move(options)),
      requests_(stats.counter(options_.requests_counter)),
      errors_(stats.counter(options_.errors_counter)),
      refused_busy_(stats.counter(options_.refused_counter)) {
  stats.gauge(options_.queue_gauge, [this] {
    std::lock_guard lock(jobs_mutex_);
    return static_cast<double>(jobs_.size());
  });
}

WorkerRouter::~WorkerRouter() { stop(); }

Status WorkerRouter::start(HandlerFactory factory) {
  try {
    socket_ = bind_router(context_, options_.endpoint);
  } catch (const zmq::error_t& e) {
    return Status(Code::unavailable, "cannot bind " + options_.what + " endpoint " + options_.endpoint + ": " + e.what());
  }
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) return Status(Code::internal, "eventfd failed");
  io_thread_ = std::thread([this] { io_loop(); });
  for (size_t i = 0; i < std::max<size_t>(options_.threads, 1); ++i) {
    workers_.emplace_back([this, factory] { worker_loop(factory); });
  }
  return Status::ok();
}

void WorkerRouter::stop() {
  if (stopping_.exchange(true)) return;
  jobs_cv_.notify_all();
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  if (io_thread_.joinable()) io_thread_.join();
  socket_.close();
  if (wake_fd_ >= 0) ::close(wake_fd_);
  wake_fd_ = -1;
}

RouterAnswer WorkerRouter::fail(const RouterJob& job, const Status& status) {
  errors_.fetch_add(1);
  return RouterAnswer{make_error(job.header.request_id, status), {}};
}

void WorkerRouter::io_loop() {
  std::vector<zmq::pollitem_t> items = {{socket_.handle(), 0, ZMQ_POLLIN, 0}, {nullptr, wake_fd_, ZMQ_POLLIN, 0}};
  while (!stopping_.load()) {
    try {
      zmq::poll(items, std::chrono::milliseconds(100));
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) log::error("router poll failed", {{"endpoint", options_.endpoint}, {"error", e.what()}});
      continue;
    }
    if ((items[1].revents & ZMQ_POLLIN) != 0) {
      uint64_t drained = 0;
      (void)::read(wake_fd_, &drained, sizeof(drained));
    }
    std::deque<Ready> ready;
    {
      std::lock_guard lock(answers_mutex_);
      ready.swap(answers_);
    }
    for (Ready& item : ready) {
      std::vector<zmq::message_t> payload;
      if (!item.answer.body.empty()) payload.push_back(frame_taking(std::move(item.answer.body)));
      (void)send_message(socket_, item.routing_id, item.answer.header, payload);
    }
    for (int i = 0; i < 256; ++i) {
      Received received = receive_message(socket_, true);
      if (!received.got_message) break;
      if (!received.decode.is_ok()) {
        errors_.fetch_add(1);
        (void)send_message(socket_, received.message.routing_id, make_error(0, received.decode));
        continue;
      }
      accept(std::move(received.message));
    }
  }
}

void WorkerRouter::accept(Message message) {
  const Header& header = message.header;
  if (header.message_type() == MessageType::ping) {
    (void)send_message(socket_, message.routing_id, make_header(MessageType::pong, header.request_id));
    return;
  }
  const bool served = header.message_type() == options_.accepts ||
                      (options_.also_accepts != MessageType::invalid && header.message_type() == options_.also_accepts);
  if (!served || message.payload.size() != 1) {
    errors_.fetch_add(1);
    (void)send_message(socket_, message.routing_id,
                       make_error(header.request_id, Status(Code::invalid_argument, "the " + options_.what +
                                                                                        " endpoint answers ping and " + options_.what +
                                                                                        " (one JSON payload frame)")));
    return;
  }
  auto budget = options_.max_deadline;
  if (header.deadline_ms > 0) budget = std::min(budget, std::chrono::milliseconds(header.deadline_ms));
  Queued queued{message.routing_id, RouterJob{header, message.payload[0].to_string(), SteadyClock::now() + budget}};
  {
    std::lock_guard lock(jobs_mutex_);
    if (jobs_.size() < options_.max_queued) {
      jobs_.push_back(std::move(queued));
      jobs_cv_.notify_one();
      return;
    }
  }
  refused_busy_.fetch_add(1);
  (void)send_message(socket_, message.routing_id,
                     make_error(header.request_id, Status(Code::resource_exhausted, options_.what + " queue is full")));
}

void WorkerRouter::post(Ready ready) {
  {
    std::lock_guard lock(answers_mutex_);
    answers_.push_back(std::move(ready));
  }
  uint64_t one = 1;
  (void)::write(wake_fd_, &one, sizeof(one));
}

void WorkerRouter::worker_loop(HandlerFactory factory) {
  Handler handler = factory();
  for (;;) {
    Queued queued;
    {
      std::unique_lock lock(jobs_mutex_);
      jobs_cv_.wait(lock, [this] { return stopping_.load() || !jobs_.empty(); });
      if (stopping_.load()) return;
      queued = std::move(jobs_.front());
      jobs_.pop_front();
    }
    requests_.fetch_add(1);
    RouterAnswer answer = SteadyClock::now() > queued.job.deadline
                              ? fail(queued.job, Status(Code::deadline_exceeded, options_.what + " expired while queued"))
                              : handler(queued.job);
    post(Ready{std::move(queued.routing_id), std::move(answer)});
  }
}

}  // namespace spanline::bus
