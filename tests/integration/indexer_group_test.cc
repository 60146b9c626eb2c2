// Indexers in group mode as real processes: one WAL with --index-replicas 2
// assigns its partitions to the indexers that join; each indexer keeps its own
// data folder. Two indexers each index every partition; a third that joins
// takes its share with the history sent before it came (copied from a live
// replica, not rebuilt: the shards it holds carry it); an indexer SIGKILLed
// loses its partitions to the others within the member timeout plus a join and
// a copy, and every acknowledged span is then in every live replica exactly once.
// An indexer back after its member timeout reads on from the shards it kept,
// and copies afresh only the shards whose missed entries retention deleted.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/hex.h"
#include "base/options.h"
#include "base/sqlite/sqlite_db.h"
#include "bus/request_client.h"
#include "protocol/wal/partitions.h"
#include "stages/indexer/shard.h"
#include "tests/support/otlp_client.h"
#include "tests/support/pipeline.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr uint32_t kPartitions = 4;
// The WALs' default member timeout, one join interval, and a snapshot copy and worker start.
constexpr auto kFailoverBound = 5s + 1s + 4s;

// An indexer in group mode with its own data folder, reading the pipeline's WAL.
class GroupIndexer {
 public:
  GroupIndexer(Pipeline& pipeline, const std::string& name)
      : dir_(pipeline.data_dir() + "/" + name),
        query_endpoint_("ipc://" + dir_ + "/run/query-" + name + ".sock"),
        process_(bin_path("spanline-indexer"),
                 {"--data-dir", dir_, "--instance", name, "--wal-endpoint", pipeline.wal_endpoints(), "--log-level", "debug"},
                 pipeline.data_dir() + "/" + name + ".log") {
    std::filesystem::create_directories(dir_);
  }

  Process& process() { return process_; }
  const std::string& dir() const { return dir_; }

  // The partitions it answers queries for now, from its last "partitions answered" log line.
  std::set<uint32_t> answered() const {
    std::set<uint32_t> partitions;
    std::istringstream lines(process_.log());
    std::string line, last;
    while (std::getline(lines, line)) {
      if (line.find("\"partitions answered\"") != std::string::npos) last = line;
    }
    if (last.empty()) return partitions;
    auto entry = nlohmann::json::parse(last, nullptr, false);
    if (entry.is_discarded()) return partitions;
    auto list = parse_uint_list(entry.value("partitions", ""));
    if (list) partitions.insert(list->begin(), list->end());
    return partitions;
  }

  // The spans its shard of `partition` holds (empty when it has none).
  std::set<SpanKey> spans(uint32_t partition) const {
    std::set<SpanKey> keys;
    const std::string path = indexer::shard_path(dir_, partition);
    if (!std::filesystem::exists(path)) return keys;
    auto db = Database::open(path, true);
    if (!db) return keys;
    auto statement = (*db)->prepare("SELECT trace_id, span_id FROM spans");
    if (!statement) return keys;
    while (true) {
      auto row = statement->step();
      if (!row.is_ok() || !*row) break;
      keys.insert({to_hex(statement->column_text(0)), to_hex(statement->column_text(1))});
    }
    return keys;
  }

  // The spans its query endpoint counts over every partition it answers (services' span counts), as the api
  // would ask; -1 when it does not answer. Asked `times` times, so each reader thread answers: all must agree.
  int64_t spans_answered(bus::Context& context, int times = 4) const {
    bus::RequestClient client(context, {.endpoint = query_endpoint_});
    int64_t agreed = -1;
    for (int i = 0; i < times; ++i) {
      std::string body =
          nlohmann::json{{"kind", "services"}, {"partitions", {0, 1, 2, 3}}, {"params", nlohmann::json::object()}}.dump();
      std::vector<zmq::message_t> payload;
      payload.emplace_back(body.data(), body.size());
      auto reply = client.call(bus::make_header(bus::MessageType::query), std::move(payload), {.timeout = 5s});
      if (!reply || reply->payload.size() != 1) return -1;
      auto answer = nlohmann::json::parse(reply->payload[0].to_string_view(), nullptr, false);
      if (answer.is_discarded()) return -1;
      int64_t spans = 0;
      for (const auto& result : answer.value("results", nlohmann::json::array())) {
        if (!result.contains("data")) continue;  // a partition it does not answer
        for (const auto& service : result["data"].value("services", nlohmann::json::array())) spans += service.value("span_count", 0);
      }
      if (agreed >= 0 && spans != agreed) return -2;
      agreed = spans;
    }
    return agreed;
  }

  std::string log() const { return "--- " + dir_ + " ---\n" + process_.log(); }

