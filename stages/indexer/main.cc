// spanline-indexer: keeps the SQLite shards of its partitions in step with the WAL.
#include <cstdio>
#include <thread>

#include "bus/ping.h"
#include "bus/request_client.h"
#include "bus/stats.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/options.h"
#include "base/private_files.h"
#include "base/signals.h"
#include "stages/indexer/indexer_config.h"
#include "stages/indexer/partition_worker.h"
#include "stages/indexer/query/query_server.h"
#include "stages/indexer/shard.h"

namespace spanline::indexer {
namespace {

int stat(const IndexerConfig& config, const std::vector<uint32_t>& partitions) {
  std::printf("%-10s %12s %12s %12s %12s\n", "partition", "cursor", "spans", "traces", "runs");
  for (uint32_t partition : partitions) {
    auto db = Database::open(shard_path(config.data_dir, partition), true);
    if (!db) {
      std::printf("%-10u (no shard: %s)\n", partition, db.status().message().c_str());
      continue;
    }
    auto count = [&](const char* sql) -> long long {
      auto statement = (*db)->prepare(sql);
      if (!statement || !statement->step().is_ok()) return -1;
      return static_cast<long long>(statement->column_int(0));
    };
    std::printf("%-10u %12lld %12lld %12lld %12lld\n", partition, count("SELECT coalesce(max(sequence), 0) FROM cursor"),
                count("SELECT count(*) FROM spans"), count("SELECT count(*) FROM traces"),
                count("SELECT count(*) FROM workflow_runs"));
  }
  return 0;
}

int serve(const IndexerConfig& config, const std::vector<uint32_t>& partitions) {
  auto bus_key = bus::bus_key_or_explain("spanline-indexer", config.curve_secret_key);
  if (!bus_key) return 2;
  bus::Context context(*bus_key);
  bus::StatsRegistry stats;
  std::string owned;
  for (uint32_t p : partitions) {
    if (!owned.empty()) owned += ',';
    owned += std::to_string(p);
  }
  stats.set_info("partitions", owned);
  bus::RequestClient wal(context, {.endpoint = config.wal_endpoint, .max_in_flight = 1024});
  std::vector<std::unique_ptr<PartitionWorker>> workers;
  for (uint32_t partition : partitions) {
    auto shard = Shard::open(shard_path(config.data_dir, partition), partition);
    if (!shard) {
      log::error("cannot open shard", {{"partition", partition}, {"error", shard.status().to_string()}});
      return 1;
    }
    log::info("shard open", {{"partition", partition}, {"cursor", (*shard)->cursor()}});
    workers.push_back(std::make_unique<PartitionWorker>(config, std::move(shard.value()), wal, stats));
  }
  for (auto& worker : workers) worker->start();
  query::QueryServer queries(context,
                             {.endpoint = config.query_endpoint,
                              .data_dir = config.data_dir,
                              .partitions = partitions,
                              .threads = config.query_threads,
                              .max_queued = config.query_queue},
                             stats);
  if (Status started = queries.start(); !started.is_ok()) {
    log::error("cannot start the query endpoint", {{"error", started.to_string()}});
    for (auto& worker : workers) worker->stop();
    return 1;
  }
  stats.set_info("query_endpoint", config.query_advertise);
  bus::StatsPublisher publisher(context, config.stats_endpoint, "indexer", config.instance, stats);
  log::info("indexer ready", {{"partitions", owned}, {"wal", config.wal_endpoint}, {"queries", config.query_endpoint}});

  // Index retention runs on the main thread between signal checks, on its own
  // read-write connection per shard (SQLite serializes it with the writer).
  auto next_retention = SteadyClock::now() + std::chrono::seconds(10);
  for (;;) {
    if (auto sig = wait_for_termination_signal(std::chrono::milliseconds(500))) {
      log::info("stopping", {{"signal", *sig}});
      break;
    }
    if (config.retention.count() == 0 || SteadyClock::now() < next_retention) continue;
    next_retention = SteadyClock::now() + config.retention_interval;
    int64_t cutoff = unix_nanos_now() - std::chrono::duration_cast<std::chrono::nanoseconds>(config.retention).count();
    for (uint32_t partition : partitions) {
      auto shard = Shard::open(shard_path(config.data_dir, partition), partition);
      if (!shard) continue;
      auto deleted = (*shard)->delete_received_before(cutoff, 1000);
      if (deleted && *deleted > 0) log::info("index retention", {{"partition", partition}, {"traces_deleted", *deleted}});
    }
  }
  // Every worker is told first, so their pending reads end together instead of
  // each one running out its read deadline after the one before it stopped.
  for (auto& worker : workers) worker->request_stop();
  queries.stop();
  for (auto& worker : workers) worker->stop();
  log::info("stopped");
  return 0;
}

}  // namespace
}  // namespace spanline::indexer

int main(int argc, char** argv) {
  using namespace spanline;
  block_termination_signals();
  indexer::IndexerConfig config;
  Options options("spanline-indexer",
                  "The indexer stage: reads its partitions from the WAL and writes one SQLite shard per partition,\n"
                  "committing its WAL cursor in the same transaction as the rows (exactly once).\n"
                  "Commands:\n  stat   cursor and row counts of each owned shard\n"
                  "  ping   asks the running indexer's query endpoint whether it answers (exit 0 if it does)",
                  "[stat|ping] [options]");
  config.register_options(options);
  auto parsed = options.parse(argc, argv);
  if (!parsed) {
    std::fprintf(stderr, "spanline-indexer: %s\n", parsed.status().message().c_str());
    return 2;
  }
  if (parsed->exit_now) return 0;
  config.resolve();
  auto partitions = parse_uint_list(config.partitions);
  if (!partitions) {
    std::fprintf(stderr, "spanline-indexer: --partitions: %s\n", partitions.status().message().c_str());
    return 2;
  }
  log::Level level = log::Level::info;
  log::parse_level(config.log_level, level);
  log::init("indexer", level);
  // The data folder holds secrets and every trace: nothing in it is for other local users.
  make_data_folder_private(config.data_dir);
  std::string command = parsed->positional.empty() ? "serve" : parsed->positional[0];
  if (command == "serve") return indexer::serve(config, *partitions);
  if (command == "stat") return indexer::stat(config, *partitions);
  if (command == "ping") {
    auto bus_key = bus::bus_key_or_explain("spanline-indexer", config.curve_secret_key);
    if (!bus_key) return 2;
    return bus::ping_command("spanline-indexer", "indexer",
                             config.query_advertise.empty() ? config.query_endpoint : config.query_advertise, *bus_key);
  }
  std::fprintf(stderr, "spanline-indexer: unknown command '%s' (see --help)\n", command.c_str());
  return 2;
}
