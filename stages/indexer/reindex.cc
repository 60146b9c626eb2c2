#include "stages/indexer/reindex.h"

#include <cstdio>
#include <filesystem>

#include "bus/request_client.h"
#include "protocol/wal/wal_map.h"
#include "stages/indexer/deletions.h"
#include "stages/indexer/shard.h"
#include "stages/indexer/logs/log_decoder.h"
#include "stages/indexer/span_decoder.h"

namespace spanline::indexer {
namespace {

void draw_progress(uint32_t partition, uint64_t done, uint64_t first, uint64_t head) {
  uint64_t total = head >= first ? head - first + 1 : 0;
  uint64_t current = done >= first ? done - first + 1 : 0;
  double fraction = total == 0 ? 1.0 : static_cast<double>(std::min(current, total)) / static_cast<double>(total);
  int filled = static_cast<int>(fraction * 30);
  std::fprintf(stderr, "\rpartition %u [%.*s%*s] %3d%%  %llu/%llu entries", partition, filled,
               "==============================", 30 - filled, "", static_cast<int>(fraction * 100),
               static_cast<unsigned long long>(std::min(current, total)), static_cast<unsigned long long>(total));
  std::fflush(stderr);
}

void remove_shard_files(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix, ec);
}

}  // namespace

Result<ReindexResult> reindex(const ReindexOptions& options) {
  bus::Context context(options.bus_key);
  // Each partition is read from the WAL that owns it (one or several WALs).
  auto endpoints = wal::parse_wal_endpoints(options.wal_endpoint);
  if (!endpoints) return endpoints.status();
  wal::WalMap wals(context, *endpoints, "spanline-indexer reindex", 0, 16);
  if (auto count = wals.wait(std::chrono::seconds(10)); !count) return count.status();
  Deletions deletions(options.data_dir);
  deletions.refresh();
  ReindexResult result;
  for (uint32_t partition : options.partitions) {
    std::string live = shard_path(options.data_dir, partition);
    std::string fresh = live + ".reindex";
    remove_shard_files(fresh);
    auto shard = Shard::open(fresh, partition);
    if (!shard) return shard.status();
    auto owner = wals.owner(partition);
    if (!owner) {
      remove_shard_files(fresh);
      return owner.status();
    }
    bus::RequestClient& wal = **owner;
    uint64_t head = 0, first = 0;
    bool first_reply = true;
    for (;;) {
      bus::Header read = bus::make_header(bus::MessageType::read);
      read.partition = static_cast<int32_t>(partition);
      read.sequence = (*shard)->cursor();
      read.count = 1000;
      // No consumer group: a rebuild must not move retention.
      auto reply = wal.call(read, {}, {.timeout = std::chrono::seconds(10), .attempts = 3});
      if (!reply) {
        remove_shard_files(fresh);
        return Status(reply.status().code(), "reading partition " + std::to_string(partition) + " from the WAL: " +
                                                 reply.status().message());
      }
      if (first_reply) {
        // The rebuilt shard's cursor counts in this log; a log that changes under the rebuild is refused.
        if (Status followed = (*shard)->follow_wal_log(reply->header.log_id, false); !followed.is_ok()) {
          remove_shard_files(fresh);
          return followed;
        }
        head = reply->header.sequence;
        first = reply->header.first_sequence == 0 ? 1 : reply->header.first_sequence;
        if (first > 1 && options.progress) {
          std::fprintf(stderr, "partition %u: WAL retention already removed entries before %llu; they cannot be rebuilt\n",
                       partition, static_cast<unsigned long long>(first));
        }
        first_reply = false;
      }
      if (reply->header.log_id != (*shard)->wal_log()) {
        remove_shard_files(fresh);
        return Status(Code::failed_precondition, "partition " + std::to_string(partition) +
                                         ": the WAL's log was made afresh during the rebuild; run reindex again");
      }
      if (reply->payload.empty()) break;
      std::vector<BatchEntry> batch;
      uint64_t last = (*shard)->cursor();
      for (size_t i = 0; i < reply->payload.size(); ++i) {
        last = std::max(last, reply->header.sequences.at(i));
        ++result.entries;
        const std::string_view bytes(static_cast<const char*>(reply->payload[i].data()), reply->payload[i].size());
        if (reply->header.kinds.at(i) == static_cast<uint8_t>(bus::SignalKind::logs)) {
          auto records = logs::decode_log_records(bytes);
          if (!records) continue;
          std::erase_if(*records, [&](const logs::LogRecord& record) { return deletions.deleted(record.service, record.time_ns); });
          batch.push_back({reply->header.sequences[i], reply->header.received_nanos.at(i), {}, std::move(records.value())});
          continue;
        }
        if (reply->header.kinds.at(i) != static_cast<uint8_t>(bus::SignalKind::traces)) continue;
        auto spans = decode_spans(bytes);
        if (!spans) continue;
        std::erase_if(*spans, [&](const SpanRecord& span) { return deletions.deleted(span.service, span.start_ns); });
        batch.push_back({reply->header.sequences[i], reply->header.received_nanos.at(i), std::move(spans.value()), {}});
      }
      auto applied = (*shard)->apply(batch, last);
      if (!applied) {
        remove_shard_files(fresh);
        return applied.status();
      }
      result.spans += applied->spans_written;
      if (options.progress) draw_progress(partition, last, first, head);
      if (last >= head) break;
    }
    if (options.progress) {
      draw_progress(partition, head, first, head);
      std::fputc('\n', stderr);
    }
    shard->reset();  // closes the file (and checkpoints) before the swap
    remove_shard_files(live);
    std::error_code ec;
    std::filesystem::rename(fresh, live, ec);
    if (ec) return Status(Code::internal, "cannot move " + fresh + " into place: " + ec.message());
    remove_shard_files(fresh);
  }
  return result;
}

}  // namespace spanline::indexer