 private:
  std::string dir_;
  std::string query_endpoint_;
  Process process_;
};

uint32_t partition_of_span(const SpanKey& key) { return wal::partition_of(*from_hex(key.first), kPartitions); }

// How many of `indexers` answer each partition.
std::map<uint32_t, int> replicas_answering(const std::vector<GroupIndexer*>& indexers) {
  std::map<uint32_t, int> count;
  for (const GroupIndexer* indexer : indexers) {
    for (uint32_t p : indexer->answered()) ++count[p];
  }
  return count;
}

bool every_partition_answered_by(const std::vector<GroupIndexer*>& indexers, int replicas) {
  auto count = replicas_answering(indexers);
  for (uint32_t p = 0; p < kPartitions; ++p) {
    if (count[p] != replicas) return false;
  }
  return true;
}

// Spans of `wanted` missing from the shards `indexer` answers for their partitions.
size_t missing_from(const GroupIndexer& indexer, const std::set<SpanKey>& wanted) {
  std::map<uint32_t, std::set<SpanKey>> held;
  for (uint32_t p : indexer.answered()) held[p] = indexer.spans(p);
  size_t missing = 0;
  for (const SpanKey& key : wanted) {
    auto shard = held.find(partition_of_span(key));
    if (shard != held.end() && !shard->second.contains(key)) ++missing;
  }
  return missing;
}

std::string logs(const Pipeline& pipeline, const std::vector<GroupIndexer*>& indexers) {
  std::string all = pipeline.logs();
  for (const GroupIndexer* indexer : indexers) all += indexer->log();
  return all;
}

class Sender {
 public:
  explicit Sender(const Pipeline& pipeline) : client_(pipeline.grpc_target(), pipeline.api_key()) {}
  // Sends `requests` Exports of 5 traces x 4 spans; the spans acked.
  std::set<SpanKey> send(int requests) {
    std::set<SpanKey> acked;
    for (int i = 0; i < requests; ++i) {
      auto request = client_.make_request(5, 4, "group-test");
      if (client_.send(request).ok()) {
        auto keys = OtlpClient::keys_of(request);
        acked.insert(keys.begin(), keys.end());
      }
    }
    return acked;
  }

 private:
  OtlpClient client_;
};

