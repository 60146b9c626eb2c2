#include "stages/wal/log_store.h"

#include <sys/statvfs.h>

#include <filesystem>
#include <random>

#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/write_batch.h>

#include "base/hex.h"

namespace spanline::wal {
namespace {

Status from_rocksdb(const rocksdb::Status& status, std::string_view what) {
  if (status.ok()) return Status::ok();
  std::string message = std::string(what) + ": " + status.ToString();
  if (status.IsNoSpace()) return Status(Code::resource_exhausted, "WAL disk is full: " + message);
  if (status.IsIOError()) return Status(Code::unavailable, message);
  return Status(Code::internal, message);
}

}  // namespace

Result<std::unique_ptr<LogStore>> LogStore::open(const std::string& path, bool read_only) {
  rocksdb::Options options;
  options.create_if_missing = !read_only;
  options.IncreaseParallelism(2);
  // Entries are written once, read a few times in order, then deleted in ranges.
  options.write_buffer_size = 64 << 20;
  options.max_total_wal_size = 512 << 20;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status status;
  if (read_only) {
    status = rocksdb::DB::OpenForReadOnly(options, path, &raw);
  } else {
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec) return Status(Code::internal, "cannot create WAL folder " + path + ": " + ec.message());
    status = rocksdb::DB::Open(options, path, &raw);
  }
  if (!status.ok()) return from_rocksdb(status, "opening the WAL at " + path);
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string identity;
  rocksdb::Status got = db->Get(rocksdb::ReadOptions(), encode_meta_key(kLogIdentityName), &identity);
  if (got.IsNotFound() && !read_only) {
    // Made once, when the log is (or, for a log from before identities, first meets this code).
    std::random_device random;
    std::string bytes;
    for (int i = 0; i < 4; ++i) put_u32_be(bytes, random());
    identity = to_hex(bytes);
    rocksdb::WriteOptions synced;
    synced.sync = true;
    got = db->Put(synced, encode_meta_key(kLogIdentityName), identity);
  } else if (got.IsNotFound()) {
    got = rocksdb::Status::OK();
  }
  if (!got.ok()) return from_rocksdb(got, "reading the WAL's identity at " + path);
  auto ranges = recover_ranges(*db);
  auto store = std::unique_ptr<LogStore>(new LogStore(std::move(db), std::move(ranges), path));
  store->identity_ = std::move(identity);
  return store;
}

LogStore::LogStore(std::unique_ptr<rocksdb::DB> db, std::map<uint32_t, PartitionRange> ranges, std::string path)
    : db_(std::move(db)), path_(std::move(path)), ranges_(std::move(ranges)) {}

LogStore::~LogStore() {
  if (db_) (void)db_->Close();
}

std::map<uint32_t, PartitionRange> LogStore::recover_ranges(rocksdb::DB& db) {
  std::map<uint32_t, PartitionRange> ranges;
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions()));
  it->Seek(std::string(1, kEntryPrefix));
  while (it->Valid()) {
    auto first = decode_entry_key(it->key().ToStringView());
    if (!first) break;
    it->SeekForPrev(encode_entry_key({first->partition, UINT64_MAX}));
    auto last = decode_entry_key(it->key().ToStringView());
    ranges[first->partition] = {first->sequence, last ? last->sequence : first->sequence};
    if (first->partition == UINT32_MAX) break;
    it->Seek(encode_entry_key({first->partition + 1, 0}));
  }
  // A partition retention emptied has no entry left to count from: its floor says where it was.
  for (it->Seek(std::string(1, kDeletedFloorPrefix)); it->Valid(); it->Next()) {
    auto partition = decode_deleted_floor_key(it->key().ToStringView());
    auto floor = decode_u64_be(it->value().ToStringView());
    if (!partition || !floor) break;
    auto found = ranges.find(*partition);
    if (found == ranges.end()) {
      ranges[*partition] = {*floor + 1, *floor};  // first past head: empty, and the next append is floor + 1
    } else {
      found->second.first = std::max(found->second.first, *floor + 1);
      found->second.head = std::max(found->second.head, *floor);
    }
  }
  return ranges;
}

