#include "stages/indexer/group/local_shards.h"

#include <charconv>
#include <filesystem>
#include <system_error>

#include "base/sqlite/sqlite_db.h"
#include "stages/indexer/shard.h"

namespace spanline::indexer::group {

Result<uint64_t> read_cursor(const std::string& path, uint32_t partition) {
  auto db = Database::open(path, true);
  if (!db) return db.status();
  auto row = (*db)->prepare("SELECT sequence FROM cursor WHERE partition = ?");
  if (!row) return row.status();
  row->bind(1, static_cast<int64_t>(partition));
  auto found = row->step();
  if (!found) return found.status();
  return *found ? static_cast<uint64_t>(row->column_int(0)) : 0;
}

std::string read_wal_log(const std::string& path) {
  auto db = Database::open(path, true);
  if (!db) return "";
  auto row = (*db)->prepare("SELECT value FROM meta WHERE key = 'wal_log'");
  if (!row) return "";
  auto found = row->step();
  return found.is_ok() && *found ? row->column_text(0) : "";
}

std::map<uint32_t, wal::HeldShard> local_shards(const std::string& data_dir) {
  namespace fs = std::filesystem;
  std::map<uint32_t, wal::HeldShard> shards;
  const fs::path folder = fs::path(shard_path(data_dir, 0)).parent_path();
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    const std::string name = entry.path().filename().string();
    static constexpr std::string_view kPrefix = "part-", kSuffix = ".sqlite";
    if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) continue;
    const std::string_view digits = std::string_view(name).substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
    uint32_t partition = 0;
    auto [end, parsed] = std::from_chars(digits.data(), digits.data() + digits.size(), partition);
    if (parsed != std::errc() || end != digits.data() + digits.size()) continue;
    if (entry.path().string() != shard_path(data_dir, partition)) continue;
    if (auto cursor = read_cursor(entry.path().string(), partition)) {
      shards[partition] = {.partition = partition, .committed = *cursor, .log = read_wal_log(entry.path().string())};
    }
  }
  return shards;
}

}  // namespace spanline::indexer::group
