#pragma once
// Schema 10 for a shard written before it: each span row's five JSON texts
// and its full text (in the old `span_text` FTS5 table, which kept its own
// copy) become the row's compressed body, and its text goes into the
// contentless `span_search`; then `span_text` is dropped.
//
// How it works: rows are converted in chunks of kChunkRows by rowid, each
// chunk its own transaction, only rows whose body is still NULL, so a killed
// migration resumes where it stopped and a second run changes nothing. The
// shard's dictionary is trained first from its oldest rows. A progress line is
// logged every few seconds. It runs on open, after every other migration and
// backfill (they read the old columns). Then the file is compacted (VACUUM)
// when it is at most kVacuumUpToBytes and the disk has room for a copy
// (docs/index-schema.md, "Span bodies").
//
// Threads: the shard's writer, on open, before anything else writes.

#include <cstdint>

#include "base/sqlite/sqlite_db.h"
#include "base/status.h"
#include "stages/indexer/search/search_index.h"
#include "stages/indexer/span_body/body_store.h"

namespace spanline::indexer::span_body {

constexpr int64_t kChunkRows = 5000;
constexpr uintmax_t kVacuumUpToBytes = 2ULL << 30;

// `bodies` and `search` are prepared on `db`.
Status migrate_to_bodies(Database& db, BodyWriter& bodies, search::SearchIndex& search);

}  // namespace spanline::indexer::span_body
