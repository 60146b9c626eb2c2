#include "stages/indexer/span_body/body_store.h"

#include <zdict.h>

#include <algorithm>

#include "base/clock.h"

namespace spanline::indexer::span_body {

std::string columns_of(std::string_view alias) {
  std::string columns;
  for (size_t start = 0; start < kColumns.size();) {
    size_t end = std::min(kColumns.find(", ", start), kColumns.size());
    columns += (columns.empty() ? "" : ", ") + std::string(alias) + "." + std::string(kColumns.substr(start, end - start));
    start = end + 2;
  }
  return columns;
}

Status BodyWriter::create(Database& db) {
  return db.exec("CREATE TABLE IF NOT EXISTS span_body_dictionaries(id INTEGER PRIMARY KEY, trained_ns INTEGER NOT NULL, "
                 "dictionary BLOB NOT NULL)");
}

Status BodyWriter::prepare(Database& db) {
  db_ = &db;
  auto insert = db.prepare("INSERT OR IGNORE INTO span_body_dictionaries(id, trained_ns, dictionary) VALUES(?, ?, ?)");
  if (!insert) return insert.status();
  insert_dictionary_ = std::move(insert.value());
  auto newest = db.prepare("SELECT id, trained_ns, dictionary FROM span_body_dictionaries ORDER BY id DESC LIMIT 1");
  if (!newest) return newest.status();
  auto row = newest->step();
  if (!row) return row.status();
  if (!*row) return Status::ok();
  dictionary_ = newest->column_text(2);
  trained_ns_ = newest->column_int(1);
  return compressor_.use_dictionary(newest->column_int(0), dictionary_);
}

Status BodyWriter::store_dictionary() {
  return insert_dictionary_.bind(1, compressor_.dictionary_id()).bind(2, trained_ns_).bind_blob(3, dictionary_).run();
}

Status BodyWriter::begin_batch() {
  if (!has_dictionary() && samples_.size() >= kTrainingSpans) {
    std::vector<std::string> samples = std::move(samples_);
    samples_.clear();
    return train(samples);
  }
  return has_dictionary() ? store_dictionary() : Status::ok();
}

Result<std::string> BodyWriter::encode(const std::array<std::string_view, kTextCount>& texts) {
  if (!has_dictionary() && !training_failed_ && samples_.size() < kTrainingSpans) {
    std::string payload = payload_of(texts);
    if (payload.size() <= kMaxSampleBytes) samples_.push_back(std::move(payload));
  }
  return compressor_.encode(texts);
}

Status BodyWriter::train(const std::vector<std::string>& payloads) {
  if (has_dictionary() || payloads.empty()) return Status::ok();
  std::string joined;
  std::vector<size_t> sizes;
  for (const std::string& payload : payloads) {
    joined += payload;
    sizes.push_back(payload.size());
  }
  std::string dictionary(kDictionaryBytes, '\0');
  const size_t size = ZDICT_trainFromBuffer(dictionary.data(), dictionary.size(), joined.data(), sizes.data(),
                                            static_cast<unsigned>(sizes.size()));
  // Too few or too alike samples: the shard goes on without one and tries no more until it is opened again
  // (training took ~0.2 s on 4,000 samples, on the writer's thread).
  if (ZDICT_isError(size)) {
    training_failed_ = true;
    return Status::ok();
  }
  dictionary.resize(size);
  auto next = db_->prepare("SELECT coalesce(max(id), 0) + 1 FROM span_body_dictionaries");
  if (!next) return next.status();
  auto row = next->step();
  if (!row) return row.status();
  const int64_t id = next->column_int(0);
  dictionary_ = std::move(dictionary);
  trained_ns_ = unix_nanos_now();
  if (Status s = compressor_.use_dictionary(id, dictionary_); !s.is_ok()) return s;
  return store_dictionary();
}

Result<Texts> BodyReader::read(const Statement& row, int first, uint64_t cap) {
  if (!row.column_is_null(first + 5)) return decode(row.column_text(first + 5), cap);
  Texts texts;
  for (int i = 0; i < 5; ++i) texts.values[static_cast<size_t>(i)] = row.column_text(first + i);
  return texts;
}

Result<Texts> BodyReader::decode(std::string_view body, uint64_t cap) {
  auto id = Decompressor::dictionary_of(body);
  if (!id) return id.status();
  if (*id != 0 && !decompressor_.has_dictionary(*id)) {
    if (!load_dictionary_) {
      sqlite3_stmt* load = nullptr;
      if (sqlite3_prepare_v2(db_, "SELECT dictionary FROM span_body_dictionaries WHERE id = ?", -1, &load, nullptr) != SQLITE_OK) {
        return Status(Code::internal, std::string("sqlite: ") + sqlite3_errmsg(db_));
      }
      load_dictionary_.emplace(db_, load);
    }
    load_dictionary_->bind(1, *id);
    auto row = load_dictionary_->step();
    std::string dictionary = row.is_ok() && *row ? load_dictionary_->column_text(0) : std::string();
    load_dictionary_->reset();
    if (!row) return row.status();
    if (!*row) return Status(Code::internal, "span body is corrupt: its dictionary " + std::to_string(*id) + " is missing");
    if (Status s = decompressor_.add_dictionary(*id, dictionary); !s.is_ok()) return s;
  }
  return decompressor_.decode(body, cap);
}

namespace {

constexpr std::string_view kTextNames[kTextCount] = {"attributes", "events", "links", "resource", "scope", "search"};

void body_text(sqlite3_context* context, int, sqlite3_value** args) {
  if (sqlite3_value_type(args[0]) == SQLITE_NULL) return sqlite3_result_null(context);
  const auto* name = reinterpret_cast<const char*>(sqlite3_value_text(args[1]));
  const auto* known = std::find(std::begin(kTextNames), std::end(kTextNames), std::string_view(name ? name : ""));
  if (known == std::end(kTextNames)) return sqlite3_result_error(context, "span_body_text: no such text", -1);
  const std::string_view body(static_cast<const char*>(sqlite3_value_blob(args[0])), static_cast<size_t>(sqlite3_value_bytes(args[0])));
  auto texts = static_cast<BodyReader*>(sqlite3_user_data(context))->decode(body);
  if (!texts) return sqlite3_result_error(context, texts.status().message().c_str(), -1);
  const std::string& text = texts->values[static_cast<size_t>(known - std::begin(kTextNames))];
  sqlite3_result_text(context, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

int add_body_text(sqlite3* db, char**, const sqlite3_api_routines*) {
  return sqlite3_create_function_v2(db, "span_body_text", 2, SQLITE_UTF8, new BodyReader(db), &body_text, nullptr, nullptr,
                                    [](void* reader) { delete static_cast<BodyReader*>(reader); });
}

}  // namespace

void register_sql_function_everywhere() { sqlite3_auto_extension(reinterpret_cast<void (*)()>(&add_body_text)); }

}  // namespace spanline::indexer::span_body
