#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "base/options.h"
#include "skeleton/stage_config.h"

namespace spanline::indexer {

inline constexpr stage::StageIdentity kIndexerIdentity{
    .name = "indexer",
    .data_dir_use = "shards live in <data-dir>/index/part-<p>.sqlite.",
    .instance_help = "Name of this indexer instance: it owns its partitions under this name."};

// Every setting of the indexer stage; register_options() documents each one.
struct IndexerConfig : stage::StageConfig {
  IndexerConfig() : StageConfig(kIndexerIdentity) {}

  std::string wal_endpoint{stage::default_endpoint::kWal};
  std::string partitions;  // empty: every partition of the WAL
  std::string query_endpoint{stage::default_endpoint::kQuery};
  std::string query_advertise;
  uint32_t query_threads = 2;
  uint32_t query_queue = 256;
  std::string consumer_group = "index";
  uint64_t max_batch_bytes = 2ULL << 20;  // 8 MiB batches held ~100 MB more per indexer for no throughput (bench/results)
  uint32_t max_batch_entries = 1000;
  // Decoded spans are written once they hold this much: with the span limits,
  // this bounds the indexer's memory per batch whatever the entries hold.
  uint64_t max_decoded_batch_bytes = 32ULL << 20;
  std::chrono::milliseconds read_wait{std::chrono::seconds(1)};
  // Reads are gathered into one transaction for up to this long: each commit
  // writes every page it dirtied twice, so its size, not the spans, sets the
  // bytes written (bench/results/2026-11-29-index-bytes-before.md).
  std::chrono::milliseconds commit_interval{250};
  std::chrono::milliseconds retention{std::chrono::hours(24 * 7)};
  std::chrono::milliseconds retention_interval{std::chrono::minutes(1)};

  void register_options(Options& options) {
    register_common_options(options);
    options.add("wal-endpoint", &wal_endpoint, "Bus endpoints of the WALs, comma-separated: each partition is read from the WAL that owns it (learned from the WALs).")
        .add("partitions", &partitions, "Partitions this indexer owns, e.g. 0-3 or 0,2 (each served by exactly one indexer); one past the WALs' count stops the indexer. Empty: group mode, the WALs assign partitions to the live members of --consumer-group (with their --index-replicas replicas each) and move them when members come and go.")
        .add("query-endpoint", &query_endpoint, "Bus endpoint (ROUTER) where this indexer answers the api's queries for its partitions.")
        .add("query-advertise", &query_advertise, "Endpoint announced to the api for queries (and, in group mode, to the WALs for other replicas' snapshot copies), when it differs from --query-endpoint (e.g. bound on tcp://*:5601).")
        .add("query-threads", &query_threads, "Reader threads answering queries, each with its own read-only shard connections.")
        .add("query-queue", &query_queue, "Queries that may wait for a reader; more are refused with resource_exhausted.")
        .add("consumer-group", &consumer_group, "WAL consumer group (retention waits for its committed cursors); in group mode, the group this indexer joins.")
        .add("max-batch-bytes", &max_batch_bytes, "Largest WAL read, written as one SQLite transaction.")
        .add("max-batch-entries", &max_batch_entries, "Most WAL entries per read.")
        .add("max-decoded-batch-bytes", &max_decoded_batch_bytes, "Decoded spans held before they are written: a batch (or one entry) that decodes to more is written in several transactions.")
        .add("commit-interval", &commit_interval, "Longest a read span waits to be written: reads are gathered into one transaction for up to this long (or --max-decoded-batch-bytes), fewer commits writing fewer bytes per span; adds up to this much to the index lag. 0: write after every read.")
        .add("read-wait", &read_wait, "How long a read waits at the WAL for new entries (long-poll).")
        .add("index-retention", &retention, "Index rows received longer ago than this are deleted in the background (0: keep forever).")
        .add("index-retention-interval", &retention_interval, "How often index retention runs.");
  }

  void resolve() {
    resolve_endpoints({&wal_endpoint, &query_endpoint});
    if (auto at = query_endpoint.find("{instance}"); at != std::string::npos) query_endpoint.replace(at, 10, instance);
    if (query_advertise.empty()) query_advertise = query_endpoint;
  }
};

}  // namespace spanline::indexer
