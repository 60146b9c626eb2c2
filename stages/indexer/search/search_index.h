#pragma once
// A shard's full-text index of spans: the span name, its string, array and
// map attribute values and its status message, any 3+ character substring in
// any language (FTS5 trigram; docs/index-schema.md, "Full text in any
// language").
//
// How it works: `span_search` is a contentless FTS5 table (content='', no
// copy of the text: queries only ask which rowids match), without positions
// (detail=none: a fraction of the postings' bytes and writes, measured in
// docs/index-schema.md), so a search asks for the text's trigrams, each a term,
// and checks each span found against its text (span_text_holds). Shards whose
// table was made before keep positions (detail=full) and their phrase query;
// detail_of() tells which. write() adds a new span's text in the caller's
// transaction; the same text is kept in the span's body
// (span_body/), because FTS5 removes a contentless row only when given the
// exact text it indexed: delete_spans() reads it from there before the span
// rows go. add_trace_filter() is the search's condition on the traces table:
// a rare text's trace ids listed first, a common text's spans probed trace by
// trace (query::kListTracesAtMostSpans).
//
// Threads: one writer object per shard (its ingest thread); add_trace_filter()
// is a free function used by any reader thread.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/sqlite/sqlite_db.h"
#include "base/status.h"
#include "stages/indexer/query/sql_support.h"
#include "stages/indexer/span_body/body_store.h"
#include "stages/indexer/span_record.h"

namespace spanline::indexer::search {

// The text indexed for a span: its name, then each string, array and map
// attribute value (its events' too), then its status message, one per line.
std::string text_of(const SpanRecord& span);

class SearchIndex {
 public:
  // Creates the index's table in `db` (older layouts: span_body/body_migration.h).
  static Status create(Database& db);

  // Prepares the writer's statements on `db` (the shard's writer connection).
  Status prepare(Database& db);

  // Indexes `text` (text_of the span) as the span's.
  Status write(int64_t span_rowid, std::string_view text);

  // Removes the text of the spans `SELECT rowid FROM spans WHERE trace_id = ?1
  // AND <span_condition>` selects, for each of `trace_ids`.
  Status delete_spans(const std::string& span_condition, const std::vector<std::string>& trace_ids);

  // One step of merging the index's segments into one (FTS5 'merge' with a negative page count: across
  // levels, like an 'optimize' done a bounded piece at a time); true while more remains. Each commit adds
  // a segment and automerge keeps a few per level: ~23 at 250k spans, and a common word's probes do one
  // seek per trigram per segment (bench/results/2026-11-29-full-text.md). Run when the partition is quiet.
  Result<bool> merge_step();

 private:
  Database* db_ = nullptr;
  Statement insert_, remove_;
  std::unique_ptr<span_body::BodyReader> bodies_;
};

// Whether the shard's span_search keeps positions: detail=full (made before
// detail=none: the text is one phrase query) or none (trigrams as terms, each
// span found checked against its text). Read from the table's definition.
enum class Detail { full, none };
Result<Detail> detail_of(Database& db);

// The FTS5 query that names the spans that may hold `text`: with positions,
// the text as one phrase; without, 3-character windows side by side that
// cover it, each a term of one trigram, all required (each span named is then
// checked against its text). Empty when `text` has fewer than 3 characters.
std::string match_query(const std::string& text, Detail detail);

// Registers on `db` (a reader's connection) the SQL function
// span_text_holds(body, text): 1 when the search text in the span body `body`
// holds `text`, folded as the trigram tokenizer folds (FTS5's own tokenizer
// reads both: the text's trigrams at consecutive positions, as detail=full's
// phrase query finds them); 0 for a NULL body.
Status register_reader_function(Database& db);

// How a search's text filter finds its traces (query::kListTracesAtMostSpans).
enum class Strategy {
  list_traces,       // rare: the trace ids of every matching span first
  probe_each_trace,  // common: each candidate trace's spans, FTS5 seeking each span's rowid in the text's doclists
};

// Probing, a trace whose spans' rowids differ by at most this much is checked
// with one FTS5 query over that rowid range, another span by span.
inline constexpr int64_t kProbeRangeAtMostRowids = 1'024;

// The condition on traces `t` of `strategy` in a shard of `detail` (none:
// each span named is checked with span_text_holds); its
// parameters: the FTS5 query (match_query), then (detail=none) the text to
// check spans for; probing takes them twice (the range form, the span form).
std::string trace_condition_sql(Strategy strategy, Detail detail);

// The strategy for `text` in the shard `db` (the reader's connection):
// list_traces when at most `list_at_most` spans hold it, counted in the index
// up to one more.
Result<Strategy> strategy_for(Database& db, const std::string& text, int64_t list_at_most = query::kListTracesAtMostSpans);

// Adds to `filter` the condition on traces `t` that one of their spans' text
// holds `text` (at least 3 characters; the api checks), in the strategy
// strategy_for() chooses; with detail=none, `db` has register_reader_function().
Status add_trace_filter(query::Filter& filter, const std::string& text, Database& db,
                        int64_t list_at_most = query::kListTracesAtMostSpans);

}  // namespace spanline::indexer::search
