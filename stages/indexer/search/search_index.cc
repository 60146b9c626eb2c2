#include "stages/indexer/search/search_index.h"

#include <sqlite3.h>

#include <algorithm>

#include "base/log.h"
#include "stages/indexer/span_deletion.h"

namespace spanline::indexer::search {

std::string text_of(const SpanRecord& span) {
  std::string text = span.name;
  for (const AttributeRow& row : span.attributes) {
    if (row.type != ValueType::string && row.type != ValueType::array && row.type != ValueType::kvlist) continue;
    text += '\n';
    text += row.text;
  }
  if (!span.status_message.empty()) {
    text += '\n';
    text += span.status_message;
  }
  return text;
}

Status SearchIndex::create(Database& db) {
  // columnsize=0: no per-row token counts (only bm25 ranking reads them; searches do not rank). detail=none: no
  // positions (docs/index-schema.md, "Full text in any language"); a shard made before keeps its detail=full.
  return db.exec(
      "CREATE VIRTUAL TABLE IF NOT EXISTS span_search USING fts5(content, content='', columnsize=0, detail=none, tokenize='trigram')");
}

Result<Detail> detail_of(Database& db) {
  auto table = db.prepare("SELECT sql FROM sqlite_master WHERE name = 'span_search'");
  if (!table) return table.status();
  auto row = table->step();
  if (!row) return row.status();
  if (!*row) return Status(Code::internal, "the shard has no span_search table");
  return table->column_text(0).find("detail=none") != std::string::npos ? Detail::none : Detail::full;
}

Status SearchIndex::prepare(Database& db) {
  db_ = &db;
  bodies_ = std::make_unique<span_body::BodyReader>(db);
  auto insert = db.prepare("INSERT INTO span_search(rowid, content) VALUES(?, ?)");
  if (!insert) return insert.status();
  insert_ = std::move(insert.value());
  auto remove = db.prepare("INSERT INTO span_search(span_search, rowid, content) VALUES('delete', ?, ?)");
  if (!remove) return remove.status();
  remove_ = std::move(remove.value());
  return Status::ok();
}

Status SearchIndex::write(int64_t span_rowid, std::string_view text) { return insert_.bind(1, span_rowid).bind_text(2, text).run(); }

Result<bool> SearchIndex::merge_step() {
  // 500 pages (2 MB) a step: a few tens of ms, so new entries wait little behind it.
  const int64_t before = db_->total_changes();
  if (Status s = db_->exec("INSERT INTO span_search(span_search, rank) VALUES('merge', -500)"); !s.is_ok()) return s;
  return db_->total_changes() - before > 1;  // FTS5 counts the pages it wrote; 1 when there was nothing to merge
}

Status SearchIndex::delete_spans(const std::string& span_condition, const std::vector<std::string>& trace_ids) {
  return for_each_span_to_delete(*db_, "rowid, body", span_condition, trace_ids, [&](const Statement& span) {
    // Every row has a body once the shard is open (Shard::open migrates older rows before anything else).
    if (span.column_is_null(1)) return Status::ok();
    auto texts = bodies_->decode(span.column_text(1));
    if (!texts) {
      // Its text cannot be named, so it stays in the index (a search may list the span's trace until the trace
      // goes); stopping here would stop retention for good.
      log::warn("span text left in the full-text index: its body does not decode",
                {{"rowid", std::to_string(span.column_int(0))}, {"error", texts.status().message()}});
      return Status::ok();
    }
    return remove_.bind(1, span.column_int(0)).bind_text(2, (*texts)[span_body::Text::search]).run();
  });
}

namespace {

constexpr std::string_view kMatchingSpansSql = "SELECT rowid FROM span_search WHERE span_search MATCH ?";

// The trigram tokenizer FTS5 indexes with, to fold a text exactly as the index did.
class Trigrams {
 public:
  static Result<std::unique_ptr<Trigrams>> of(sqlite3* db) {
    fts5_api* api = nullptr;
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &statement, nullptr) != SQLITE_OK) {
      return Status(Code::internal, std::string("sqlite: ") + sqlite3_errmsg(db));
    }
    sqlite3_bind_pointer(statement, 1, static_cast<void*>(&api), "fts5_api_ptr", nullptr);
    sqlite3_step(statement);
    sqlite3_finalize(statement);
    if (api == nullptr) return Status(Code::internal, "sqlite has no FTS5");
    auto trigrams = std::unique_ptr<Trigrams>(new Trigrams());
    void* context = nullptr;
    if (api->xFindTokenizer(api, "trigram", &context, &trigrams->methods_) != SQLITE_OK ||
        trigrams->methods_.xCreate(context, nullptr, 0, &trigrams->tokenizer_) != SQLITE_OK) {
      return Status(Code::internal, "FTS5 has no trigram tokenizer");
    }
    return trigrams;
  }
  ~Trigrams() {
    if (tokenizer_ != nullptr) methods_.xDelete(tokenizer_);
  }