Status LogStore::append(std::vector<AppendRecord>& records) {
  if (min_free_bytes_ > 0) {
    uint64_t bytes = 0;
    for (const AppendRecord& record : records) bytes += record.payload.size();
    struct statvfs fs {};
    if (statvfs(path_.c_str(), &fs) == 0) {
      const uint64_t free_bytes = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
      if (free_bytes < min_free_bytes_ + bytes) {
        return Status(Code::resource_exhausted, "WAL disk is full: " + std::to_string(free_bytes >> 20) + " MiB free at " + path_ +
                                                    ", and the WAL keeps " + std::to_string(min_free_bytes_ >> 20) +
                                                    " MiB free (--wal-min-free-bytes)");
      }
    }
  }
  std::map<uint32_t, uint64_t> next;
  {
    std::lock_guard lock(ranges_mutex_);
    for (const AppendRecord& record : records) {
      if (!next.contains(record.partition)) next[record.partition] = ranges_[record.partition].head + 1;
    }
  }
  rocksdb::WriteBatch batch;
  for (AppendRecord& record : records) {
    record.sequence = next[record.partition]++;
    std::string key = encode_entry_key({record.partition, record.sequence});
    std::string head = encode_entry_value_header(record.meta);
    rocksdb::Slice value_parts[2] = {rocksdb::Slice(head), rocksdb::Slice(record.payload.data(), record.payload.size())};
    rocksdb::Slice key_part(key);
    rocksdb::Status put = batch.Put(rocksdb::SliceParts(&key_part, 1), rocksdb::SliceParts(value_parts, 2));
    if (!put.ok()) return from_rocksdb(put, "building a WAL batch");
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = true;
  Status written = write_guarded([&] { return db_->Write(write_options, &batch); }, "writing to the WAL");
  if (!written.is_ok()) return written;
  std::lock_guard lock(ranges_mutex_);
  for (const auto& [partition, after_last] : next) {
    PartitionRange& range = ranges_[partition];
    if (range.first == 0) range.first = range.head + 1;
    range.head = after_last - 1;
  }
  return Status::ok();
}

Result<std::vector<StoredEntry>> LogStore::read(uint32_t partition, uint64_t after, const ReadLimits& limits) const {
  std::vector<StoredEntry> entries;
  if (after == UINT64_MAX || after >= limits.up_to) return entries;
  rocksdb::ReadOptions read_options;
  std::string upper = encode_entry_key({partition, limits.up_to == UINT64_MAX ? UINT64_MAX : limits.up_to + 1});
  rocksdb::Slice upper_slice(upper);
  read_options.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options));
  size_t bytes = 0;
  for (it->Seek(encode_entry_key({partition, after + 1})); it->Valid(); it->Next()) {
    auto key = decode_entry_key(it->key().ToStringView());
    if (!key || key->partition != partition) break;
    std::string_view value = it->value().ToStringView();
    auto meta = decode_entry_value_header(value);
    if (!meta) return Status(Code::internal, "WAL entry " + std::to_string(key->sequence) + " of partition " + std::to_string(partition) + " is corrupt");
    size_t size = value.size() - kEntryValueHeaderSize;
    if (!entries.empty() && (bytes + size > limits.max_bytes || entries.size() >= limits.max_entries)) break;
    entries.push_back({key->sequence, *meta, std::string(value.substr(kEntryValueHeaderSize))});
    bytes += size;
  }
  if (!it->status().ok()) return from_rocksdb(it->status(), "reading the WAL");
  return entries;
}

PartitionRange LogStore::range(uint32_t partition) const {
  std::lock_guard lock(ranges_mutex_);
  auto it = ranges_.find(partition);
  return it == ranges_.end() ? PartitionRange{} : it->second;
}

std::map<uint32_t, PartitionRange> LogStore::ranges() const {
  std::lock_guard lock(ranges_mutex_);
  return ranges_;
}

Status LogStore::save_cursor(uint32_t partition, std::string_view consumer, uint64_t committed) {
  std::string value;
  put_u64_be(value, committed);
  return write_guarded([&] { return db_->Put(rocksdb::WriteOptions(), encode_cursor_key(partition, consumer), value); },
                       "saving a cursor");
}

std::map<std::pair<uint32_t, std::string>, uint64_t> LogStore::load_cursors() const {
  std::map<std::pair<uint32_t, std::string>, uint64_t> cursors;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(std::string(1, kCursorPrefix)); it->Valid(); it->Next()) {
    auto key = decode_cursor_key(it->key().ToStringView());
    if (!key || it->value().size() != 8) break;
    cursors[{key->partition, key->consumer}] = get_u64_be(it->value().data());
  }
  return cursors;
}

