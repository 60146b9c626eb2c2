#include "stages/indexer/group/snapshot_source.h"

#include <filesystem>
#include <fstream>
#include <algorithm>
#include <system_error>
#include <vector>

#include "base/log.h"
#include "base/sqlite/sqlite_db.h"
#include "stages/indexer/group/local_shards.h"
#include "stages/indexer/shard.h"

namespace spanline::indexer::group {

namespace fs = std::filesystem;
using protocol::query::kMaxSnapshotsServed;
using protocol::query::kSnapshotChunkBytes;
using protocol::query::kSnapshotIdle;
using protocol::query::SnapshotChunk;
using protocol::query::SnapshotRequest;

namespace {

void remove_quietly(const std::string& path) {
  std::error_code ignored;
  fs::remove(path, ignored);
}

}  // namespace

SnapshotSource::SnapshotSource(std::string data_dir, std::function<bool(uint32_t)> served, size_t chunk_bytes, size_t max_making)
    : data_dir_(std::move(data_dir)),
      served_(std::move(served)),
      chunk_bytes_(std::min(chunk_bytes, kSnapshotChunkBytes)),
      max_making_(std::max<size_t>(1, max_making)) {
  // Copies left by an earlier run are nobody's now.
  std::error_code ignored;
  fs::remove_all(snapshots_dir(data_dir_), ignored);
}

SnapshotSource::~SnapshotSource() {
  std::lock_guard lock(mutex_);
  for (auto& [token, copy] : copies_) remove_quietly(copy.path);
}

std::string SnapshotSource::snapshots_dir(const std::string& data_dir) { return (fs::path(data_dir) / "index" / "snapshots").string(); }

Result<SnapshotChunk> SnapshotSource::serve(const SnapshotRequest& request) {
  if (request.token.empty()) return begin(request.partition);
  return chunk(request.token, request.offset);
}

void SnapshotSource::sweep() {
  std::lock_guard lock(mutex_);
  const auto now = SteadyClock::now();
  for (auto it = copies_.begin(); it != copies_.end();) {
    if (now - it->second.last_used < kSnapshotIdle) {
      ++it;
      continue;
    }
    log::info("snapshot copy dropped: idle", {{"partition", it->second.partition}, {"token", it->first}});
    remove_quietly(it->second.path);
    it = copies_.erase(it);
  }
}

Result<SnapshotChunk> SnapshotSource::begin(uint32_t partition) {
  if (!served_(partition)) {
    return Status(Code::failed_precondition, "partition " + std::to_string(partition) + " is not served by this indexer");
  }
  sweep();
  std::string token;
  {
    std::lock_guard lock(mutex_);
    if (copies_.size() + making_ >= kMaxSnapshotsServed) {
      return Status(Code::resource_exhausted, "this indexer already serves " + std::to_string(kMaxSnapshotsServed) +
                                                  " snapshots; ask again later or ask another replica");
    }
    if (making_ >= max_making_) {
      return Status(Code::resource_exhausted, "this indexer is already making " + std::to_string(making_) +
                                                  " snapshot(s) and keeps its other reader threads for queries; ask again later");
    }
    ++making_;
    token = std::to_string(unix_nanos_now()) + "-" + std::to_string(next_token_++);
  }
  const std::string path = (fs::path(snapshots_dir(data_dir_)) / ("part-" + std::to_string(partition) + "-" + token + ".sqlite")).string();
  auto made = [&]() -> Result<uint64_t> {
    std::error_code error;
    fs::create_directories(snapshots_dir(data_dir_), error);
    if (error) return Status(Code::internal, "cannot create " + snapshots_dir(data_dir_) + ": " + error.message());
    auto db = Database::open(shard_path(data_dir_, partition), true);
    if (!db) return db.status();
    auto vacuum = (*db)->prepare("VACUUM INTO ?");
    if (!vacuum) return vacuum.status();
    vacuum->bind_text(1, path);
    if (Status s = vacuum->run(); !s.is_ok()) return Status(s.code(), "VACUUM INTO " + path + ": " + s.message());
    return read_cursor(path, partition);  // the copy's own cursor row: it agrees with the copied spans
  }();
  std::error_code error;
  const uint64_t size = made ? fs::file_size(path, error) : 0;
  {
    std::lock_guard lock(mutex_);
    --making_;
    if (made && !error) copies_[token] = Copy{partition, path, *made, size, SteadyClock::now()};
  }
  if (!made || error) {
    remove_quietly(path);
    if (!made) return made.status();
    return Status(Code::internal, "cannot stat " + path + ": " + error.message());
  }
  log::info("snapshot copy made", {{"partition", partition}, {"token", token}, {"bytes", size}, {"cursor", *made}});
  return chunk(token, 0);
}

Result<SnapshotChunk> SnapshotSource::chunk(const std::string& token, uint64_t offset) {
  Copy copy;
  {
    std::lock_guard lock(mutex_);
    auto found = copies_.find(token);
    if (found == copies_.end()) {
      return Status(Code::not_found, "no snapshot copy " + token + " (finished, or idle for " +
                                         std::to_string(kSnapshotIdle.count()) + " s): start again");
    }
    found->second.last_used = SteadyClock::now();
    copy = found->second;
  }
  if (offset > copy.size) {
    return Status(Code::invalid_argument, "offset " + std::to_string(offset) + " is past the copy's " + std::to_string(copy.size) + " bytes");
  }
  SnapshotChunk answer{.partition = copy.partition, .token = token, .cursor = copy.cursor, .total_bytes = copy.size, .offset = offset};
  answer.data.resize(std::min<uint64_t>(chunk_bytes_, copy.size - offset));
  std::ifstream in(copy.path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(answer.data.data(), static_cast<std::streamsize>(answer.data.size()));
  if (!in) return Status(Code::internal, "cannot read " + copy.path + " at " + std::to_string(offset));
  answer.last = offset + answer.data.size() == copy.size;
  if (answer.last) {
    std::lock_guard lock(mutex_);
    copies_.erase(token);
    remove_quietly(copy.path);
  }
  return answer;
}

}  // namespace spanline::indexer::group
