// The indexer's commit cadence (issue 31): reads are gathered into one shard
// transaction for up to --commit-interval, since each commit writes every page
// it dirtied twice (SQLite's WAL, then the checkpoint) and so sets the bytes
// written per span. What an operator sees: a trickle of Exports costs a few
// commits instead of one per read, every span is still indexed exactly once,
// and none waits much longer than the interval; a quiet partition empties
// its shard's -wal file.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "base/clock.h"
#include "tests/support/http_client.h"
#include "tests/support/otlp_client.h"
#include "tests/support/pipeline.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;

// The indexers' index_commits counter summed as the api's /metrics shows it, or -1 before any was heard.
double indexer_commits(int api_port) {
  HttpResponse metrics = http_get(api_port, "/metrics");
  const std::string prefix = "spanline_indexer_index_commits_total{";
  double sum = -1;
  for (size_t at = metrics.body.find(prefix); at != std::string::npos; at = metrics.body.find(prefix, at + 1)) {
    size_t value = metrics.body.find("} ", at);
    if (value == std::string::npos) break;
    sum = std::max(sum, 0.0) + std::atof(metrics.body.c_str() + value + 2);
  }
  return sum;
}

struct Trickle {
  double commits = 0;
  size_t indexed = 0, lost = 0, duplicated = 0;
  std::chrono::milliseconds last_indexed_after{0};  // from the last ack to every span indexed
  bool wal_emptied_when_quiet = false;              // the shard's -wal file at 0 bytes once nothing arrives
};

// Size of the partition 0 shard's SQLite -wal file, or -1 when there is none.
long long shard_wal_bytes(const Pipeline& pipeline) {
  std::error_code error;
  auto size = std::filesystem::file_size(pipeline.data_dir() + "/index/part-0.sqlite-wal", error);
  return error ? -1 : static_cast<long long>(size);
}

// Ten Exports 100 ms apart into one partition, then the tally and the commits they cost.
Trickle trickle(const std::string& commit_interval) {
  Pipeline pipeline({.partitions = 1, .indexers = {"0"}, .indexer_args = {"--commit-interval", commit_interval},
                     .api = true, .api_args = {"--required-stages", "wal,auth,indexer"}});
  pipeline.start();
  EXPECT_TRUE(pipeline.wait_api_complete()) << pipeline.logs();
  double before = -1;
  for (auto until = SteadyClock::now() + 10s; before < 0 && SteadyClock::now() < until; std::this_thread::sleep_for(100ms)) {
    before = indexer_commits(pipeline.api_port());
  }
  OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  std::set<SpanKey> acked;
  for (int i = 0; i < 10; ++i) {
    auto request = client.make_request(2, 5);
    EXPECT_TRUE(client.send(request).ok());
    for (const SpanKey& key : OtlpClient::keys_of(request)) acked.insert(key);
    std::this_thread::sleep_for(100ms);
  }
  const auto last_ack = SteadyClock::now();
  Pipeline::IndexTally tally = pipeline.wait_for_acked(acked, 30s);
  Trickle result{.indexed = tally.indexed, .lost = tally.lost, .duplicated = tally.duplicated,
                 .last_indexed_after = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - last_ack)};
  EXPECT_GT(shard_wal_bytes(pipeline), 0) << "the writes went through SQLite's WAL";
  // A quiet partition gives its -wal file's space back (one long-poll read that found nothing, 1 s).
  for (auto until = SteadyClock::now() + 10s; SteadyClock::now() < until && !result.wal_emptied_when_quiet;
       std::this_thread::sleep_for(200ms)) {
    result.wal_emptied_when_quiet = shard_wal_bytes(pipeline) == 0;
  }
  // The counter reaches the api with the indexer's next stats report.
  std::this_thread::sleep_for(2500ms);
  result.commits = indexer_commits(pipeline.api_port()) - std::max(before, 0.0);
  return result;
}

TEST(IndexerCommits, ATrickleOfExportsIsGatheredIntoFewCommitsAndEverySpanIsIndexedOnce) {
  Trickle gathered = trickle("3s");
  EXPECT_EQ(gathered.indexed, 100u);
  EXPECT_EQ(gathered.lost, 0u);
  EXPECT_EQ(gathered.duplicated, 0u);
  // Ten reads over one second, gathered for up to 3 s: one commit, two if a read straddled the interval.
  EXPECT_GE(gathered.commits, 1);
  EXPECT_LE(gathered.commits, 2);
  // Nothing waits for more than the interval (plus a slow machine's margin) after it arrived.
  EXPECT_LT(gathered.last_indexed_after, 3s + 5s);
  EXPECT_TRUE(gathered.wal_emptied_when_quiet) << "the -wal file kept its high-water mark on a quiet partition";

  Trickle each_read = trickle("0");
  EXPECT_EQ(each_read.indexed, 100u);
  EXPECT_EQ(each_read.lost + each_read.duplicated, 0u);
  // Without gathering, each read that brought spans is its own commit.
  EXPECT_GE(each_read.commits, 5);
}

}  // namespace
}  // namespace spanline::testing
