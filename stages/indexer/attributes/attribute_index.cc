#include "stages/indexer/attributes/attribute_index.h"

#include <xxhash.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <random>

#include "base/log.h"
#include "stages/indexer/span_deletion.h"
#include "stages/indexer/span_decoder.h"

namespace spanline::indexer::attributes {
namespace {

// The key of the shard's hash seed in `meta`: written once, when the shard is
// created or first opened by a writer of schema 9; never changed after (the
// postings hold hashes made with it). `spanline reindex` makes a new shard, so
// a new seed.
constexpr std::string_view kSeedKey = "attribute_hash_seed";
// How far the migration of `span_attributes` got (the last span rowid done),
// in `meta` while it runs, so an interrupted one resumes there.
constexpr std::string_view kMigratedThroughKey = "attribute_postings_migrated_through";
constexpr int kSchemaVersion = 9;

// Span rowids per migration transaction: 16 buckets, ~500k rows of the
// typical span, a few seconds each.
constexpr int64_t kMigrationChunkSpans = int64_t{1} << (kBucketShift + 4);

// The dictionary cache is dropped whole past this many keys (reloaded key by
// key as they come again), so a client sending endless distinct keys costs
// disk rows, not the indexer's memory.
constexpr size_t kMaxCachedKeys = 65'536;

constexpr std::string_view kTables = R"sql(
CREATE TABLE IF NOT EXISTS attribute_keys(
  key_id INTEGER PRIMARY KEY, key TEXT NOT NULL, on_event INTEGER NOT NULL, UNIQUE(key, on_event));
CREATE TABLE IF NOT EXISTS attribute_values(
  bucket INTEGER NOT NULL, key_id INTEGER NOT NULL, value_hash INTEGER NOT NULL, span_rowid INTEGER NOT NULL,
  PRIMARY KEY(bucket, key_id, value_hash, span_rowid)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS attribute_numbers(
  bucket INTEGER NOT NULL, key_id INTEGER NOT NULL, number REAL NOT NULL, span_rowid INTEGER NOT NULL,
  PRIMARY KEY(bucket, key_id, number, span_rowid)) WITHOUT ROWID;
)sql";

int64_t bucket_of(int64_t span_rowid) { return span_rowid >> kBucketShift; }

// "(?,?,?,?),(?,?,?,?),..." for `rows` rows of a posting.
std::string rows_sql(int rows) {
  std::string sql;
  for (int row = 0; row < rows; ++row) sql += row == 0 ? "(?,?,?,?)" : ",(?,?,?,?)";
  return sql;
}

bool is_number(ValueType type) { return type == ValueType::integer || type == ValueType::floating || type == ValueType::boolean; }

Result<std::optional<std::string>> meta_value(Database& db, std::string_view key) {
  auto statement = db.prepare("SELECT value FROM meta WHERE key = ?");
  if (!statement) return statement.status();
  statement->bind_text(1, key);
  auto row = statement->step();
  if (!row) return row.status();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(statement->column_text(0));
}

// A number kept in `meta` as decimal text; internal when it is not one (a damaged shard).
template <typename Number>
Result<Number> parse_meta_number(std::string_view key, const std::string& text) {
  Number value{};
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return Status(Code::internal, "meta " + std::string(key) + " is not a number: " + text);
  }
  return value;
}

Status set_meta_value(Database& db, std::string_view key, std::string_view value) {
  auto statement = db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)");
  if (!statement) return statement.status();
  return statement->bind_text(1, key).bind_text(2, value).run();
}

// Writes a random seed unless the shard has one. std::random_device reads the
// kernel's random source: the seed must not be guessable from outside.
Status ensure_seed(Database& db) {
  auto seed = meta_value(db, kSeedKey);
  if (!seed) return seed.status();
  if (*seed) return Status::ok();
  std::random_device random;
  const uint64_t value = (static_cast<uint64_t>(random()) << 32) ^ static_cast<uint64_t>(random());
  return set_meta_value(db, kSeedKey, std::to_string(value));
}