TEST(IndexerGroup, ReplicasShareJoinAndFailOverWithEverySpanOncePerReplica) {
  Pipeline pipeline({.partitions = kPartitions, .http = false, .wal_args = {"--index-replicas", "2"}});
  pipeline.start_auth();
  pipeline.start_wal();
  pipeline.start_gateway();
  GroupIndexer a(pipeline, "ix-a"), b(pipeline, "ix-b"), c(pipeline, "ix-c");
  std::vector<GroupIndexer*> all = {&a, &b, &c};
  a.process().start();
  b.process().start();

  // Two indexers, R = 2: each indexes every partition.
  ASSERT_TRUE(wait_until([&] { return every_partition_answered_by({&a, &b}, 2); }, 30s)) << logs(pipeline, all);
  Sender sender(pipeline);
  std::set<SpanKey> before_join = sender.send(20);
  ASSERT_FALSE(before_join.empty());
  ASSERT_TRUE(wait_until([&] { return missing_from(a, before_join) == 0 && missing_from(b, before_join) == 0; }, 30s))
      << "missing from a: " << missing_from(a, before_join) << ", from b: " << missing_from(b, before_join) << "\n"
      << logs(pipeline, all);
  bus::Context context;
  for (GroupIndexer* replica : {&a, &b}) {
    size_t rows = 0;
    for (uint32_t p = 0; p < kPartitions; ++p) rows += replica->spans(p).size();
    EXPECT_EQ(rows, before_join.size()) << replica->dir() << ": every span once, nothing else";
    // Its readers open every shard now; a shard copied in later must be read afresh, not through these.
    EXPECT_EQ(replica->spans_answered(context), static_cast<int64_t>(before_join.size())) << replica->dir();
  }

  // A third joins: it takes its share (each partition still on two), and the
  // shards it took hold what was sent before it came.
  c.process().start();
  ASSERT_TRUE(wait_until([&] { return !c.answered().empty() && every_partition_answered_by(all, 2); }, 40s))
      << logs(pipeline, all);
  const std::set<uint32_t> taken = c.answered();
  EXPECT_GE(taken.size(), 2u) << "8 replicas over 3 indexers: at least 2 each";
  EXPECT_EQ(missing_from(c, before_join), 0u) << "copied shards carry the history" << logs(pipeline, all);
  EXPECT_NE(c.log().find("\"partition copied\""), std::string::npos) << c.log();

  // Kill one under a steady stream: within the bound its partitions are indexed again by the other two.
  std::mutex mutex;
  std::set<SpanKey> after_kill;
  std::atomic<bool> stop{false};
  std::atomic<bool> killed{false};
  std::thread stream([&] {
    Sender streaming(pipeline);
    while (!stop) {
      const bool after = killed.load();
      auto acked = streaming.send(1);
      std::lock_guard lock(mutex);
      if (after) after_kill.insert(acked.begin(), acked.end());
      std::this_thread::sleep_for(20ms);
    }
  });
  std::this_thread::sleep_for(500ms);
  const auto kill_at = Clock::now();
  a.process().kill_hard();
  killed = true;
  const bool failed_over = wait_until([&] { return every_partition_answered_by({&b, &c}, 2); }, 60s);
  const auto failover = std::chrono::duration<double>(Clock::now() - kill_at).count();
  std::this_thread::sleep_for(1s);
  stop = true;
  stream.join();
  std::printf("[indexer group] failover after SIGKILL: %.1f s (bound %.0f s); spans before join %zu, after kill %zu\n", failover,
              std::chrono::duration<double>(kFailoverBound).count(), before_join.size(), after_kill.size());
  ASSERT_TRUE(failed_over) << logs(pipeline, all);
  EXPECT_LE(failover, std::chrono::duration<double>(kFailoverBound).count()) << logs(pipeline, all);
  ASSERT_FALSE(after_kill.empty());
  std::set<SpanKey> everything = before_join;
  everything.insert(after_kill.begin(), after_kill.end());
  ASSERT_TRUE(wait_until([&] { return missing_from(b, everything) == 0 && missing_from(c, everything) == 0; }, 30s))
      << "missing from b: " << missing_from(b, everything) << ", from c: " << missing_from(c, everything) << "\n"
      << logs(pipeline, all);
  for (GroupIndexer* replica : {&b, &c}) {
    size_t rows = 0;
    for (uint32_t p : replica->answered()) rows += replica->spans(p).size();
    EXPECT_GE(rows, everything.size()) << replica->dir();
    EXPECT_EQ(replica->spans_answered(context), static_cast<int64_t>(rows)) << replica->dir() << ": its answers are its shards' rows";
  }
  // The moves, with their figures, for the report.
  for (const GroupIndexer* indexer : all) {
    std::istringstream lines(indexer->log());
    std::string line;
    while (std::getline(lines, line)) {
      for (const char* event : {"\"partition copied\"", "\"partition started\"", "\"partition stopped\"", "\"snapshot copy failed\""}) {
        if (line.find(event) != std::string::npos) std::printf("%s\n", line.c_str());
      }
    }
  }
  b.process().stop(5s);
  c.process().stop(5s);
}

TEST(IndexerGroup, EachWalAssignsItsOwnPartitionsAndEachIsReadFromItsOwner) {
  Pipeline pipeline({.partitions = kPartitions, .wals = 2, .http = false});
  pipeline.start_auth();
  pipeline.start_wal();
  pipeline.start_gateway();
  GroupIndexer a(pipeline, "ix-a"), b(pipeline, "ix-b");
  std::vector<GroupIndexer*> all = {&a, &b};
  a.process().start();
  b.process().start();
  // R = 1: each partition on one of the two, and each of them holds some (each WAL balances its own two).
  ASSERT_TRUE(wait_until([&] { return every_partition_answered_by(all, 1) && !a.answered().empty() && !b.answered().empty(); }, 30s))
      << logs(pipeline, all);
  Sender sender(pipeline);
  std::set<SpanKey> acked = sender.send(20);
  ASSERT_FALSE(acked.empty());
  ASSERT_TRUE(wait_until([&] { return missing_from(a, acked) + missing_from(b, acked) == 0; }, 30s))
      << "missing from a: " << missing_from(a, acked) << ", from b: " << missing_from(b, acked) << "\n" << logs(pipeline, all);
  size_t rows = 0;
  for (GroupIndexer* indexer : all) {
    for (uint32_t p : indexer->answered()) rows += indexer->spans(p).size();
  }
  EXPECT_EQ(rows, acked.size()) << "every span once over the partitions' single replicas";
}

// What an indexer logged after `offset` bytes of its log: this run of it, not the one before.
std::string log_since(const GroupIndexer& indexer, size_t offset) {
  std::string log = indexer.log();
  return offset < log.size() ? log.substr(offset) : std::string();
}

size_t rows_in(const GroupIndexer& indexer) {
  size_t rows = 0;
  for (uint32_t p = 0; p < kPartitions; ++p) rows += indexer.spans(p).size();
  return rows;
}

