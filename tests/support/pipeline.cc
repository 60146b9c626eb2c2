#include "tests/support/pipeline.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "base/hex.h"
#include "stages/indexer/shard.h"
#include "tests/support/http_client.h"

namespace spanline::testing {

Pipeline::Pipeline(PipelineOptions options) : options_(std::move(options)), auth_(dir_.path(), options_.auth_args) {
  grpc_port_ = free_port();
  http_port_ = free_port();
  std::vector<std::string> wal_args = {"--data-dir", dir_.path(), "--log-level", "debug", "--partitions",
                                       std::to_string(options_.partitions)};
  if (options_.wals > 1) wal_args.insert(wal_args.end(), {"--owned-partitions", owned_by_wal(0), "--instance", "wal-1"});
  wal_args.insert(wal_args.end(), options_.wal_args.begin(), options_.wal_args.end());
  wal_ = std::make_unique<Process>(bin_path("spanline-wal"), wal_args, dir_ / "wal.log");
  for (uint32_t i = 1; i < options_.wals; ++i) {
    const std::string folder = wal_folder(i);
    std::filesystem::create_directories(folder);
    std::vector<std::string> args = {"--data-dir", folder, "--log-level", "debug", "--partitions",
                                     std::to_string(options_.partitions), "--owned-partitions", owned_by_wal(i),
                                     "--instance", "wal-" + std::to_string(i + 1),
                                     // The api binds the stats endpoint in the first data folder.
                                     "--stats-endpoint", "ipc://" + dir_.path() + "/run/stats.sock"};
    args.insert(args.end(), options_.wal_args.begin(), options_.wal_args.end());
    extra_wals_.push_back(std::make_unique<Process>(bin_path("spanline-wal"), args, dir_ / ("wal-" + std::to_string(i + 1) + ".log")));
  }
  // With several WALs every stage on the WAL hop is given all of them.
  std::vector<std::string> wal_list;
  if (options_.wals > 1) wal_list = {"--wal-endpoint", wal_endpoints()};
  std::vector<std::string> gateway_args = {"--data-dir", dir_.path(),
                                           "--grpc-address", "127.0.0.1:" + std::to_string(grpc_port_),
                                           "--http-address", options_.http ? "127.0.0.1:" + std::to_string(http_port_) : "",
                                           // Idle client connections would hold gRPC's shutdown for the whole grace.
                                           "--shutdown-grace", "1s"};
  gateway_args.insert(gateway_args.end(), wal_list.begin(), wal_list.end());
  gateway_args.insert(gateway_args.end(), options_.gateway_args.begin(), options_.gateway_args.end());
  gateway_ = std::make_unique<Process>(bin_path("spanline-gateway"), gateway_args, dir_ / "gateway.log");
  for (size_t i = 0; i < options_.indexers.size(); ++i) {
    std::vector<std::string> args = {"--data-dir", dir_.path(), "--partitions", options_.indexers[i], "--instance",
                                     "indexer-" + std::to_string(i + 1), "--log-level", "debug"};
    args.insert(args.end(), wal_list.begin(), wal_list.end());
    args.insert(args.end(), options_.indexer_args.begin(), options_.indexer_args.end());
    indexers_.push_back(std::make_unique<Process>(bin_path("spanline-indexer"), args,
                                                  dir_ / ("indexer-" + std::to_string(i + 1) + ".log")));
  }
  if (options_.api) {
    api_port_ = free_port();
    std::vector<std::string> args = {"--data-dir", dir_.path(), "--listen", "127.0.0.1:" + std::to_string(api_port_),
                                     "--log-level", "debug",
                                     "--web-dir", dir_ / "web"};
    args.insert(args.end(), wal_list.begin(), wal_list.end());
    args.insert(args.end(), options_.api_args.begin(), options_.api_args.end());
    api_ = std::make_unique<Process>(bin_path("spanline-api"), args, dir_ / "api.log");
  }
}

void Pipeline::start_indexer(size_t index) { indexers_.at(index)->start(); }

std::string Pipeline::wal_folder(size_t index) const {
  return index == 0 ? dir_.path() : dir_.path() + "/wal-" + std::to_string(index + 1);
}

std::string Pipeline::owned_by_wal(size_t index) const {
  if (options_.wals <= 1) return "";
  const uint32_t first = static_cast<uint32_t>(index * options_.partitions / options_.wals);
  const uint32_t last = static_cast<uint32_t>((index + 1) * options_.partitions / options_.wals) - 1;
  return first == last ? std::to_string(first) : std::to_string(first) + "-" + std::to_string(last);
}

std::string Pipeline::wal_endpoints() const {
  std::string list;
  for (size_t i = 0; i < std::max<uint32_t>(options_.wals, 1); ++i) {
    if (!list.empty()) list += ',';
    list += "ipc://" + wal_folder(i) + "/run/wal.sock";
  }
  return list;
}

void Pipeline::start_auth() {
  if (auth_started_ && auth_.process().running()) return;
  auth_.start();
  auth_started_ = true;
}

void Pipeline::start_api() {
  start_auth();
  api_->start();
  bool up = wait_until([&] { return port_open(api_port_); });
  if (!up) throw std::runtime_error("the api did not come up (" + api_->describe() + "):\n" + api_->log());
  if (!session_cookie_.empty() || !options_.api_first_user) return;
  HttpResponse created = http_request(api_port_, "POST", "/api/v1/users/first", {{"Content-Type", "application/json"}},
                                      R"({"email":"admin@example.com","password":"correct horse battery"})");
  std::string set_cookie = created.header("set-cookie");
  if (created.status != 201 || set_cookie.empty()) {
    throw std::runtime_error("first-user setup failed: " + std::to_string(created.status) + " " + created.body + "\n" + api_->log());
  }
  session_cookie_ = set_cookie.substr(0, set_cookie.find(';'));
}

int64_t Pipeline::shard_sum(const std::string& sql) const {
  int64_t total = 0;
  for (uint32_t p = 0; p < options_.partitions; ++p) {
    auto db = Database::open(indexer::shard_path(dir_.path(), p), true);
    if (!db) continue;
    auto statement = (*db)->prepare(sql);
    if (!statement) throw std::runtime_error(statement.status().to_string());
    auto row = statement->step();
    if (row.is_ok() && *row) total += statement->column_int(0);
  }
  return total;
}

std::map<std::pair<std::string, std::string>, int> Pipeline::shard_span_counts() const {
  std::map<std::pair<std::string, std::string>, int> counts;
  for (uint32_t p = 0; p < options_.partitions; ++p) {
    auto db = Database::open(indexer::shard_path(dir_.path(), p), true);
    if (!db) continue;
    auto statement = (*db)->prepare("SELECT trace_id, span_id FROM spans");
    if (!statement) continue;  // a shard still being created
    while (true) {
      auto row = statement->step();
      if (!row.is_ok() || !*row) break;
      ++counts[{to_hex(statement->column_text(0)), to_hex(statement->column_text(1))}];
    }
  }
  return counts;
}

Pipeline::IndexTally Pipeline::wait_for_acked(const std::set<std::pair<std::string, std::string>>& acked,
                                              std::chrono::milliseconds timeout) const {
  std::map<std::pair<std::string, std::string>, int> indexed;
  wait_until([&] {
    indexed = shard_span_counts();
    for (const auto& key : acked) {
      if (!indexed.contains(key)) return false;
    }
    return true;
  }, timeout);
  IndexTally tally;
  tally.indexed = indexed.size();
  for (const auto& key : acked) tally.lost += indexed.contains(key) ? 0 : 1;
  for (const auto& [key, copies] : indexed) tally.duplicated += copies > 1 ? 1 : 0;
  return tally;
}

std::string Pipeline::shard_integrity_problems() const {
  std::string problems;
  for (uint32_t p = 0; p < options_.partitions; ++p) {
    const std::string path = indexer::shard_path(dir_.path(), p);
    auto db = Database::open(path, true);
    if (!db) {
      problems += path + ": " + db.status().to_string() + "\n";
      continue;
    }
    auto statement = (*db)->prepare("PRAGMA integrity_check");
    if (!statement) {
      problems += path + ": " + statement.status().to_string() + "\n";
      continue;
    }
    while (true) {
      auto row = statement->step();
      if (!row.is_ok() || !*row) break;
      if (statement->column_text(0) != "ok") problems += path + ": " + statement->column_text(0) + "\n";
    }
  }
  return problems;
}

bool Pipeline::wait_indexed(int64_t spans, std::chrono::milliseconds timeout) const {
  return wait_until([&] {
    try {
      return shard_sum("SELECT count(*) FROM spans") >= spans;
    } catch (const std::exception&) {
      return false;  // a shard still being created
    }
  }, timeout);
}

bool Pipeline::wait_api_complete(std::chrono::milliseconds timeout) const {
  return wait_until([&] {
    HttpResponse services = http_get(api_port_, "/api/v1/services", signed_in());
    nlohmann::json body = nlohmann::json::parse(services.body, nullptr, false);
    return services.status == 200 && !body.is_discarded() && body.value("partial", true) == false;
  }, timeout);
}

Pipeline::~Pipeline() {
  if (api_) api_->stop(std::chrono::seconds(5));
  for (auto& indexer : indexers_) indexer->stop(std::chrono::seconds(5));
  gateway_->stop(std::chrono::seconds(5));
  wal_->stop(std::chrono::seconds(5));
  for (auto& wal : extra_wals_) wal->stop(std::chrono::seconds(5));
  auth_.process().stop(std::chrono::seconds(5));
}

void Pipeline::start_wal() {
  for (size_t i = 0; i < options_.wals; ++i) {
    Process& process = wal(i);
    process.start();
    bool up = wait_until([&] { return run_command({bin_path("spanline-wal"), "ping", "--data-dir", wal_folder(i)}) == 0; });
    if (!up) throw std::runtime_error("WAL " + std::to_string(i + 1) + " did not come up (" + process.describe() + "):\n" + process.log());
  }
}

void Pipeline::start_gateway() {
  start_auth();
  gateway_->start();
  bool up = wait_until([&] { return port_open(grpc_port_) && (!options_.http || port_open(http_port_)); });
  if (!up) throw std::runtime_error("the gateway did not come up (" + gateway_->describe() + "):\n" + gateway_->log());
}

std::vector<WalSpan> Pipeline::wal_spans() const {
  std::vector<WalSpan> spans;
  for (size_t i = 0; i < std::max<uint32_t>(options_.wals, 1); ++i) {
    std::vector<WalSpan> one = wal_spans(i);
    spans.insert(spans.end(), one.begin(), one.end());
  }
  return spans;
}

std::vector<WalSpan> Pipeline::wal_spans(size_t index) const {
  std::string out;
  int rc = run_command({bin_path("spanline-wal"), "dump", "--spans", "--data-dir", wal_folder(index)}, &out);
  if (rc != 0) throw std::runtime_error("spanline-wal dump failed: " + std::to_string(rc));
  std::vector<WalSpan> spans;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    auto json = nlohmann::json::parse(line);
    if (!json.contains("span_id")) continue;
    spans.push_back({json["partition"].get<uint32_t>(), json["sequence"].get<uint64_t>(),
                     json["trace_id"].get<std::string>(), json["span_id"].get<std::string>()});
  }
  return spans;
}

std::string Pipeline::logs() const {
  std::string all = "--- wal ---\n" + wal_->log();
  for (size_t i = 0; i < extra_wals_.size(); ++i) all += "--- wal-" + std::to_string(i + 2) + " ---\n" + extra_wals_[i]->log();
  all += "--- gateway ---\n" + gateway_->log();
  for (size_t i = 0; i < indexers_.size(); ++i) all += "--- indexer-" + std::to_string(i + 1) + " ---\n" + indexers_[i]->log();
  if (api_) all += "--- api ---\n" + api_->log();
  all += "--- auth ---\n" + auth_.process().log();
  return all;
}

}  // namespace spanline::testing