Result<bool> has_table(Database& db, std::string_view table) {
  auto statement = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?");
  if (!statement) return statement.status();
  statement->bind_text(1, table);
  auto row = statement->step();
  if (!row) return row.status();
  return *row && statement->column_int(0) > 0;
}

// Every bucket from the table's first to its last, one index probe each for
// `condition` (on `p`, the postings table): the bucket is the first column of
// the key, so without it a search would scan the whole table.
std::string postings_sql(std::string_view table, std::string_view key_condition, std::string_view value_condition) {
  const std::string t(table);
  return "WITH RECURSIVE b(bucket) AS (SELECT (SELECT min(bucket) FROM " + t + ") UNION ALL "
         "SELECT bucket + 1 FROM b WHERE bucket < (SELECT max(bucket) FROM " + t + ")) "
         "SELECT p.span_rowid FROM b CROSS JOIN " + t + " p WHERE p.bucket = b.bucket AND "
         "p.key_id IN (SELECT k.key_id FROM attribute_keys k WHERE " + std::string(key_condition) + ") AND " +
         std::string(value_condition);
}

}  // namespace

Result<ValueHash> ValueHash::of_shard(Database& db) {
  auto seed = meta_value(db, kSeedKey);
  if (!seed) return seed.status();
  if (!*seed) return Status(Code::failed_precondition, "the shard has no attribute hash seed: open it with the indexer first");
  auto value = parse_meta_number<uint64_t>(kSeedKey, **seed);
  if (!value) return value.status();
  return ValueHash(*value);
}

int64_t ValueHash::operator()(std::string_view text) const {
  // SQLite integers are signed: the 64 bits are kept as they are.
  return static_cast<int64_t>(XXH3_64bits_withSeed(text.data(), text.size(), seed_));
}

Status AttributeIndex::create(Database& db) {
  if (Status s = db.exec(kTables); !s.is_ok()) return s;
  if (Status s = ensure_seed(db); !s.is_ok()) return s;
  auto old = has_table(db, "span_attributes");
  if (!old) return old.status();
  if (!*old) return Status::ok();
  AttributeIndex index;
  if (Status s = index.prepare(db); !s.is_ok()) return s;
  return index.migrate_rows(db);
}

Status AttributeIndex::prepare(Database& db) {
  db_ = &db;
  auto hash = ValueHash::of_shard(db);
  if (!hash) return hash.status();
  hash_ = *hash;
  struct Entry {
    Statement* target;
    std::string sql;
  };
  // OR IGNORE: two values of one span with the same key and text are one posting.
  const std::string values = "INSERT OR IGNORE INTO attribute_values(bucket, key_id, value_hash, span_rowid) VALUES";
  const std::string numbers = "INSERT OR IGNORE INTO attribute_numbers(bucket, key_id, number, span_rowid) VALUES";
  const std::string many_rows = rows_sql(kRowsPerInsert);
  const Entry entries[] = {
      {&insert_key_, "INSERT INTO attribute_keys(key, on_event) VALUES(?, ?)"},
      {&insert_values_.one, values + rows_sql(1)},
      {&insert_values_.many, values + many_rows},
      {&insert_numbers_.one, numbers + rows_sql(1)},
      {&insert_numbers_.many, numbers + many_rows},
  };
  for (const Entry& entry : entries) {
    auto statement = db.prepare(entry.sql);
    if (!statement) return statement.status();
    *entry.target = std::move(statement.value());
  }
  return Status::ok();
}

