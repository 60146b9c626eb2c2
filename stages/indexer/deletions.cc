#include "stages/indexer/deletions.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "stages/indexer/shard.h"

namespace spanline::indexer {

std::string Deletions::path(const std::string& data_dir) { return data_dir + "/index/deletions.jsonl"; }

Status Deletions::record(const std::string& data_dir, const Deletion& deletion) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir + "/index", ec);
  std::ofstream out(path(data_dir), std::ios::app);
  if (!out) return Status(Code::unavailable, "cannot write " + path(data_dir));
  out << nlohmann::json{{"service", deletion.service}, {"before_ns", deletion.before_ns}}.dump() << '\n';
  out.flush();
  if (!out) return Status(Code::unavailable, "cannot write " + path(data_dir));
  return Status::ok();
}

Result<uint64_t> delete_now(const std::string& data_dir, const std::vector<uint32_t>& partitions, const Deletion& deletion) {
  if (Status recorded = Deletions::record(data_dir, deletion); !recorded.is_ok()) return recorded;
  uint64_t traces = 0;
  for (uint32_t p : partitions) {
    std::string path = shard_path(data_dir, p);
    if (!std::filesystem::exists(path)) continue;
    auto shard = Shard::open(path, p);
    if (!shard) return Status(shard.status().code(), "partition " + std::to_string(p) + ": " + shard.status().message());
    auto deleted = (*shard)->delete_service(deletion.service, deletion.before_ns);
    if (!deleted) return Status(deleted.status().code(), "partition " + std::to_string(p) + ": " + deleted.status().message());
    traces += *deleted;
  }
  return traces;
}

void Deletions::refresh() {
  std::error_code ec;
  auto modified = std::filesystem::last_write_time(path_, ec);
  if (ec || modified == seen_) return;
  seen_ = modified;
  entries_.clear();
  std::ifstream in(path_);
  std::string line;
  while (std::getline(in, line)) {
    auto parsed = nlohmann::json::parse(line, nullptr, false);
    if (parsed.is_discarded() || !parsed.contains("service")) {
      log::warn("ignoring a malformed line in the deletions list", {{"path", path_}});
      continue;
    }
    entries_.push_back({parsed["service"].get<std::string>(), parsed.value("before_ns", INT64_MAX)});
  }
}

bool Deletions::deleted(const std::string& service, int64_t start_ns) const {
  for (const Deletion& deletion : entries_) {
    if (deletion.service == service && start_ns < deletion.before_ns) return true;
  }
  return false;
}

}  // namespace spanline::indexer