  // The text's trigrams, one per character position, folded as the index folds them.
  std::vector<std::string> of_text(std::string_view text) const {
    std::vector<std::string> tokens;
    methods_.xTokenize(tokenizer_, &tokens, FTS5_TOKENIZE_DOCUMENT, text.data(), static_cast<int>(text.size()),
                       [](void* into, int, const char* token, int bytes, int, int) {
                         static_cast<std::vector<std::string>*>(into)->emplace_back(token, static_cast<size_t>(bytes));
                         return SQLITE_OK;
                       });
    return tokens;
  }

 private:
  Trigrams() = default;
  fts5_tokenizer methods_{};
  Fts5Tokenizer* tokenizer_ = nullptr;
};

// What span_text_holds() keeps per connection.
struct HoldsContext {
  span_body::BodyReader bodies;
  std::unique_ptr<Trigrams> trigrams;
};

// span_text_holds(body, text): whether the search text in `body` holds `text` as detail=full's phrase query
// would find it: the text's trigrams at consecutive positions of the body's.
void span_text_holds(sqlite3_context* context, int, sqlite3_value** args) {
  if (sqlite3_value_type(args[0]) == SQLITE_NULL) return sqlite3_result_int(context, 0);
  auto* holds = static_cast<HoldsContext*>(sqlite3_user_data(context));
  // The text is the same for every row of a statement: its trigrams are kept with the statement.
  auto* wanted = static_cast<std::vector<std::string>*>(sqlite3_get_auxdata(context, 1));
  if (wanted == nullptr) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(args[1]));
    wanted = new std::vector<std::string>(holds->trigrams->of_text(text ? text : ""));
    sqlite3_set_auxdata(context, 1, wanted, [](void* tokens) { delete static_cast<std::vector<std::string>*>(tokens); });
    wanted = static_cast<std::vector<std::string>*>(sqlite3_get_auxdata(context, 1));
    if (wanted == nullptr) return sqlite3_result_error_nomem(context);
  }
  if (wanted->empty()) return sqlite3_result_int(context, 0);
  const std::string_view body(static_cast<const char*>(sqlite3_value_blob(args[0])), static_cast<size_t>(sqlite3_value_bytes(args[0])));
  auto texts = holds->bodies.decode(body);
  if (!texts) return sqlite3_result_error(context, texts.status().message().c_str(), -1);
  const std::vector<std::string> held = holds->trigrams->of_text((*texts)[span_body::Text::search]);
  sqlite3_result_int(context, std::search(held.begin(), held.end(), wanted->begin(), wanted->end()) != held.end() ? 1 : 0);
}

}  // namespace

std::string match_query(const std::string& text, Detail detail) {
  if (detail == Detail::full) return query::fts_phrase(text);
  std::vector<size_t> starts;  // where each UTF-8 character starts
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  starts.push_back(text.size());
  // Windows side by side (0, 3, 6, ..., and the last three characters) cover the text: every span holding
  // it holds them, and span_text_holds checks the rest. A third of the terms makes FTS5's AND ~2x cheaper
  // than every window (the query bench's common word: as many candidates either way).
  const size_t characters = starts.size() - 1;
  if (characters < 3) return "";
  std::vector<std::string> windows;
  auto window = [&](size_t c) { windows.push_back(query::fts_phrase(text.substr(starts[c], starts[c + 3] - starts[c]))); };
  for (size_t c = 0; c + 3 <= characters; c += 3) window(c);
  window(characters - 3);
  std::sort(windows.begin(), windows.end());
  windows.erase(std::unique(windows.begin(), windows.end()), windows.end());
  std::string query;
  for (const std::string& term : windows) query += (query.empty() ? "" : " AND ") + term;
  return query;
}

