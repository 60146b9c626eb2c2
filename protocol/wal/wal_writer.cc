#include "protocol/wal/wal_writer.h"

#include <condition_variable>
#include <mutex>
#include <stdexcept>

#include "bus/envelope.h"

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

namespace {

std::vector<std::string> endpoints_or_throw(const std::string& list) {
  auto endpoints = parse_wal_endpoints(list);
  if (!endpoints) throw std::invalid_argument(endpoints.status().message());
  return std::move(*endpoints);
}

}  // namespace

WalWriter::WalWriter(bus::Context& context, const std::string& wal_endpoints, size_t max_in_flight,
                     uint32_t configured_partitions, std::string who)
    : map_(context, endpoints_or_throw(wal_endpoints), std::move(who), configured_partitions, max_in_flight) {}

Status WalWriter::append_all(std::vector<WalPart> parts, std::chrono::milliseconds timeout) {
  auto split_by = partitions();
  if (!split_by) return split_by.status();
  // Every part's WAL first: a part nobody owns fails the Export before any part lands.
  std::vector<bus::RequestClient*> owners;
  owners.reserve(parts.size());
  for (const WalPart& part : parts) {
    auto owner = map_.owner(part.partition);
    if (!owner) return owner.status();
    owners.push_back(*owner);
  }
  auto completion = std::make_shared<Completion>();
  completion->remaining = parts.size();
  for (size_t i = 0; i < parts.size(); ++i) {
    WalPart& part = parts[i];
    bus::Header header = bus::make_header(bus::MessageType::append);
    header.partition = static_cast<int32_t>(part.partition);
    header.kind = static_cast<uint8_t>(part.kind);
    header.count = part.items;
    header.partitions = *split_by;
    // The frame takes ownership of the bytes: no copy on the way to the socket.
    std::vector<zmq::message_t> payload;
    payload.push_back(bus::frame_taking(std::move(part.bytes)));
    auto on_reply = [completion](Result<bus::Message> reply) {
      std::lock_guard lock(completion->mutex);
      if (!reply && completion->first_error.is_ok()) completion->first_error = reply.status();
      if (--completion->remaining == 0) completion->done.notify_all();
    };
    Status started = owners[i]->start_request(std::move(header), std::move(payload), {.timeout = timeout}, on_reply);
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
