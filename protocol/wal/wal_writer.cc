#include "protocol/wal/wal_writer.h"

#include <condition_variable>
#include <mutex>

namespace spanline::wal {
namespace {

// Waits for every part's reply; the first failure decides the answer.
struct Completion {
  std::mutex mutex;
  std::condition_variable done;
  size_t remaining = 0;
  Status first_error = Status::ok();
};

}  // namespace

WalWriter::WalWriter(bus::Context& context, std::string wal_endpoint, size_t max_in_flight, uint32_t configured_partitions,
                     std::string who)
    : client_(std::make_unique<bus::RequestClient>(
          context, bus::ClientOptions{.endpoint = std::move(wal_endpoint), .max_in_flight = max_in_flight})),
      partitions_(*client_, std::move(who), configured_partitions) {}

bus::RequestClient& WalWriter::endpoint_for(uint32_t /*partition*/) { return *client_; }

Status WalWriter::append_all(std::vector<WalPart> parts, std::chrono::milliseconds timeout) {
  auto split_by = partitions();
  if (!split_by) return split_by.status();
  auto completion = std::make_shared<Completion>();
  completion->remaining = parts.size();
  for (WalPart& part : parts) {
    bus::Header header = bus::make_header(bus::MessageType::append);
    header.partition = static_cast<int32_t>(part.partition);
    header.kind = static_cast<uint8_t>(part.kind);
    header.count = part.items;
    header.partitions = *split_by;
    // The frame takes ownership of the bytes: no copy on the way to the socket.
    auto* owned = new std::string(std::move(part.bytes));
    std::vector<zmq::message_t> payload;
    payload.emplace_back(owned->data(), owned->size(), [](void*, void* hint) { delete static_cast<std::string*>(hint); },
                         owned);
    auto on_reply = [completion](Result<bus::Message> reply) {
      std::lock_guard lock(completion->mutex);
      if (!reply && completion->first_error.is_ok()) completion->first_error = reply.status();
      if (--completion->remaining == 0) completion->done.notify_all();
    };
    Status started = endpoint_for(part.partition).start_request(std::move(header), std::move(payload), {.timeout = timeout},
                                                               on_reply);
    if (!started.is_ok()) {
      std::lock_guard lock(completion->mutex);
      if (completion->first_error.is_ok()) completion->first_error = started;
      --completion->remaining;
    }
  }
  std::unique_lock lock(completion->mutex);
  completion->done.wait(lock, [&] { return completion->remaining == 0; });
  return completion->first_error;
}

}  // namespace spanline::wal
