#include "stages/indexer/partition_worker.h"

#include <algorithm>

#include "base/clock.h"
#include "base/log.h"
#include "protocol/stage_stats.h"
#include "stages/indexer/logs/log_decoder.h"
#include "stages/indexer/span_decoder.h"

namespace spanline::indexer {

PartitionWorker::PartitionWorker(const IndexerConfig& config, std::unique_ptr<Shard> shard, WalOwner wal,
                                 bus::StatsRegistry& stats, bool group_member)
    : config_(config),
      shard_(std::move(shard)),
      partition_(shard_->partition()),
      wal_(std::move(wal)),
      group_member_(group_member),
      deletions_(config.data_dir),
      spans_indexed_(stats.counter("spans_indexed")),
      spans_duplicate_(stats.counter("spans_duplicate")),
      entries_undecodable_(stats.counter("entries_undecodable")),
      spans_trimmed_(stats.counter("spans_trimmed")),
      logs_indexed_(stats.counter("logs_indexed")),
      logs_duplicate_(stats.counter("logs_duplicate")),
      read_errors_(stats.counter("read_errors")),
      write_errors_(stats.counter("write_errors")),
      index_commits_(stats.counter("index_commits")) {
  progress_->committed = shard_->cursor();
  wal_log_ = shard_->wal_log();
  std::string p = std::to_string(partition_);
  stats.gauge("committed_sequence.p" + p, [progress = progress_] { return static_cast<double>(progress->committed.load()); });
  stats.gauge("wal_head.p" + p, [progress = progress_] { return static_cast<double>(progress->wal_head.load()); });
  stats.gauge("lag_entries.p" + p, [progress = progress_] {
    uint64_t head = progress->wal_head.load(), done = progress->committed.load();
    return static_cast<double>(progress->running.load() && head > done ? head - done : 0);
  });
  // Seconds behind: with entries waiting, the next one was received no earlier
  // than the last one indexed, so its age is at most now minus that time.
  stats.gauge(std::string(stats_names::kIndexerLagSeconds) + ".p" + p, [progress = progress_] {
    int64_t last = progress->last_received_ns.load();
    if (!progress->running.load() || progress->wal_head.load() <= progress->committed.load() || last == 0) return 0.0;
    return std::max(0.0, static_cast<double>(unix_nanos_now() - last) / 1e9);
  });
}

PartitionWorker::~PartitionWorker() {
  stop();
  progress_->running = false;
}

void PartitionWorker::start() { thread_ = std::thread([this] { run(); }); }

void PartitionWorker::request_stop() {
  stopping_ = true;
  std::lock_guard lock(mailbox_->mutex);
  mailbox_->stopping = true;
  mailbox_->changed.notify_all();
}

void PartitionWorker::stop() {
  request_stop();
  if (thread_.joinable()) thread_.join();
}

std::optional<Result<bus::Message>> PartitionWorker::read_from_wal(bus::Header read) {
  {
    std::lock_guard lock(mailbox_->mutex);
    if (mailbox_->stopping) return std::nullopt;
    mailbox_->reply.reset();
  }
  // The answer goes to the mailbox, not to this worker: on a stop the worker
  // leaves without it, and the request client still calls back exactly once
  // (with the late answer, or "shut down" when the client is destroyed).
  auto owner = wal_(partition_);
  if (!owner) return Result<bus::Message>(owner.status());
  Status started = (*owner)->start_request(
      std::move(read), {}, {.timeout = config_.read_wait + std::chrono::seconds(2), .attempts = 1},
      [mailbox = mailbox_](Result<bus::Message> answer) {
        std::lock_guard lock(mailbox->mutex);
        mailbox->reply = std::move(answer);
        mailbox->changed.notify_all();
      });
  if (!started.is_ok()) return Result<bus::Message>(started);
  std::unique_lock lock(mailbox_->mutex);
  mailbox_->changed.wait(lock, [&] { return mailbox_->reply.has_value() || mailbox_->stopping; });
  if (!mailbox_->reply) return std::nullopt;
  auto reply = std::move(mailbox_->reply);
  mailbox_->reply.reset();
  return reply;
}

bool PartitionWorker::pause_unless_stopped(std::chrono::milliseconds pause) {
  std::unique_lock lock(mailbox_->mutex);
  return !mailbox_->changed.wait_for(lock, pause, [&] { return mailbox_->stopping; });
}

void PartitionWorker::run() {
  const uint32_t partition = partition_;
  auto backoff = std::chrono::milliseconds(50);
  bool announced = false;
  bool read_once = false;  // a reply from the WAL came
  // Decoded records wait in `batch` across reads until they hold
  // max_decoded_batch_bytes or the oldest has waited --commit-interval: a
  // commit writes every page it dirtied twice (SQLite's WAL, then the
  // checkpoint), so fewer, larger commits write fewer bytes per span
  // (bench/results/2026-11-29-index-bytes-before.md). `handled` is the last
  // sequence whose records are all in `batch` or written; reads continue after
  // it, and the cursor moves to it only with the batch's commit.
  std::vector<BatchEntry> batch;
  size_t held = 0;
  uint64_t handled = shard_->cursor();
  SteadyClock::time_point commit_due{};
  auto pending = [&] { return handled > shard_->cursor(); };
  auto forget_pending = [&] {
    batch.clear();
    held = 0;
    handled = shard_->cursor();
  };
  auto commit = [&]() -> bool {
    bool written = write(batch, handled);
    if (!written) forget_pending();  // retried from the cursor, as the WAL still holds it
    batch.clear();
    held = 0;
    return written;
  };
  while (!stopping_) {
    std::chrono::milliseconds wait = config_.read_wait;
    if (pending()) {
      const auto now = SteadyClock::now();
      if (now >= commit_due || held >= config_.max_decoded_batch_bytes) {
        if (!commit() && !pause_unless_stopped(std::chrono::milliseconds(500))) break;
        continue;
      }
      wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(commit_due - now));
    }
    bus::Header read = bus::make_header(bus::MessageType::read);
    read.partition = static_cast<int32_t>(partition);
    read.sequence = handled;
    read.count = config_.max_batch_entries;
    read.max_bytes = config_.max_batch_bytes;
    read.wait_ms = static_cast<uint32_t>(wait.count());
    read.consumer = config_.consumer_group;
    read.instance = config_.instance;
    read.committed = shard_->cursor();
    read.log_id = shard_->wal_log();  // a WAL with another log does not take the cursor for retention
    read.epoch = epoch_.load();
    auto answer = read_from_wal(std::move(read));
    if (!answer) break;  // stopping
    Result<bus::Message>& reply = *answer;
    if (!reply) {
      read_errors_.fetch_add(1);
      if (reply.status().code() == Code::failed_precondition) {
        // Another indexer holds the partition: what is pending here is not ours to write.
        forget_pending();
        if (group_member_) {
          log::warn("fenced: the WAL refuses this indexer's reads of the partition; dropping it",
                    {{"partition", partition}, {"error", reply.status().message()}});
          fenced_ = true;
          break;
        }
        log::error("partition owned by another indexer", {{"partition", partition}, {"error", reply.status().message()}});
      } else {
        log::debug("WAL read failed", {{"partition", partition}, {"error", reply.status().to_string()}});
      }
      if (!pause_unless_stopped(backoff)) break;
      backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
      continue;
    }
    backoff = std::chrono::milliseconds(50);
    const bus::Header& header = reply->header;
    progress_->wal_head = header.sequence;
    if (!announced) {
      log::info("reading partition", {{"partition", partition}, {"from", shard_->cursor()}, {"wal_head", header.sequence}});
      announced = true;
    }
    if (!header.log_id.empty() && header.log_id != shard_->wal_log()) {
      // The cursor counts in the log it was taken in. Another log (the WAL's disk was replaced)
      // counts from 1 again: what was read from the old one is written, then the new one is
      // read from its start, or its first entries would sit below the old cursor, skipped.
      const bool another_log = !shard_->wal_log().empty();
      if (another_log) {
        log::warn("the WAL's log is not the one this shard's cursor counts in (it was made afresh): reading the new log from its "
                  "start; the rows indexed stay",
                  {{"partition", partition}, {"cursor", shard_->cursor()}, {"shard_log", shard_->wal_log()}, {"wal_log", header.log_id}});
        if (pending()) (void)commit();
      }
      if (Status followed = shard_->follow_wal_log(header.log_id, another_log); !followed.is_ok()) {
        write_errors_.fetch_add(1);
        log::error("cannot record the WAL log this shard follows; trying again", {{"partition", partition}, {"error", followed.to_string()}});
        if (!pause_unless_stopped(std::chrono::milliseconds(500))) break;
        continue;
      }
      {
        std::lock_guard lock(wal_log_mutex_);
        wal_log_ = shard_->wal_log();
      }
      if (another_log) {
        forget_pending();
        progress_->committed = shard_->cursor();
        continue;
      }
    }
    // Entries after the cursor were written (the head is past it) and the oldest kept is further on: a
    // gap, whether or not anything is left after it (retention may have deleted the partition's every entry).
    const bool gap = header.first_sequence > handled + 1 && header.sequence > handled;
    const bool first_read = !read_once;
    read_once = true;
    if (gap && stop_on_gap_ && !(first_read && read_past_starting_gap_)) {
      log::warn("WAL entries were deleted before this shard read them; ending here so a replica's copy fills them",
                {{"partition", partition}, {"cursor", handled}, {"first_retained", header.first_sequence}});
      // What was read before the gap is committed first: the stage decides from the cursor.
      if (pending()) (void)commit();
      gap_ = header.first_sequence;
      break;
    }
    if (gap) {
      log::warn("WAL entries were deleted before this shard read them; reading on from the oldest kept",
                {{"partition", partition}, {"cursor", handled}, {"first_retained", header.first_sequence}});
      // Past the gap at once, so a partition whose every entry went is not read from a cursor nothing follows.
      handled = header.first_sequence - 1;
    }
    if (reply->payload.empty()) {
      // A read that waited its whole long-poll and found nothing: the partition is quiet.
      // First the full-text index's segments are merged, a bounded piece per quiet read (writes wait at most
      // ~200 ms behind it), then the -wal file is emptied.
      if (!pending() && wal_dirty_) {
        bool more = true;
        for (auto until = SteadyClock::now() + std::chrono::milliseconds(200); more && SteadyClock::now() < until;) {
          more = shard_->merge_search_when_quiet();
        }
        if (!more) wal_dirty_ = !shard_->truncate_wal_when_quiet();
      }
      continue;
    }
    deletions_.refresh();
    if (!pending()) commit_due = SteadyClock::now() + config_.commit_interval;
    bool write_failed = false;
    for (size_t i = 0; i < reply->payload.size() && !write_failed; ++i) {
      const uint64_t sequence = i < header.sequences.size() ? header.sequences[i] : 0;
      // Traces and logs are indexed; metrics stay in the WAL only.
      const uint8_t kind = i < header.kinds.size() ? header.kinds[i] : static_cast<uint8_t>(bus::SignalKind::traces);
      const bool is_logs = kind == static_cast<uint8_t>(bus::SignalKind::logs);
      if (kind != static_cast<uint8_t>(bus::SignalKind::traces) && !is_logs) {
        handled = std::max(handled, sequence);
        continue;
      }
      const int64_t received_ns = i < header.received_nanos.size() ? header.received_nanos[i] : 0;
      batch.push_back({sequence, received_ns, {}, {}});
      // Once decoded records hold max_decoded_batch_bytes they are written,
      // with the cursor still before this entry.
      auto write_in_the_middle = [&]() -> Status {
        if (held < config_.max_decoded_batch_bytes) return Status::ok();
        if (!write(batch, handled)) {
          write_failed = true;
          return Status(Code::unavailable, "shard write failed");
        }
        batch.clear();
        batch.push_back({sequence, received_ns, {}, {}});
        held = 0;
        commit_due = SteadyClock::now() + config_.commit_interval;
        return Status::ok();
      };
      const std::string_view bytes(static_cast<const char*>(reply->payload[i].data()), reply->payload[i].size());
      DecodeReport report;
      logs::LogDecodeReport log_report;
      Status decoded =
          is_logs ? logs::for_each_log_record(
                        bytes, limits_,
                        [&](logs::LogRecord&& record) -> Status {
                          if (!deletions_.empty() && deletions_.deleted(record.service, record.time_ns)) return Status::ok();
                          held += logs::held_bytes(record);
                          batch.back().logs.push_back(std::move(record));
                          return write_in_the_middle();
                        },
                        &log_report)
                  : for_each_span(
                        bytes, limits_,
                        [&](SpanRecord&& span) -> Status {
                          if (!deletions_.empty() && deletions_.deleted(span.service, span.start_ns)) return Status::ok();
                          held += held_bytes(span);
                          batch.back().spans.push_back(std::move(span));
                          return write_in_the_middle();
                        },
                        &report);
      if (write_failed) break;
      if (!decoded.is_ok()) {
        // The entry is passed over: what it decoded to before the malformed
        // part is discarded (unless a write in its middle already took it).
        batch.pop_back();
        held = 0;
        for (const BatchEntry& entry : batch) {
          for (const SpanRecord& span : entry.spans) held += held_bytes(span);
          for (const logs::LogRecord& record : entry.logs) held += logs::held_bytes(record);
        }
        entries_undecodable_.fetch_add(1);
        log::error("WAL entry does not decode; recorded and passed over",
                   {{"partition", partition}, {"sequence", sequence}, {"error", decoded.message()}});
      } else if (report.spans_trimmed > 0 || report.resource_attributes_dropped > 0) {
        spans_trimmed_.fetch_add(report.spans_trimmed, std::memory_order_relaxed);
        log::warn("spans past the span limits were trimmed; the excess is in their dropped counts",
                  {{"partition", partition}, {"sequence", sequence}, {"spans_trimmed", report.spans_trimmed},
                   {"items_dropped", report.items_dropped}, {"resource_attributes_dropped", report.resource_attributes_dropped}});
      } else if (log_report.records_trimmed > 0 || log_report.resource_attributes_dropped > 0) {
        log::warn("log records past the span limits were trimmed; dropped attributes are in their dropped counts",
                  {{"partition", partition}, {"sequence", sequence}, {"records_trimmed", log_report.records_trimmed},
                   {"attributes_dropped", log_report.attributes_dropped}, {"bodies_dropped", log_report.bodies_dropped},
                   {"resource_attributes_dropped", log_report.resource_attributes_dropped}});
      }
      handled = std::max(handled, sequence);
    }
    if (write_failed) {
      forget_pending();
      if (!pause_unless_stopped(std::chrono::milliseconds(500))) break;
      continue;
    }
    // With no interval, every read is written at once (as before --commit-interval).
    if (config_.commit_interval.count() == 0) commit_due = SteadyClock::now();
  }
  // Stopping: what was read is written, so a restart does not read it again.
  if (pending()) (void)commit();
}

bool PartitionWorker::write(const std::vector<BatchEntry>& batch, uint64_t through) {
  auto applied = shard_->apply(batch, through);
  if (!applied) {
    write_errors_.fetch_add(1);
    log::error("shard write failed; retrying from the same cursor",
               {{"partition", shard_->partition()}, {"error", applied.status().to_string()}});
    return false;
  }
  for (auto entry = batch.rbegin(); entry != batch.rend(); ++entry) {
    if (entry->received_ns > 0) {
      progress_->last_received_ns.store(entry->received_ns);
      break;
    }
  }
  progress_->committed = through;
  index_commits_.fetch_add(1, std::memory_order_relaxed);
  wal_dirty_ = true;
  spans_indexed_.fetch_add(applied->spans_written, std::memory_order_relaxed);
  spans_duplicate_.fetch_add(applied->spans_duplicate, std::memory_order_relaxed);
  logs_indexed_.fetch_add(applied->logs_written, std::memory_order_relaxed);
  logs_duplicate_.fetch_add(applied->logs_duplicate, std::memory_order_relaxed);
  return true;
}

}  // namespace spanline::indexer