Status LogStore::delete_through(uint32_t partition, uint64_t last_inclusive) {
  PartitionRange current = range(partition);
  if (current.first == 0 || last_inclusive < current.first) return Status::ok();
  last_inclusive = std::min(last_inclusive, current.head);
  // The floor goes in the same batch: a restart after the last entry went still knows the head.
  rocksdb::WriteBatch batch;
  rocksdb::Status staged = batch.DeleteRange(db_->DefaultColumnFamily(), encode_entry_key({partition, current.first}),
                                             encode_entry_key({partition, last_inclusive + 1}));
  if (staged.ok()) staged = batch.Put(encode_deleted_floor_key(partition), encode_u64_be(last_inclusive));
  if (!staged.ok()) return from_rocksdb(staged, "building a WAL deletion");
  Status deleted = write_guarded([&] { return db_->Write(rocksdb::WriteOptions(), &batch); }, "deleting old WAL entries");
  if (!deleted.is_ok()) return deleted;
  std::lock_guard lock(ranges_mutex_);
  PartitionRange& range = ranges_[partition];
  range.first = last_inclusive + 1;  // past head means empty; the next append lands there
  return Status::ok();
}

Status LogStore::scan_meta(uint32_t partition, uint64_t after, uint64_t up_to,
                           const std::function<bool(uint64_t, const EntryMeta&)>& keep_going) const {
  rocksdb::ReadOptions read_options;
  std::string upper = encode_entry_key({partition, up_to == UINT64_MAX ? UINT64_MAX : up_to + 1});
  rocksdb::Slice upper_slice(upper);
  read_options.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options));
  for (it->Seek(encode_entry_key({partition, after + 1})); it->Valid(); it->Next()) {
    auto key = decode_entry_key(it->key().ToStringView());
    auto meta = decode_entry_value_header(it->value().ToStringView());
    if (!key || !meta || key->partition != partition) break;
    if (!keep_going(key->sequence, *meta)) break;
  }
  return from_rocksdb(it->status(), "scanning the WAL");
}

Result<std::optional<uint32_t>> LogStore::stored_partition_count() const {
  std::string value;
  rocksdb::Status got = db_->Get(rocksdb::ReadOptions(), encode_meta_key(kPartitionCountName), &value);
  if (got.IsNotFound()) return std::optional<uint32_t>();
  if (!got.ok()) return from_rocksdb(got, "reading the WAL's partition count");
  if (value.size() != 4) return Status(Code::internal, "the WAL's stored partition count is corrupt (" + std::to_string(value.size()) + " bytes)");
  return std::optional<uint32_t>(get_u32_be(value.data()));
}

Status LogStore::store_partition_count(uint32_t count) {
  std::string value;
  put_u32_be(value, count);
  rocksdb::WriteOptions options;
  options.sync = true;
  return write_guarded([&] { return db_->Put(options, encode_meta_key(kPartitionCountName), value); },
                       "storing the WAL's partition count");
}

uint64_t LogStore::disk_bytes() const {
  uint64_t sst = 0, wal_files = 0;
  db_->GetIntProperty("rocksdb.live-sst-files-size", &sst);
  rocksdb::VectorLogPtr files;
  if (db_->GetSortedWalFiles(files).ok()) {
    for (const auto& file : files) wal_files += file->SizeFileBytes();
  }
  return sst + wal_files;
}

Status LogStore::reclaim_space() {
  if (Status flushed = write_guarded([&] { return db_->Flush(rocksdb::FlushOptions()); }, "flushing the WAL"); !flushed.is_ok())
    return flushed;
  rocksdb::CompactRangeOptions options;
  options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  return write_guarded([&] { return db_->CompactRange(options, nullptr, nullptr); }, "compacting the WAL");
}

Status LogStore::write_guarded(const std::function<rocksdb::Status()>& write, std::string_view what) {
  std::lock_guard lock(write_mutex_);
  if (broken_) return *broken_;
  rocksdb::Status status = write();
  Status result = from_rocksdb(status, what);
  if (status.IsNoSpace() || status.IsIOError()) {
    broken_ = Status(result.code(), result.message() + "; the WAL restarts to recover");
  }
  return result;
}

bool LogStore::broken() const {
  std::lock_guard lock(write_mutex_);
  return broken_.has_value();
}

Status LogStore::verify() const {
  return from_rocksdb(db_->VerifyChecksum(), "verifying WAL checksums");
}

}  // namespace spanline::wal
