#pragma once
// A shard's attribute index: what `attr=key:value` and `key>n` searches and
// the executable lookup (query/executable_lookup.h) find spans by.
//
// How it works: postings, not rows (docs/index-schema.md, "Attribute
// postings"). A key is stored once, in the dictionary `attribute_keys` (its
// id per key and per span-or-event). A value becomes a posting (bucket, key
// id, keyed hash of its text, span rowid) in `attribute_values`, and an int,
// double or bool also (bucket, key id, number, span rowid) in
// `attribute_numbers`. The bucket is the span rowid's high bits, so one
// commit's postings land in the newest bucket's few hundred leaves instead of
// a random leaf per value across the whole tree; a search probes each bucket.
// write() adds a new span's postings in the caller's transaction (buffered,
// then written sorted, many rows a statement, by flush() before the commit),
// so they commit with the span and the cursor; delete_spans() removes those of spans
// about to be deleted, before the span rows go; add_trace_filter() is the
// search's condition on the traces table for one attribute filter: the trace
// ids of a rare value listed first, a common value's probed trace by trace.
//
// Threads: one writer object per shard (its ingest thread); ValueHash and
// add_trace_filter() are used by any reader thread.
//
// Limits: an equality search compares 64-bit hashes and does not verify the
// candidates: a value whose hash equals the searched one's by chance matches
// too, odds 2^-64 per distinct value under the key (about 1 in 10^13 for a
// million distinct values), and the seed, random per shard, keeps a client
// from crafting such a value.

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/sqlite/sqlite_db.h"
#include "base/status.h"
#include "protocol/query/query_messages.h"
#include "stages/indexer/query/sql_support.h"
#include "stages/indexer/span_record.h"

namespace spanline::indexer::attributes {

// A posting's bucket is span_rowid >> kBucketShift: 4,096 spans, about 32,000
// postings of the typical span (8 values) in a few hundred leaves. Spans get
// growing rowids, so a commit (a few thousand spans) writes into the last one
// or two buckets: the pages it dirties stay few and local. Smaller buckets
// make searches probe more of them (one index probe per bucket: ~600 at 2.5M
// spans per shard); larger ones make a commit's inserts spread over more leaves.
inline constexpr int kBucketShift = 12;

// The shard's keyed hash of an attribute value's text (xxHash's XXH3, 64
// bits, seeded with the shard's random seed from `meta`), as the postings and
// the searches compute it. The same text as AttributeRow::text: an int's
// decimal text, so `attr=http.status_code:200` finds the int 200.
class ValueHash {
 public:
  explicit ValueHash(uint64_t seed) : seed_(seed) {}
  // The seed of the shard `db` holds; failed_precondition when it has none
  // (never opened by a writer of schema 9 or later).
  static Result<ValueHash> of_shard(Database& db);

  int64_t operator()(std::string_view text) const;

 private:
  uint64_t seed_;
};

class AttributeIndex {
 public:
  // Creates the index's tables and the shard's hash seed in `db`, and turns
  // the attribute rows of an older shard (`span_attributes`, schema 2 to 8)
  // into postings: in chunks of span rowids, each its own transaction,
  // resumed where it stopped when interrupted, then drops the old table.
  static Status create(Database& db);

  // Prepares the writer's statements on `db` (the shard's writer connection).
  // Key ids are read from the dictionary as keys first come, then cached.
  Status prepare(Database& db);

  // Adds the span's attribute values under `span_rowid`; returns how many
  // were indexed (values longer than max_indexed_value_bytes() are not).
  // The postings are buffered (up to kFlushAtPostings, then written) and
  // written in key order, many rows per statement: flush() before COMMIT.
  Result<uint64_t> write(int64_t span_rowid, const SpanRecord& span);

  // Writes the buffered postings in the caller's transaction; the caller
  // calls it before its COMMIT, so they commit with the spans.
  Status flush();

  // The caller's transaction ended: the key ids added since are kept
  // (committed) or forgotten (rolled back: the database no longer has them,
  // and another key could get the same id), and so are postings still buffered.
  void transaction_committed();
  void transaction_rolled_back();

  // Postings buffered before write() flushes them: ~32 B each, 2 MiB.
  static constexpr size_t kFlushAtPostings = 65'536;
  // Rows per multi-row INSERT (4 parameters each); the remainder goes one by one.
  static constexpr int kRowsPerInsert = 64;

  // Removes the postings of the spans `SELECT rowid FROM spans WHERE trace_id
  // = ?1 AND <span_condition>` selects, for each of `trace_ids`: the rowids
  // first, then one bounded delete per bucket they fall in.
  static Status delete_spans(Database& db, const std::string& span_condition, const std::vector<std::string>& trace_ids);

 private:
  // One value of one span; `number` only for ints, doubles and bools (not NaN).
  Status add(int64_t span_rowid, const std::string& key, bool on_event, std::string_view text, const double* number);
  Result<int64_t> key_id(const std::string& key, bool on_event);
  // Turns the rows of `span_attributes` into postings (create()).
  Status migrate_rows(Database& db);

  // A row of attribute_values (Value = int64_t, the hash) or attribute_numbers (double).
  template <typename Value>
  struct Posting {
    int64_t bucket, key_id;
    Value value;
    int64_t span_rowid;
    auto operator<=>(const Posting&) const = default;
  };
  struct Inserts {
    Statement one, many;  // one row; kRowsPerInsert rows
  };
  template <typename Value>
  static Status insert_sorted(std::vector<Posting<Value>>& postings, Inserts& inserts);

  Database* db_ = nullptr;
  ValueHash hash_{0};
  std::unordered_map<std::string, int64_t> key_ids_[2];  // by on_event
  std::vector<std::pair<bool, std::string>> added_keys_;  // in the transaction running
  std::vector<Posting<int64_t>> values_;                  // buffered, not yet in the database
  std::vector<Posting<double>> numbers_;
  Statement insert_key_;
  Inserts insert_values_, insert_numbers_;
};

// SQL selecting `span_rowid` from the postings whose key `k` (attribute_keys)
// meets `key_condition` and whose value's hash is the parameter after those
// of `key_condition`: every bucket probed, no table scanned.
std::string spans_with_value_sql(std::string_view key_condition);

// How a search's attribute filter finds its traces (query::kListTracesAtMostSpans).
enum class Strategy {
  list_traces,       // rare: the trace ids of every matching span first, over all buckets
  probe_each_trace,  // common: each candidate trace's spans, a point probe of their postings each
};

// The condition on traces `t` of `strategy` for a filter of `op`; its
// parameters: the key, then the value's hash (equality) or the number.
std::string trace_condition_sql(protocol::query::AttributeFilter::Op op, Strategy strategy);

// The strategy for `attribute` in the shard `db` (the reader's connection):
// list_traces when at most `list_at_most` spans have it, counted in its
// postings up to one more; `hash` is the shard's (ValueHash::of_shard).
Result<Strategy> strategy_for(Database& db, const protocol::query::AttributeFilter& attribute, const ValueHash& hash,
                              int64_t list_at_most = query::kListTracesAtMostSpans);

// Adds to `filter` the condition on traces `t` that one of their spans (or its
// events) has `attribute`, in the strategy strategy_for() chooses.
Status add_trace_filter(query::Filter& filter, const protocol::query::AttributeFilter& attribute, const ValueHash& hash, Database& db,
                        int64_t list_at_most = query::kListTracesAtMostSpans);

}  // namespace spanline::indexer::attributes
