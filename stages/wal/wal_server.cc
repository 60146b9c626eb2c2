#include "stages/wal/wal_server.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "bus/sockets.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/options.h"
#include "protocol/stage_stats.h"

namespace spanline::wal {

using std::chrono::steady_clock;

WalServer::WalServer(WalConfig config, uint32_t partitions, std::vector<uint32_t> owned, LogStore& store, bus::Context& context,
                     bus::StatsRegistry& stats)
    : config_(std::move(config)),
      partitions_(partitions),
      owns_(partitions, false),
      owned_text_(format_uint_list(owned)),
      store_(store),
      context_(context),
      stats_(stats),
      parked_(config_.max_parked_reads),
      leases_(config_.owner_lease),
      appends_(stats.counter("appends")),
      items_appended_(stats.counter("items_appended")),
      bytes_appended_(stats.counter("bytes_appended")),
      append_errors_(stats.counter("append_errors")),
      reads_(stats.counter("reads")),
      entries_served_(stats.counter("entries_served")),
      entries_deleted_(stats.counter("entries_deleted")),
      bad_messages_(stats.counter("bad_messages")),
      partition_moves_(stats.counter(std::string(stats_names::kWalPartitionMoves))),
      // Settles for a member timeout: every live member has joined again by
      // then. A log that never took an entry has nothing any member could hold,
      // so it assigns at once (a fresh `spanline up` indexes from its first
      // second). Epochs start at the start time, so they rise across restarts.
      assignment_({.wal_instance = config_.instance,
                   .owned = owned,
                   .replicas = config_.index_replicas,
                   .member_timeout = config_.member_timeout,
                   .settle = std::any_of(owned.begin(), owned.end(),
                                         [&](uint32_t partition) { return store.range(partition).head > 0; })
                                 ? config_.member_timeout
                                 : std::chrono::milliseconds(0),
                   .first_epoch = static_cast<uint64_t>(unix_nanos_now() / 1'000'000),
                   .handover = kHandoverGrace},
                  steady_clock::now(), [this](uint32_t partition) { return store_.range(partition).head; }, partition_moves_),
      cursors_(store),
      retention_(config_, store, cursors_, entries_deleted_) {
  for (uint32_t partition : owned) owns_[partition] = true;
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

WalServer::~WalServer() {
  stop();
  ::close(wake_fd_);
}

void WalServer::start() {
  socket_ = std::make_unique<zmq::socket_t>(bus::bind_router(context_, config_.endpoint));
  committer_ = std::make_unique<GroupCommitter>(
      [this](std::vector<PendingAppend>& batch) {
        std::vector<AppendRecord> records(batch.size());
        for (size_t i = 0; i < batch.size(); ++i) {
          records[i].partition = batch[i].partition;
          records[i].meta = batch[i].meta;
          records[i].payload = std::string_view(static_cast<const char*>(batch[i].payload.data()), batch[i].payload.size());
        }
        Status status = store_.append(records);
        for (size_t i = 0; i < batch.size(); ++i) batch[i].sequence = records[i].sequence;
        return status;
      },
      [this](CommittedBatch batch) {
        {
          std::lock_guard lock(committed_mutex_);
          committed_.push_back(std::move(batch));
        }
        uint64_t one = 1;
        [[maybe_unused]] auto written = ::write(wake_fd_, &one, sizeof one);
      },
      config_.max_pending_bytes);
  stats_.gauge("pending_bytes", [this] { return static_cast<double>(committer_->pending_bytes()); });
  stats_.gauge("batches", [this] { return static_cast<double>(committer_->batches()); });
  stats_.gauge(std::string(stats_names::kWalDiskBytes), [this] { return static_cast<double>(retention_.disk_bytes()); });
  // The budget beside the size, so the api can warn before appends are refused.
  stats_.gauge(std::string(stats_names::kWalDiskBudgetBytes), [this] { return static_cast<double>(config_.disk_budget_bytes); });
  stats_.set_info("endpoint", config_.endpoint);
  stats_.set_info(std::string(kPartitionsInfoKey), std::to_string(partitions_));
  stats_.set_info(std::string(stats_names::kWalOwnedPartitions), owned_text_);
  bus_thread_ = std::thread([this] { run(); });
  retention_.start();
  log::info("wal listening", {{"endpoint", config_.endpoint}, {"path", config_.log_path()}, {"owned_partitions", owned_text_}});
}

void WalServer::stop() {
  if (stopping_.exchange(true)) return;
  retention_.stop();
  // The committer finishes queued appends; the bus thread then acks them and exits.
  if (committer_) committer_->stop();
  bus_stop_ = true;
  uint64_t one = 1;
  [[maybe_unused]] auto written = ::write(wake_fd_, &one, sizeof one);
  if (bus_thread_.joinable()) bus_thread_.join();
  if (socket_) socket_->close();
}

void WalServer::run() {
  std::vector<zmq::pollitem_t> items(2);
  items[0] = {socket_->handle(), 0, ZMQ_POLLIN, 0};
  items[1] = {nullptr, wake_fd_, ZMQ_POLLIN, 0};
  for (;;) {
    try {
      zmq::poll(items, std::chrono::milliseconds(parked_.size() > 0 ? 10 : 100));
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) log::error("poll failed", {{"error", e.what()}});
    }
    if (items[1].revents & ZMQ_POLLIN) {
      uint64_t count;
      [[maybe_unused]] auto got = ::read(wake_fd_, &count, sizeof count);
    }
    on_committed();
    if (bus_stop_) break;
    if (items[0].revents & ZMQ_POLLIN) {
      // Bounded per turn so completions and parked reads are never starved.
      for (int i = 0; i < 256; ++i) {
        bus::Received received = bus::receive_message(*socket_, true);
        if (!received.got_message) break;
        if (!received.decode.is_ok()) {
          bad_messages_.fetch_add(1);
          reply_error(received.message.routing_id, 0, received.decode);
          continue;
        }
        handle(received.message);
      }
    }
    for (const ReadRequest& read : parked_.take_expired(steady_clock::now())) answer_read(read);
    tend_assignment();
  }
  on_committed();
}

void WalServer::handle(bus::Message& message) {
  switch (message.header.message_type()) {
    case bus::MessageType::ping: {
      bus::Header pong = reply_header(bus::MessageType::pong, message.header.request_id);
      (void)bus::send_message(*socket_, message.routing_id, pong);
      return;
    }
    case bus::MessageType::append:
      handle_append(message);
      return;
    case bus::MessageType::read:
      handle_read(message);
      return;
    case bus::MessageType::join:
      handle_join(message);
      return;
    default:
      bad_messages_.fetch_add(1);
      reply_error(message.routing_id, message.header.request_id,
                  Status(Code::invalid_argument, "the wal does not handle message type " + std::to_string(message.header.type)));
  }
}

void WalServer::handle_append(bus::Message& message) {
  const bus::Header& header = message.header;
  auto kind = static_cast<bus::SignalKind>(header.kind);
  if (Status known = check_partition(header.partition, "append"); !known.is_ok()) {
    reply_error(message.routing_id, header.request_id, known);
    return;
  }
  if (header.partitions != 0 && header.partitions != partitions_) {
    // Split by another count, the spans would sit in partitions that lookups
    // routed by the WAL's count never read.
    reply_error(message.routing_id, header.request_id,
                Status(Code::failed_precondition, "the append was split for " + std::to_string(header.partitions) +
                                                      " partitions, but the WAL has " + std::to_string(partitions_)));
    return;
  }
  if (kind != bus::SignalKind::traces && kind != bus::SignalKind::logs && kind != bus::SignalKind::metrics) {
    reply_error(message.routing_id, header.request_id, Status(Code::invalid_argument, "append names no valid signal kind"));
    return;
  }
  if (message.payload.size() != 1) {
    reply_error(message.routing_id, header.request_id, Status(Code::invalid_argument, "append carries exactly one payload frame"));
    return;
  }
  if (retention_.disk_bytes() > config_.disk_budget_bytes) {
    append_errors_.fetch_add(1);
    reply_error(message.routing_id, header.request_id,
                Status(Code::resource_exhausted, "the WAL's disk budget (" + std::to_string(config_.disk_budget_bytes) +
                                                     " bytes) is used up; waiting for consumers and retention"));
    return;
  }
  PendingAppend append;
  append.token = next_token_++;
  append.partition = static_cast<uint32_t>(header.partition);
  append.meta.kind = kind;
  append.meta.received_nanos = unix_nanos_now();
  append.meta.items = static_cast<uint32_t>(std::min<uint64_t>(header.count, UINT32_MAX));
  append.payload = std::move(message.payload[0]);
  uint64_t token = append.token;
  appenders_[token] = {message.routing_id, header.request_id};
  Status submitted = committer_->submit(std::move(append));
  if (!submitted.is_ok()) {
    appenders_.erase(token);
    append_errors_.fetch_add(1);
    reply_error(message.routing_id, header.request_id, submitted);
  }
}

void WalServer::on_committed() {
  std::deque<CommittedBatch> batches;
  {
    std::lock_guard lock(committed_mutex_);
    batches.swap(committed_);
  }
  std::vector<uint32_t> touched;
  for (CommittedBatch& batch : batches) {
    if (!batch.status.is_ok()) log::error("WAL write failed", {{"error", batch.status.to_string()}});
    for (PendingAppend& append : batch.appends) {
      auto it = appenders_.find(append.token);
      if (it == appenders_.end()) continue;
      if (batch.status.is_ok()) {
        bus::Header ack = reply_header(bus::MessageType::append_ack, it->second.request_id);
        ack.partition = static_cast<int32_t>(append.partition);
        ack.sequence = append.sequence;
        (void)bus::send_message(*socket_, it->second.routing_id, ack);
        appends_.fetch_add(1, std::memory_order_relaxed);
        items_appended_.fetch_add(append.meta.items, std::memory_order_relaxed);
        bytes_appended_.fetch_add(append.payload.size(), std::memory_order_relaxed);
        touched.push_back(append.partition);
      } else {
        append_errors_.fetch_add(1);
        reply_error(it->second.routing_id, it->second.request_id, batch.status);
      }
      appenders_.erase(it);
    }
  }
  if (store_.broken()) exit_after_write_failure();
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  for (uint32_t partition : touched) {
    for (const ReadRequest& read : parked_.take(partition)) answer_read(read);
  }
}

void WalServer::exit_after_write_failure() {
  // Fail-stop, as databases do after a failed fsync: the failed batch was
  // never acked, every acked one is durable, and a fresh process recovers from
  // exactly that. The supervisor (spanline up, compose) starts it again; while
  // the disk stays full the new process fails the same way, with the same
  // message to clients. The replies just sent get a moment to leave; a clean
  // shutdown is not attempted because it would write to the failed store.
  log::error("a write to the log failed; exiting so the WAL restarts and recovers from what is durable",
             {{"exit_code", kExitAfterWriteFailure}});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::_Exit(kExitAfterWriteFailure);
}

void WalServer::handle_read(bus::Message& message) {
  const bus::Header& header = message.header;
  if (Status known = check_partition(header.partition, "read"); !known.is_ok()) {
    reply_error(message.routing_id, header.request_id, known);
    return;
  }
  auto partition = static_cast<uint32_t>(header.partition);
  // A cursor taken in another log (this WAL's disk was replaced, or the reader's shard followed
  // another WAL) says nothing of this one: noting it would let retention delete what it never read.
  const bool cursor_counts_here = header.log_id.empty() || header.log_id == store_.identity();
  if (!header.consumer.empty() && header.epoch > 0) {
    // A group member reading under an assignment: the assignment decides.
    if (Status assigned = assignment_.check_read(header.consumer, header.instance, partition); !assigned.is_ok()) {
      reply_error(message.routing_id, header.request_id, assigned);
      return;
    }
    if (cursor_counts_here) assignment_.note_read(header.consumer, header.instance, partition, header.committed);
  } else if (!header.consumer.empty() && !header.instance.empty()) {
    if (Status owned = leases_.claim(partition, header.consumer, header.instance, steady_clock::now()); !owned.is_ok()) {
      reply_error(message.routing_id, header.request_id, owned);
      return;
    }
  }
  reads_.fetch_add(1, std::memory_order_relaxed);
  if (!header.consumer.empty() && cursor_counts_here) {
    // A group member's read (it carries an epoch) never moves the cursor by
    // itself: the group keeps what its slowest serving replica has not
    // committed (nothing moves until the assignment knows them, e.g. right
    // after a restart). A reader without an epoch owns the partition alone.
    if (header.epoch == 0) {
      cursors_.note(partition, header.consumer, header.committed);
    } else if (auto cursor = assignment_.retention_cursor(header.consumer, partition)) {
      cursors_.note(partition, header.consumer, *cursor);
    }
  }
  ReadRequest read{.routing_id = message.routing_id,
                   .request_id = header.request_id,
                   .partition = partition,
                   .after = header.sequence,
                   .max_entries = header.count == 0 ? 1000 : std::min<uint64_t>(header.count, 100'000),
                   .max_bytes = header.max_bytes == 0 ? config_.max_read_bytes : std::min(header.max_bytes, config_.max_read_bytes)};
  const bool nothing_new = store_.range(partition).head <= header.sequence;
  auto wait = std::min<std::chrono::milliseconds>(std::chrono::milliseconds(header.wait_ms), config_.max_read_wait);
  // A full parking lot answers at once, with nothing: the reader asks again.
  if (nothing_new && wait.count() > 0 && parked_.park(read, steady_clock::now() + wait)) return;
  answer_read(read);
}

void WalServer::handle_join(bus::Message& message) {
  const bus::Header& header = message.header;
  Result<JoinRequest> request = Status(Code::invalid_argument, "join carries exactly one payload frame (a JoinRequest)");
  if (header.consumer.empty() || header.instance.empty()) {
    request = Status(Code::invalid_argument, "join names its group (g) and instance (i)");
  } else if (message.payload.size() == 1) {
    request = decode_join_request(std::string_view(static_cast<const char*>(message.payload[0].data()), message.payload[0].size()));
  }
  if (!request) {
    bad_messages_.fetch_add(1);
    reply_error(message.routing_id, header.request_id, request.status());
    return;
  }
  if (Status admitted = assignment_.admits(header.consumer, header.instance); !admitted.is_ok()) {
    reply_error(message.routing_id, header.request_id, admitted);
    return;
  }
  // A shard held in another log (this WAL's disk was replaced) is not held here: its cursor would be believed.
  std::erase_if(request->held, [&](const HeldShard& shard) { return !shard.log.empty() && shard.log != store_.identity(); });
  JoinReply assigned = assignment_.join(header.consumer, header.instance, *request, steady_clock::now());
  std::vector<zmq::message_t> payload;
  payload.push_back(bus::frame_taking(encode(assigned)));
  (void)bus::send_message(*socket_, message.routing_id, reply_header(bus::MessageType::join_reply, header.request_id), payload);
}

void WalServer::tend_assignment() {
  const auto now = steady_clock::now();
  assignment_.expire(now);
  if (now - assignment_published_ < std::chrono::seconds(1)) return;
  assignment_published_ = now;
  if (std::string json = assignment_.assignment_json(now); !json.empty()) stats_.set_info(std::string(stats_names::kWalAssignment), json);
}

void WalServer::answer_read(const ReadRequest& read) {
  PartitionRange range = store_.range(read.partition);
  ReadLimits limits;
  limits.max_entries = read.max_entries;
  limits.max_bytes = read.max_bytes;
  limits.up_to = range.head;
  auto entries = store_.read(read.partition, read.after, limits);
  if (!entries) {
    reply_error(read.routing_id, read.request_id, entries.status());
    return;
  }
  bus::Header reply = reply_header(bus::MessageType::read_reply, read.request_id);
  reply.partition = static_cast<int32_t>(read.partition);
  reply.sequence = range.head;
  reply.first_sequence = range.first;
  reply.log_id = store_.identity();
  std::vector<zmq::message_t> payload;
  payload.reserve(entries->size());
  for (StoredEntry& entry : *entries) {
    reply.sequences.push_back(entry.sequence);
    reply.kinds.push_back(static_cast<uint8_t>(entry.meta.kind));
    reply.received_nanos.push_back(entry.meta.received_nanos);
    reply.counts.push_back(entry.meta.items);
    payload.push_back(bus::frame_taking(std::move(entry.payload)));
  }
  entries_served_.fetch_add(entries->size(), std::memory_order_relaxed);
  (void)bus::send_message(*socket_, read.routing_id, reply, payload);
}

bus::Header WalServer::reply_header(bus::MessageType type, uint64_t request_id) const {
  bus::Header header = bus::make_header(type, request_id);
  announce(header);
  return header;
}

void WalServer::announce(bus::Header& header) const {
  header.partitions = partitions_;
  header.owned = owned_text_;
  header.instance = config_.instance;
}

Status WalServer::check_partition(int32_t partition, std::string_view what) const {
  if (partition < 0 || static_cast<uint32_t>(partition) >= partitions_) {
    return Status(Code::invalid_argument, std::string(what) + " names partition " + std::to_string(partition) +
                                              ", and the WAL's partitions are 0 to " + std::to_string(partitions_ - 1));
  }
  if (owns_[partition]) return Status::ok();
  // Retryable: the sender's WAL map learns the owner from the owners' replies.
  return Status(Code::unavailable, "WAL " + config_.instance + " does not own partition " + std::to_string(partition) +
                                       "; it owns " + (owned_text_.empty() ? std::string("none") : owned_text_));
}

void WalServer::reply_error(const std::string& routing_id, uint64_t request_id, const Status& status) {
  if (routing_id.empty()) return;
  bus::Header error = bus::make_error(request_id, status);
  announce(error);
  (void)bus::send_message(*socket_, routing_id, error);
}

}  // namespace spanline::wal