// Two indexers with R = 2; ix-b stops, spans go on arriving (indexed by ix-a), and ix-b
// stays away past the member timeout, so it comes back as a new member: a builder.
struct AwayPastTheTimeout {
  explicit AwayPastTheTimeout(std::vector<std::string> wal_args)
      : pipeline({.partitions = kPartitions, .http = false, .wal_args = std::move(wal_args)}), a(pipeline, "ix-a"), b(pipeline, "ix-b") {}

  void run_until_b_is_gone() {
    pipeline.start_auth();
    pipeline.start_wal();
    pipeline.start_gateway();
    a.process().start();
    b.process().start();
    ASSERT_TRUE(wait_until([&] { return every_partition_answered_by({&a, &b}, 2); }, 30s)) << logs(pipeline, {&a, &b});
    Sender sender(pipeline);
    before = sender.send(10);
    ASSERT_TRUE(wait_until([&] { return missing_from(a, before) == 0 && missing_from(b, before) == 0; }, 30s)) << logs(pipeline, {&a, &b});
    b.process().stop(5s);
    while_away = sender.send(10);
    ASSERT_TRUE(wait_until([&] { return missing_from(a, while_away) == 0; }, 30s)) << logs(pipeline, {&a, &b});
    ASSERT_TRUE(wait_until([&] {
      return pipeline.wal().log().find("\"group member silent past the member timeout; its partitions go to the others\"") != std::string::npos;
    }, 20s)) << pipeline.logs();
  }

  std::set<SpanKey> everything() const {
    std::set<SpanKey> all = before;
    all.insert(while_away.begin(), while_away.end());
    return all;
  }

  // Starts ix-b again and waits until it answers every partition with every span; what this run of it
  // logged (empty, the failure reported, when it did not).
  std::string bring_b_back() {
    const size_t second_run = b.log().size();
    b.process().start();
    const std::set<SpanKey> all = everything();
    const bool back = wait_until([&] {
      return log_since(b, second_run).find("\"partitions answered\"") != std::string::npos && b.answered().size() == kPartitions &&
             missing_from(b, all) == 0;
    }, 40s);
    EXPECT_TRUE(back) << "missing from b: " << missing_from(b, all) << logs(pipeline, {&a, &b});
    return back ? log_since(b, second_run) : std::string();
  }

  Pipeline pipeline;
  GroupIndexer a, b;
  std::set<SpanKey> before, while_away;
};

// A replica that comes back after its member timeout keeps the shards it holds and reads on from
// their cursors, as the WAL still holds what followed: nothing is copied, and every span is there once.
TEST(IndexerGroup, AReplicaBackAfterItsTimeoutReadsOnFromItsOwnShards) {
  AwayPastTheTimeout run({"--index-replicas", "2", "--wal-member-timeout", "2s"});
  ASSERT_NO_FATAL_FAILURE(run.run_until_b_is_gone());
  const std::string log = run.bring_b_back();
  ASSERT_FALSE(log.empty());
  EXPECT_NE(log.find("behind: reading on from the WAL"), std::string::npos) << log;
  EXPECT_EQ(log.find("\"copying partition from a replica\""), std::string::npos) << "nothing to copy: the WAL held it\n" << log;
  EXPECT_EQ(rows_in(run.b), run.everything().size()) << "every span once, nothing else";
}

// The same, but the WAL's retention deleted what ix-b missed (ix-a had it): ix-b's workers meet the
// gap, end there, and each such shard is copied afresh from ix-a; every span is there once.
TEST(IndexerGroup, AReplicaBackAfterTheWalDeletedWhatItMissedCopiesItsShardsAfresh) {
  AwayPastTheTimeout run({"--index-replicas", "2", "--wal-member-timeout", "2s", "--wal-retention", "500ms",
                          "--wal-maintenance-interval", "200ms"});
  ASSERT_NO_FATAL_FAILURE(run.run_until_b_is_gone());
  // Retention deletes what every replica of the group committed (now ix-a alone) once 500 ms old.
  ASSERT_TRUE(wait_until([&] {
    for (const WalSpan& span : run.pipeline.wal_spans()) {
      if (run.while_away.contains({span.trace_id, span.span_id})) return false;
    }
    return true;
  }, 20s)) << run.pipeline.logs();
  const std::string log = run.bring_b_back();
  ASSERT_FALSE(log.empty());
  EXPECT_NE(log.find("copying the partition afresh: the WAL deleted entries its shard never read"), std::string::npos) << log;
  EXPECT_NE(log.find("\"partition copied\""), std::string::npos) << log;
  EXPECT_EQ(rows_in(run.b), run.everything().size()) << "every span once, nothing else";
}

}  // namespace
}  // namespace spanline::testing
