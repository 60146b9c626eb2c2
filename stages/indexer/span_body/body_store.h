#pragma once
// Span bodies in a shard (body_format.h): the writer that encodes new spans'
// bodies and trains the shard's compression dictionary from its own first
// spans, and the reader that gives the five JSON texts of a row whether it was
// written as text (rows of a shard before schema 10, `body` NULL) or as a body.
//
// How it works: the writer samples the payloads of the first kTrainingSpans
// spans it writes (compressed without a dictionary meanwhile), then trains a
// dictionary of kDictionaryBytes on them (zstd's ZDICT) and stores it in
// `span_body_dictionaries` in the transaction of the next batch; every later
// body names it. begin_batch() stores it again (INSERT OR IGNORE) in each
// batch, so a batch that rolled back cannot leave bodies naming a dictionary
// that is not there. A reader loads a dictionary by id on first use and keeps it.
//
// Threads: BodyWriter belongs to the shard's writer thread, a BodyReader to
// the thread owning its connection (each reader thread has its own).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/sqlite/sqlite_db.h"
#include "base/status.h"
#include "stages/indexer/span_body/body_format.h"

namespace spanline::indexer::span_body {

// The columns a reader selects, in this order, for read() below.
inline constexpr std::string_view kColumns = "attributes, events, links, resource, scope, body";
// kColumns of the table named `alias` in a query ("s.attributes, s.events, ...").
std::string columns_of(std::string_view alias);

// zstd level 2: as fast as 1 and 2% smaller; 3 no smaller and slower
// (docs/index-schema.md, "Span bodies", has the measurements).
constexpr int kLevel = 2;
// The dictionary is trained on this many first spans of a shard, and is this
// large (16 KiB did as well on the bench's shapes; more varied spans use more).
constexpr size_t kTrainingSpans = 4000;
constexpr size_t kDictionaryBytes = 48 * 1024;
// Spans with a larger payload are not sampled: one huge span would make the
// dictionary its own.
constexpr size_t kMaxSampleBytes = 16 * 1024;

class BodyWriter {
 public:
  BodyWriter() : compressor_(kLevel) {}

  // Creates the dictionaries' table.
  static Status create(Database& db);
  // Prepares on the shard's writer connection and takes up its newest dictionary.
  Status prepare(Database& db);

  // At the start of a batch's transaction: trains the dictionary once enough
  // spans were sampled, and keeps the one in use stored.
  Status begin_batch();

  // The body of a span's texts (Text's order), sampled for training while the shard has no dictionary.
  Result<std::string> encode(const std::array<std::string_view, kTextCount>& texts);

  // Trains and stores a dictionary from `payloads` (payload_of) now, unless
  // the shard has one (migrations: from the rows a shard holds). In the caller's transaction.
  Status train(const std::vector<std::string>& payloads);

  bool has_dictionary() const { return compressor_.dictionary_id() != 0; }

 private:
  Status store_dictionary();

  Database* db_ = nullptr;
  Compressor compressor_;
  std::string dictionary_;  // the bytes of the one in use
  int64_t trained_ns_ = 0;
  std::vector<std::string> samples_;
  bool training_failed_ = false;
  Statement insert_dictionary_;
};

// The texts of one row of any layout, through the shard connection it was given.
class BodyReader {
 public:
  explicit BodyReader(Database& db) : db_(db.handle()) {}
  explicit BodyReader(sqlite3* db) : db_(db) {}

  // The texts of the row `row` is on, whose columns from `first` on are kColumns.
  // A row written as text has an empty search text. `cap`: as Decompressor::decode.
  Result<Texts> read(const Statement& row, int first, uint64_t cap = kMaxBodyBytes);
  // The texts of a stored body.
  Result<Texts> decode(std::string_view body, uint64_t cap = kMaxBodyBytes);

 private:
  sqlite3* db_;
  Decompressor decompressor_;
  std::optional<Statement> load_dictionary_;  // prepared on first use
};

// From now on, every SQLite connection this process opens has the function
// `span_body_text(body, name)`: the text `name` ('attributes', 'events',
// 'links', 'resource', 'scope' or 'search') of a stored body, NULL for NULL.
// For tests and tools that read a shard with SQL (queries use BodyReader).
void register_sql_function_everywhere();

}  // namespace spanline::indexer::span_body