Status register_reader_function(Database& db) {
  auto trigrams = Trigrams::of(db.handle());
  if (!trigrams) return trigrams.status();
  auto* context = new HoldsContext{span_body::BodyReader(db), std::move(trigrams.value())};
  if (sqlite3_create_function_v2(db.handle(), "span_text_holds", 2, SQLITE_UTF8, context, &span_text_holds, nullptr, nullptr,
                                 [](void* held) { delete static_cast<HoldsContext*>(held); }) != SQLITE_OK) {
    return Status(Code::internal, std::string("sqlite: ") + sqlite3_errmsg(db.handle()));
  }
  return Status::ok();
}

std::string trace_condition_sql(Strategy strategy, Detail detail) {
  // Without positions a span the index names may hold the trigrams elsewhere than side by side: its text says.
  const std::string verified = detail == Detail::none ? " AND span_text_holds(s.body, ?)" : "";
  if (strategy == Strategy::list_traces) {
    return "t.trace_id IN (SELECT s.trace_id FROM spans s WHERE s.rowid IN (" + std::string(kMatchingSpansSql) + ")" + verified + ")";
  }
  // A trace whose spans lie within kProbeRangeAtMostRowids rowids (spans that
  // arrive together) is probed with one query restricted to that range: FTS5
  // seeks the range's start in each trigram's doclist once and reads the few
  // rowids of the range it holds (each checked to be the trace's), instead of a
  // seek per span (~2.5x less on the query bench). Another trace's spans are
  // probed one by one, the rowid given as an equality constraint (a seek each),
  // since its range may hold many other traces' spans. CROSS JOIN keeps the
  // order written.
  const std::string trace_rowids = "FROM spans r WHERE r.trace_id = t.trace_id)";
  return "CASE WHEN (SELECT max(r.rowid) - min(r.rowid) " + trace_rowids + " <= " + std::to_string(kProbeRangeAtMostRowids) +
         " THEN EXISTS (SELECT 1 FROM span_search f CROSS JOIN spans s ON s.rowid = f.rowid WHERE f.span_search MATCH ?"
         " AND f.rowid >= (SELECT min(r.rowid) " + trace_rowids + " AND f.rowid <= (SELECT max(r.rowid) " + trace_rowids +
         " AND s.trace_id = t.trace_id" + verified +
         ") ELSE EXISTS (SELECT 1 FROM spans s CROSS JOIN span_search f ON f.rowid = s.rowid "
         "WHERE s.trace_id = t.trace_id AND f.span_search MATCH ?" + verified + ") END";
}

Result<Strategy> strategy_for(Database& db, const std::string& text, int64_t list_at_most) {
  auto detail = detail_of(db);
  if (!detail) return detail.status();
  const std::string match = match_query(text, *detail);
  if (match.empty()) return Strategy::list_traces;
  auto common = query::selects_more_than(db, std::string(kMatchingSpansSql), {match}, list_at_most);
  if (!common) return common.status();
  return *common ? Strategy::probe_each_trace : Strategy::list_traces;
}

Status add_trace_filter(query::Filter& filter, const std::string& text, Database& db, int64_t list_at_most) {
  auto detail = detail_of(db);
  if (!detail) return detail.status();
  const std::string match = match_query(text, *detail);
  if (match.empty()) {
    filter.add("0");  // no trigram: nothing is found, as before
    return Status::ok();
  }
  auto strategy = strategy_for(db, text, list_at_most);
  if (!strategy) return strategy.status();
  // A text of 3 characters is its one term: every span named holds it, no check needed.
  const auto characters = std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
  const bool check = *detail == Detail::none && characters > 3;
  // Each form's parameters: the query, then the text to check spans for (detail=none); probing has two forms.
  filter.add(trace_condition_sql(*strategy, check ? Detail::none : Detail::full));
  if (*strategy == Strategy::list_traces) filter.mark_candidates_listed();
  for (int form = 0; form < (*strategy == Strategy::probe_each_trace ? 2 : 1); ++form) {
    filter.bind_later(match);
    if (check) filter.bind_later(text);
  }
  return Status::ok();
}

}  // namespace spanline::indexer::search