Result<int64_t> AttributeIndex::key_id(const std::string& key, bool on_event) {
  auto& ids = key_ids_[on_event ? 1 : 0];
  if (auto found = ids.find(key); found != ids.end()) return found->second;
  if (ids.size() >= kMaxCachedKeys) ids.clear();
  auto find = db_->prepare("SELECT key_id FROM attribute_keys WHERE key = ? AND on_event = ?");
  if (!find) return find.status();
  find->bind_text(1, key).bind(2, on_event ? 1 : 0);
  auto row = find->step();
  if (!row) return row.status();
  int64_t id = 0;
  if (*row) {
    id = find->column_int(0);
  } else {
    if (Status s = insert_key_.bind_text(1, key).bind(2, on_event ? 1 : 0).run(); !s.is_ok()) return s;
    id = db_->last_insert_rowid();
    added_keys_.emplace_back(on_event, key);
  }
  ids.emplace(key, id);
  return id;
}

void AttributeIndex::transaction_committed() {
  added_keys_.clear();
  values_.clear();  // empty already when the caller flushed before its COMMIT, as it must
  numbers_.clear();
}

void AttributeIndex::transaction_rolled_back() {
  for (const auto& [on_event, key] : added_keys_) key_ids_[on_event ? 1 : 0].erase(key);
  added_keys_.clear();
  values_.clear();
  numbers_.clear();
}

Status AttributeIndex::add(int64_t span_rowid, const std::string& key, bool on_event, std::string_view text, const double* number) {
  auto id = key_id(key, on_event);
  if (!id) return id.status();
  const int64_t bucket = bucket_of(span_rowid);
  values_.push_back({bucket, *id, hash_(text), span_rowid});
  if (number != nullptr) numbers_.push_back({bucket, *id, *number, span_rowid});
  return values_.size() + numbers_.size() >= kFlushAtPostings ? flush() : Status::ok();
}

// Sorted, a batch's postings go into the b-tree in key order: each insert
// lands on the leaf the last one left (cached), not a leaf sought afresh.
template <typename Value>
Status AttributeIndex::insert_sorted(std::vector<Posting<Value>>& postings, Inserts& inserts) {
  std::sort(postings.begin(), postings.end());
  size_t next = 0;
  for (; next + kRowsPerInsert <= postings.size(); next += kRowsPerInsert) {
    for (int row = 0; row < kRowsPerInsert; ++row) {
      const Posting<Value>& p = postings[next + row];
      inserts.many.bind(4 * row + 1, p.bucket).bind(4 * row + 2, p.key_id).bind(4 * row + 3, p.value).bind(4 * row + 4, p.span_rowid);
    }
    if (Status s = inserts.many.run(); !s.is_ok()) return s;
  }
  for (; next < postings.size(); ++next) {
    const Posting<Value>& p = postings[next];
    if (Status s = inserts.one.bind(1, p.bucket).bind(2, p.key_id).bind(3, p.value).bind(4, p.span_rowid).run(); !s.is_ok()) return s;
  }
  postings.clear();
  return Status::ok();
}

Status AttributeIndex::flush() {
  if (Status s = insert_sorted(values_, insert_values_); !s.is_ok()) return s;
  return insert_sorted(numbers_, insert_numbers_);
}

Result<uint64_t> AttributeIndex::write(int64_t span_rowid, const SpanRecord& span) {
  const size_t max_value = max_indexed_value_bytes();
  uint64_t written = 0;
  for (const AttributeRow& row : span.attributes) {
    if (row.text.size() > max_value) continue;
    // NaN is no number (SQLite would store NULL): `key>n` never matches it; infinities are numbers.
    const bool numeric = is_number(row.type) && !std::isnan(row.number);
    if (Status s = add(span_rowid, row.key, row.on_event, row.text, numeric ? &row.number : nullptr); !s.is_ok()) return s;
    ++written;
  }
  return written;
}

