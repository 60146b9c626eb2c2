#include "stages/indexer/group/snapshot_copy.h"

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>

#include "base/clock.h"
#include "bus/request_client.h"
#include "protocol/query/snapshot_messages.h"
#include "stages/indexer/shard.h"

namespace spanline::indexer::group {

namespace fs = std::filesystem;
using protocol::query::SnapshotChunk;
using protocol::query::SnapshotRequest;

namespace {

// Making the copy (VACUUM INTO) reads the whole shard before the first chunk comes back.
constexpr std::chrono::seconds kFirstChunkTimeout{600};
constexpr std::chrono::seconds kChunkTimeout{30};

void remove_with_journal(const std::string& path) {
  std::error_code ignored;
  fs::remove(path, ignored);
  fs::remove(path + "-wal", ignored);
  fs::remove(path + "-shm", ignored);
}

// One chunk; gives up early when `stopping` is set (a copy can wait minutes for the first chunk).
Result<SnapshotChunk> ask(bus::RequestClient& source, const SnapshotRequest& request, const std::atomic<bool>& stopping) {
  struct Mailbox {
    std::mutex mutex;
    std::condition_variable changed;
    std::optional<Result<bus::Message>> reply;
  };
  auto mailbox = std::make_shared<Mailbox>();
  bus::Header header = bus::make_header(bus::MessageType::snapshot);
  header.partition = static_cast<int32_t>(request.partition);
  std::vector<zmq::message_t> payload;
  payload.push_back(bus::frame_taking(protocol::query::encode(request)));
  Status sent = source.start_request(std::move(header), std::move(payload),
                                     {.timeout = request.token.empty() ? kFirstChunkTimeout : kChunkTimeout, .attempts = 1},
                                     [mailbox](Result<bus::Message> answer) {
                                       std::lock_guard lock(mailbox->mutex);
                                       mailbox->reply = std::move(answer);
                                       mailbox->changed.notify_all();
                                     });
  if (!sent.is_ok()) return sent;
  std::unique_lock lock(mailbox->mutex);
  while (!mailbox->reply) {
    if (stopping.load()) return Status(Code::cancelled, "stopping");
    mailbox->changed.wait_for(lock, std::chrono::milliseconds(100));
  }
  Result<bus::Message>& reply = *mailbox->reply;
  if (!reply) return reply.status();
  if (reply->header.message_type() != bus::MessageType::snapshot_reply || reply->payload.size() != 1) {
    return Status(Code::internal, "the source answered a snapshot request with something else");
  }
  auto chunk = protocol::query::decode_snapshot_chunk(reply->payload[0].to_string_view());
  if (!chunk) return chunk.status();
  if (chunk->partition != request.partition || chunk->offset != request.offset) {
    return Status(Code::internal, "the source answered another partition or offset than asked");
  }
  return chunk;
}

}  // namespace

std::string incoming_path(const std::string& data_dir, uint32_t partition) { return shard_path(data_dir, partition) + ".incoming"; }

Result<CopiedSnapshot> copy_snapshot(bus::Context& context, const std::string& source_endpoint, uint32_t partition,
                                     const std::string& data_dir, const std::atomic<bool>& stopping) {
  const auto started = SteadyClock::now();
  const std::string incoming = incoming_path(data_dir, partition);
  remove_with_journal(incoming);
  bus::RequestClient source(context, {.endpoint = source_endpoint, .max_in_flight = 4});
  auto copied = [&]() -> Result<uint64_t> {
    std::error_code error;
    fs::create_directories(fs::path(incoming).parent_path(), error);
    std::ofstream out(incoming, std::ios::binary | std::ios::trunc);
    if (!out) return Status(Code::internal, "cannot write " + incoming);
    SnapshotRequest request{.partition = partition};
    uint64_t cursor = 0;
    for (;;) {
      if (stopping.load()) return Status(Code::cancelled, "stopping");
      auto chunk = ask(source, request, stopping);
      if (!chunk) return chunk.status();
      if (!request.token.empty() && (chunk->token != request.token || chunk->cursor != cursor)) {
        return Status(Code::internal, "the source's chunks disagree on their copy");
      }
      out.write(chunk->data.data(), static_cast<std::streamsize>(chunk->data.size()));
      if (!out) return Status(Code::internal, "cannot write " + incoming);
      if (chunk->last) return chunk->cursor;
      request.token = chunk->token;
      request.offset = chunk->offset + chunk->data.size();
      cursor = chunk->cursor;
    }
  }();
  if (!copied) {
    remove_with_journal(incoming);
    return copied.status();
  }
  // The copy must be a shard of this partition at the cursor the source named before it takes the shard's place.
  std::string wal_log;
  {
    auto shard = Shard::open(incoming, partition);
    if (shard) wal_log = (*shard)->wal_log();
    if (!shard || (*shard)->cursor() != *copied) {
      remove_with_journal(incoming);
      return Status(Code::internal, "the copy of partition " + std::to_string(partition) + " does not open as its shard at cursor " +
                                        std::to_string(*copied) + (shard ? "" : ": " + shard.status().message()));
    }
  }
  std::error_code error;
  const uint64_t bytes = fs::file_size(incoming, error);
  const std::string target = shard_path(data_dir, partition);
  // The old shard's journal goes first (it must not be replayed into the
  // copy); its main file is replaced by the rename in one step, so a failed
  // rename leaves the old shard, consistent as of its last checkpoint.
  fs::remove(target + "-wal", error);
  fs::remove(target + "-shm", error);
  error.clear();
  fs::rename(incoming, target, error);
  if (error) {
    remove_with_journal(incoming);
    return Status(Code::internal, "cannot rename " + incoming + " to " + target + ": " + error.message());
  }
  remove_with_journal(incoming);  // its -wal and -shm, if closing left any
  return CopiedSnapshot{*copied, std::move(wal_log), bytes, std::chrono::duration<double>(SteadyClock::now() - started).count()};
}

}  // namespace spanline::indexer::group
