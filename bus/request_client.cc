#include "bus/request_client.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <future>

#include "base/log.h"

namespace spanline::bus {

using std::chrono::steady_clock;

RequestClient::RequestClient(bus::Context& context, ClientOptions options)
    : options_(std::move(options)), context_(context) {
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  // Connected here so a bad endpoint fails at start-up, in the caller's thread;
  // from then on only the I/O thread touches it (starting a thread is the
  // memory barrier ZeroMQ asks for when a socket changes threads).
  io_socket_ = connect_dealer(context_, options_.endpoint, options_.socket);
  io_thread_ = std::thread([this] { run(); });
}

RequestClient::~RequestClient() {
  stopping_ = true;
  wake();
  if (io_thread_.joinable()) io_thread_.join();
  ::close(wake_fd_);
}

void RequestClient::wake() {
  uint64_t one = 1;
  [[maybe_unused]] auto written = ::write(wake_fd_, &one, sizeof one);
}

Status RequestClient::start_request(Header header, std::vector<zmq::message_t> payload, CallOptions options,
                                    Callback done) {
  if (stopping_) return Status(Code::unavailable, "request client is shutting down");
  if (in_flight_.fetch_add(1) >= options_.max_in_flight) {
    in_flight_.fetch_sub(1);
    return Status(Code::resource_exhausted,
                  "too many requests waiting on " + options_.endpoint + " (limit " + std::to_string(options_.max_in_flight) + ")");
  }
  Pending pending;
  pending.id = next_id_.fetch_add(1);
  pending.header = std::move(header);
  pending.header.request_id = pending.id;
  pending.payload = std::move(payload);
  pending.options = options;
  pending.attempts_left = std::max(1, options.attempts);
  pending.done = std::move(done);
  {
    std::lock_guard lock(submissions_mutex_);
    submissions_.push_back(std::move(pending));
  }
  wake();
  return Status::ok();
}

Result<Message> RequestClient::call(Header header, std::vector<zmq::message_t> payload, CallOptions options) {
  auto promise = std::make_shared<std::promise<Result<Message>>>();
  auto future = promise->get_future();
  Status started = start_request(std::move(header), std::move(payload), options,
                                 [promise](Result<Message> result) { promise->set_value(std::move(result)); });
  if (!started.is_ok()) return started;
  return future.get();
}

void RequestClient::run() {
  zmq::socket_t& socket = io_socket_;
  std::vector<zmq::pollitem_t> items(2);
  items[0] = {socket.handle(), 0, ZMQ_POLLIN, 0};
  items[1] = {nullptr, wake_fd_, ZMQ_POLLIN, 0};
  socket_ = &socket;
  while (!stopping_) {
    auto now = steady_clock::now();
    auto wait = std::chrono::milliseconds(100);
    bool unsent = false;
    for (auto& [id, pending] : pending_) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(pending.deadline - now);
      if (left < wait) wait = std::max(left, std::chrono::milliseconds(0));
      unsent = unsent || !pending.sent;
    }
    // Unsent requests wait for a peer to appear; look again soon.
    if (unsent) wait = std::min(wait, std::chrono::milliseconds(5));
    try {
      zmq::poll(items, wait);
    } catch (const zmq::error_t&) {
      continue;
    }
    if (items[1].revents & ZMQ_POLLIN) {
      uint64_t count;
      [[maybe_unused]] auto got = ::read(wake_fd_, &count, sizeof count);
      drain_submissions();
    }
    if (items[0].revents & ZMQ_POLLIN) handle_replies();
    if (unsent) {
      for (auto& [id, pending] : pending_) {
        if (!pending.sent) try_send(pending);
      }
    }
    expire(steady_clock::now());
  }
  drain_submissions();
  for (auto& [id, pending] : pending_) {
    pending.done(Status(Code::unavailable, "request client shut down before " + options_.endpoint + " answered"));
    in_flight_.fetch_sub(1);
  }
  pending_.clear();
  socket_ = nullptr;
  socket.close();
}

void RequestClient::drain_submissions() {
  std::deque<Pending> fresh;
  {
    std::lock_guard lock(submissions_mutex_);
    fresh.swap(submissions_);
  }
  auto now = steady_clock::now();
  for (Pending& pending : fresh) {
    pending.deadline = now + pending.options.timeout;
    uint64_t id = pending.id;
    auto [it, inserted] = pending_.emplace(id, std::move(pending));
    if (socket_ != nullptr) try_send(it->second);
  }
}

void RequestClient::try_send(Pending& pending) {
  // Keep the original frames for a possible retry; copies share the buffer.
  std::vector<zmq::message_t> frames(pending.payload.size());
  for (size_t i = 0; i < frames.size(); ++i) frames[i].copy(pending.payload[i]);
  pending.sent = send_message(*socket_, "", pending.header, frames).is_ok();
}

void RequestClient::handle_replies() {
  for (;;) {
    Received received = receive_message(*socket_, false);
    if (!received.got_message) return;
    if (!received.decode.is_ok()) {
      log::warn("dropped an undecodable reply", {{"endpoint", options_.endpoint}, {"error", received.decode.message()}});
      continue;
    }
    uint64_t id = received.message.header.request_id;
    if (pending_.find(id) == pending_.end()) continue;  // answered after its deadline
    Status peer_error = status_of(received.message.header);
    if (!peer_error.is_ok()) {
      finish(id, peer_error);
    } else {
      finish(id, std::move(received.message));
    }
  }
}

void RequestClient::expire(steady_clock::time_point now) {
  std::vector<uint64_t> expired;
  for (auto& [id, pending] : pending_) {
    if (pending.deadline > now) continue;
    if (pending.attempts_left > 1) {
      --pending.attempts_left;
      pending.deadline = now + pending.options.timeout;
      try_send(pending);
      continue;
    }
    expired.push_back(id);
  }
  for (uint64_t id : expired) {
    const Pending& pending = pending_.at(id);
    auto ms = std::to_string(pending.options.timeout.count());
    if (pending.sent) {
      finish(id, Status(Code::deadline_exceeded, options_.endpoint + " did not answer within " + ms + " ms"));
    } else {
      finish(id, Status(Code::unavailable, "no peer connected at " + options_.endpoint + " for " + ms + " ms"));
    }
  }
}

void RequestClient::finish(uint64_t id, Result<Message> result) {
  auto node = pending_.extract(id);
  if (node.empty()) return;
  in_flight_.fetch_sub(1);
  node.mapped().done(std::move(result));
}

}  // namespace spanline::bus