Status AttributeIndex::migrate_rows(Database& db) {
  auto last = db.prepare("SELECT coalesce(max(span_rowid), 0) FROM span_attributes");
  if (!last) return last.status();
  if (auto row = last->step(); !row) return row.status();
  const int64_t last_rowid = last->column_int(0);
  last = Statement();
  auto through = meta_value(db, kMigratedThroughKey);
  if (!through) return through.status();
  int64_t done = std::numeric_limits<int64_t>::min();
  if (*through) {
    auto value = parse_meta_number<int64_t>(kMigratedThroughKey, **through);
    if (!value) return value.status();
    done = *value;
  }
  // Both layouts that held rows find them by span rowid: version 3 is keyed by
  // it, version 2 had an index on it.
  auto next = db.prepare("SELECT min(span_rowid) FROM span_attributes WHERE span_rowid > ?");
  auto rows = db.prepare("SELECT span_rowid, key, text, number, on_event FROM span_attributes WHERE span_rowid >= ? AND span_rowid < ?");
  if (!next) return next.status();
  if (!rows) return rows.status();
  const size_t max_value = max_indexed_value_bytes();
  uint64_t postings = 0;
  log::info("attribute postings: migrating the attribute rows", {{"through_span_rowid", last_rowid}});
  for (;;) {
    next->bind(1, done);
    auto found = next->step();
    if (!found) return found.status();
    const bool more = *found && !next->column_is_null(0);
    const int64_t from = more ? next->column_int(0) : 0;
    next->reset();
    if (!more) break;
    const int64_t to = from + kMigrationChunkSpans;
    if (Status s = db.exec("BEGIN IMMEDIATE"); !s.is_ok()) return s;
    auto fail = [&](Status status) {
      rows->reset();
      (void)db.exec("ROLLBACK");
      transaction_rolled_back();
      return status;
    };
    rows->bind(1, from).bind(2, to);
    for (;;) {
      auto row = rows->step();
      if (!row) return fail(row.status());
      if (!*row) break;
      const std::string text = rows->column_text(2);
      if (text.size() > max_value) continue;
      const double number = rows->column_double(3);
      const bool numeric = !rows->column_is_null(3);
      if (Status s = add(rows->column_int(0), rows->column_text(1), rows->column_int(4) != 0, text, numeric ? &number : nullptr);
          !s.is_ok()) {
        return fail(s);
      }
      ++postings;
    }
    rows->reset();
    if (Status s = flush(); !s.is_ok()) return fail(s);
    if (Status s = set_meta_value(db, kMigratedThroughKey, std::to_string(to - 1)); !s.is_ok()) return fail(s);
    if (Status s = db.exec("COMMIT"); !s.is_ok()) return fail(s);
    transaction_committed();
    done = to - 1;
    log::info("attribute postings: migrated", {{"through_span_rowid", std::min(done, last_rowid)}, {"of", last_rowid}, {"values", postings}});
  }
  next = Statement();  // a live statement on the table would keep it from being dropped
  rows = Statement();
  if (Status s = db.exec("BEGIN IMMEDIATE"); !s.is_ok()) return s;
  if (Status s = db.exec("DROP TABLE span_attributes; DELETE FROM meta WHERE key = '" + std::string(kMigratedThroughKey) +
                         "'; UPDATE meta SET value = '" + std::to_string(kSchemaVersion) +
                         "' WHERE key = 'schema_version' AND CAST(value AS INTEGER) < " + std::to_string(kSchemaVersion));
      !s.is_ok()) {
    (void)db.exec("ROLLBACK");
    return s;
  }
  if (Status s = db.exec("COMMIT"); !s.is_ok()) return s;
  log::info("attribute postings: the attribute rows are postings now", {{"values", postings}});
  return Status::ok();
}

