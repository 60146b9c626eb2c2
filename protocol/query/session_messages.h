#pragma once
// The query hop's session kinds (issue 28), declared once for the api and the
// indexer: "sessions" (a page of sessions, or the figures of named ones) and
// "session" (one session's turns). The kinds join the Query variant in
// query_messages.h, whose encode/decode cover them; the parameters and the
// replies' JSON are read and written in session_messages.cc.
//
// A session is the traces whose spans carry its id (stages/indexer/sessions/).
// Partitioning is by trace, so one session's traces may sit in several
// partitions: each shard answers for the turns it holds and the api adds them up.
//
// Threads: values and free functions; any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace spanline::protocol::query {

// One session's turns: at most this many, oldest first (the api says when cut).
inline constexpr int64_t kMaxSessionTurns = 1000;
// Session ids in one request (the figures of a page, or the ones to pass over).
inline constexpr size_t kMaxSessionIds = 2000;
// Longest session id prefix a list filter takes, in bytes.
inline constexpr size_t kMaxSessionPrefix = 256;
// A turn's first user and last assistant message texts are cut to this many bytes.
inline constexpr size_t kMaxTurnMessageBytes = 2000;

// Where the next page of sessions starts: the (last seen, id) of the last one returned.
struct SessionCursor {
  int64_t last_ns = 0;
  std::string session_id;
};
// "<last_ns>.<hex of the id>", opaque to clients.
std::string to_text(const SessionCursor& cursor);
Result<SessionCursor> session_cursor_from_text(std::string_view text);

// Sessions newest first by the end of their last matching turn. Filters select
// turns (traces): a session is listed when one of its turns matches, with the
// figures of the turns that match.
// - a page: the shard returns, newest first after `cursor`, at most `limit`
//   sessions not in `exclude`, each with its last-seen time only;
// - figures: with `session_ids` set, every matching turn of exactly those
//   sessions, summed per session (no paging).
struct SessionsQuery {
  std::optional<int64_t> from_ns, to_ns;  // on a turn's start
  std::optional<std::string> service, user_id, id_prefix;
  int64_t limit = 20;
  std::optional<SessionCursor> cursor;
  std::vector<std::string> exclude, session_ids;
};
// One session's turns, oldest first.
struct SessionQuery {
  std::string session_id;
};

// LLM calls that sent no cost, by model group: what the api prices (at the
// price in effect at `first_start_ns`, the group's earliest call).
struct UnpricedTokens {
  std::string model_group;
  int64_t first_start_ns = 0, calls = 0, input_tokens = 0, output_tokens = 0, cache_read_tokens = 0;
  bool has_input = false, has_output = false;  // any call sent these tokens
};

// LLM figures of a set of turns (llm_calls of their traces).
struct LlmFigures {
  int64_t calls = 0, input_tokens = 0, output_tokens = 0, total_tokens = 0;
  double cost = 0;         // sum of the sent costs, USD
  int64_t cost_calls = 0;  // the calls that sent one
  std::vector<UnpricedTokens> unpriced;
};

struct SessionRow {
  std::string session_id;
  int64_t first_start_ns = 0, last_ns = 0, turns = 0, error_turns = 0;
  std::vector<std::string> users, services;  // sorted, distinct
  LlmFigures llm;
};
struct SessionsReply {
  std::vector<SessionRow> sessions;  // a page: newest first; figures: any order
};

struct SessionTurn {
  std::string trace_id;  // hex
  std::string root_name, root_service, user_id;
  std::vector<std::string> services;
  int64_t start_ns = 0, end_ns = 0, duration_ns = 0, error_count = 0;
  LlmFigures llm;
  // The last user message of the turn's first LLM call's input (what was
  // said this turn) and the last assistant message of its last call's output,
  // as text (the text parts joined), cut to kMaxTurnMessageBytes; nullopt when none.
  std::optional<std::string> user_message, assistant_message;
};
struct SessionReply {
  std::vector<SessionTurn> turns;  // oldest first
  bool truncated = false;          // more than kMaxSessionTurns here: the first ones are kept
};

// The parameters of each kind as JSON and back (invalid_argument on a bad one).
nlohmann::json params_of(const SessionsQuery& query);
nlohmann::json params_of(const SessionQuery& query);
Result<SessionsQuery> sessions_query_from(const nlohmann::json& params);
Result<SessionQuery> session_query_from(const nlohmann::json& params);

nlohmann::json to_json(const LlmFigures& figures);
LlmFigures llm_figures_from(const nlohmann::json& value);

}  // namespace spanline::protocol::query