Status AttributeIndex::delete_spans(Database& db, const std::string& span_condition, const std::vector<std::string>& trace_ids) {
  std::map<int64_t, std::string> rowids_by_bucket;  // as JSON arrays, for json_each
  Status found = for_each_span_to_delete(db, "rowid", span_condition, trace_ids, [&](const Statement& row) {
    const int64_t rowid = row.column_int(0);
    std::string& list = rowids_by_bucket[bucket_of(rowid)];
    list += list.empty() ? '[' : ',';
    list += std::to_string(rowid);
    return Status::ok();
  });
  if (!found.is_ok()) return found;
  // No index on span_rowid (it would be a random write per value again): a
  // bucket's postings are scanned, a few hundred pages, once per bucket.
  for (std::string_view table : {"attribute_values", "attribute_numbers"}) {
    auto remove = db.prepare("DELETE FROM " + std::string(table) +
                             " WHERE bucket = ? AND span_rowid IN (SELECT value FROM json_each(?))");
    if (!remove) return remove.status();
    for (const auto& [bucket, list] : rowids_by_bucket) {
      if (Status s = remove->bind(1, bucket).bind_text(2, list + "]").run(); !s.is_ok()) return s;
    }
  }
  return Status::ok();
}

std::string spans_with_value_sql(std::string_view key_condition) {
  return postings_sql("attribute_values", key_condition, "p.value_hash = ?");
}

namespace {

using Op = protocol::query::AttributeFilter::Op;

std::string number_condition(Op op) { return "p.number " + std::string(protocol::query::name_of(op)) + " ?"; }

// The postings of the filter's key and value, over every bucket (parameters: key, value).
std::string matching_postings_sql(Op op) {
  return op == Op::equal ? spans_with_value_sql("k.key = ?") : postings_sql("attribute_numbers", "k.key = ?", number_condition(op));
}

}  // namespace

std::string trace_condition_sql(Op op, Strategy strategy) {
  if (strategy == Strategy::list_traces) {
    // CROSS JOIN keeps the postings the outer loop: spans are read by rowid.
    return "t.trace_id IN (SELECT s.trace_id FROM (" + matching_postings_sql(op) + ") m CROSS JOIN spans s ON s.rowid = m.span_rowid)";
  }
  // The trace's spans by its unique (trace_id, span_id) index, then each
  // span's posting in its own bucket: a point probe for a value; for a number,
  // the key's postings in the range within that bucket (no index puts the span
  // before the number).
  const bool equal = op == Op::equal;
  return "EXISTS (SELECT 1 FROM spans s CROSS JOIN " + std::string(equal ? "attribute_values" : "attribute_numbers") +
         " p WHERE s.trace_id = t.trace_id AND p.bucket = s.rowid >> " + std::to_string(kBucketShift) +
         " AND p.key_id IN (SELECT k.key_id FROM attribute_keys k WHERE k.key = ?) AND " +
         (equal ? std::string("p.value_hash = ?") : number_condition(op)) + " AND p.span_rowid = s.rowid)";
}

namespace {

query::Filter::Value value_of(const protocol::query::AttributeFilter& attribute, const ValueHash& hash) {
  return attribute.op == Op::equal ? query::Filter::Value(hash(attribute.text)) : query::Filter::Value(attribute.number);
}

}  // namespace

Result<Strategy> strategy_for(Database& db, const protocol::query::AttributeFilter& attribute, const ValueHash& hash,
                              int64_t list_at_most) {
  auto common = query::selects_more_than(db, matching_postings_sql(attribute.op), {attribute.key, value_of(attribute, hash)}, list_at_most);
  if (!common) return common.status();
  return *common ? Strategy::probe_each_trace : Strategy::list_traces;
}

Status add_trace_filter(query::Filter& filter, const protocol::query::AttributeFilter& attribute, const ValueHash& hash, Database& db,
                        int64_t list_at_most) {
  auto strategy = strategy_for(db, attribute, hash, list_at_most);
  if (!strategy) return strategy.status();
  filter.add(trace_condition_sql(attribute.op, *strategy), attribute.key, value_of(attribute, hash));
  if (*strategy == Strategy::list_traces) filter.mark_candidates_listed();
  return Status::ok();
}

}  // namespace spanline::indexer::attributes
