// The session kinds of the query hop (protocol/query/session_messages.h),
// read from the shard's session_traces and llm_calls (stages/indexer/sessions/).
#include <set>
#include <string>
#include <unordered_set>

#include "base/hex.h"
#include "stages/indexer/llm/llm_record.h"
#include "stages/indexer/query/shard_queries.h"
#include "stages/indexer/query/sql_support.h"

namespace spanline::indexer::query {
namespace {

namespace wire = protocol::query;

// A Junjo agent model request whose driver's call is traced below it counts
// once: the call below it counts (as in the LLM usage).
constexpr std::string_view kCountedCall =
    "(c.junjo_model_request = 0 OR NOT EXISTS (SELECT 1 FROM llm_calls child WHERE child.trace_id = c.trace_id AND "
    "child.parent_span_id = c.span_id))";

// The turns (rows of session_traces `st`) a list's filters select.
void add_turn_filters(Filter& filter, const wire::SessionsQuery& query) {
  if (query.from_ns) filter.add("st.first_start_ns >= ?", *query.from_ns);
  if (query.to_ns) filter.add("st.first_start_ns <= ?", *query.to_ns);
  if (query.service) filter.add("instr(',' || st.services || ',', ',' || ? || ',') > 0", *query.service);
  if (query.user_id) filter.add("st.user_id = ?", *query.user_id);
  if (query.id_prefix) filter.add("substr(st.session_id, 1, length(?)) = ?", *query.id_prefix, *query.id_prefix);
}

void split_into(std::set<std::string>& into, const std::string& comma_separated) {
  size_t start = 0;
  while (start <= comma_separated.size()) {
    size_t end = comma_separated.find(',', start);
    if (end == std::string::npos) end = comma_separated.size();
    if (end > start) into.insert(comma_separated.substr(start, end - start));
    start = end + 1;
  }
}

// The LLM figures of the traces `traces_sql` selects (its values bound by `filter`).
Result<wire::LlmFigures> llm_figures(Database& db, const std::string& traces_sql, const Filter& filter) {
  const std::string where = " FROM llm_calls c WHERE c.trace_id IN (" + traces_sql + ") AND " + std::string(kCountedCall);
  wire::LlmFigures figures;
  auto totals = db.prepare("SELECT count(*), coalesce(sum(c.input_tokens), 0), coalesce(sum(c.output_tokens), 0), "
                           "coalesce(sum(c.total_tokens), 0), coalesce(sum(c.cost_total), 0), count(c.cost_total)" + where);
  if (!totals) return totals.status();
  filter.bind(*totals);
  auto row = totals->step();
  if (!row) return row.status();
  if (*row) {
    figures.calls = totals->column_int(0);
    figures.input_tokens = totals->column_int(1);
    figures.output_tokens = totals->column_int(2);
    figures.total_tokens = totals->column_int(3);
    figures.cost = totals->column_double(4);
    figures.cost_calls = totals->column_int(5);
  }
  if (figures.calls == figures.cost_calls) return figures;
  // What the api may price: the calls that sent no cost, by model group.
  auto unpriced = db.prepare("SELECT c.model_group, min(c.start_ns), count(*), coalesce(sum(c.input_tokens), 0), "
                             "coalesce(sum(c.output_tokens), 0), coalesce(sum(c.cache_read_tokens), 0), count(c.input_tokens), "
                             "count(c.output_tokens)" + where + " AND c.cost_total IS NULL AND c.model_group IS NOT NULL GROUP BY c.model_group");
  if (!unpriced) return unpriced.status();
  filter.bind(*unpriced);
  for (;;) {
    auto next = unpriced->step();
    if (!next) return next.status();
    if (!*next) break;
    figures.unpriced.push_back({unpriced->column_text(0), unpriced->column_int(1), unpriced->column_int(2), unpriced->column_int(3),
                                unpriced->column_int(4), unpriced->column_int(5), unpriced->column_int(6) > 0,
                                unpriced->column_int(7) > 0});
  }
  return figures;
}

// The text parts of a message, joined, cut to the protocol's bound.
std::optional<std::string> text_of(const json& message) {
  std::string text;
  for (const json& part : message.value("parts", json::array())) {
    if (part.value("type", "") != "text" || !part.contains("content") || !part["content"].is_string()) continue;
    if (!text.empty()) text += "\n";
    text += part["content"].get<std::string>();
  }
  if (text.empty()) return std::nullopt;
  if (text.size() > wire::kMaxTurnMessageBytes) text.resize(wire::kMaxTurnMessageBytes);
  return text;
}

// The last message of `role` in `messages`, as text.
std::optional<std::string> last_of_role(const json& messages, std::string_view role) {
  for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
    if (it->value("role", "") == role) {
      if (auto text = text_of(*it)) return text;
    }
  }
  return std::nullopt;
}

// The conversation of the trace's first (or last) generation, as the LLM record reads it.
Result<std::optional<llm::LlmRecord>> edge_generation(Database& db, span_body::BodyReader& bodies, std::string_view trace_id, bool last) {
  auto statement = db.prepare("SELECT " + span_body::columns_of("s") + " FROM llm_calls c JOIN spans s ON s.trace_id = c.trace_id AND s.span_id = c.span_id "
                              "WHERE c.trace_id = ? AND c.kind = 'generation' " +
                              (last ? "ORDER BY c.end_ns DESC, c.span_id DESC" : "ORDER BY c.start_ns, c.span_id") + " LIMIT 1");
  if (!statement) return statement.status();
  statement->bind_blob(1, trace_id);
  auto row = statement->step();
  if (!row) return row.status();
  if (!*row) return std::optional<llm::LlmRecord>();
  auto texts = bodies.read(*statement, 0);
  if (!texts) return texts.status();
  using span_body::Text;
  return llm::normalise_stored((*texts)[Text::attributes], (*texts)[Text::events], (*texts)[Text::resource], llm::Detail::conversation);
}

}  // namespace

Result<std::string> ShardReader::answer(const wire::SessionsQuery& query) {
  wire::SessionsReply reply;
  if (!query.session_ids.empty()) {
    // Figures of named sessions: every matching turn here, summed.
    for (const std::string& session_id : query.session_ids) {
      if (Status s = budget_->check_time(); !s.is_ok()) return s;
      Filter filter;
      filter.add("st.session_id = ?", session_id);
      add_turn_filters(filter, query);
      auto turns = db_->prepare("SELECT st.first_start_ns, st.last_end_ns, st.error_count, st.user_id, st.services FROM session_traces st" +
                                filter.where());
      if (!turns) return turns.status();
      filter.bind(*turns);
      wire::SessionRow row{.session_id = session_id};
      std::set<std::string> users, services;
      for (;;) {
        auto next = turns->step();
        if (!next) return next.status();
        if (!*next) break;
        const int64_t start = turns->column_int(0), end = turns->column_int(1);
        row.first_start_ns = row.turns == 0 ? start : std::min(row.first_start_ns, start);
        row.last_ns = std::max(row.last_ns, end);
        ++row.turns;
        if (turns->column_int(2) > 0) ++row.error_turns;
        if (!turns->column_is_null(3)) users.insert(turns->column_text(3));
        split_into(services, turns->column_text(4));
      }
      if (row.turns == 0) continue;
      auto figures = llm_figures(*db_, "SELECT st.trace_id FROM session_traces st" + filter.where(), filter);
      if (!figures) return figures.status();
      row.llm = std::move(figures.value());
      row.users.assign(users.begin(), users.end());
      row.services.assign(services.begin(), services.end());
      if (Status s = budget_->spend(row.session_id.size() + 256); !s.is_ok()) return s;
      reply.sessions.push_back(std::move(row));
    }
    return wire::encode(reply);
  }
  // A page: turns newest first by end; a session's first turn met is its
  // newest here. One that also has a matching turn at or after the cursor was
  // on an earlier page (or is newer than it): passed over.
  Filter filter;
  add_turn_filters(filter, query);
  Filter newer;
  newer.add("st.session_id = ?", std::string());
  add_turn_filters(newer, query);
  if (query.cursor) {
    filter.add("(st.last_end_ns, st.session_id) < (?, ?)", query.cursor->last_ns, query.cursor->session_id);
    newer.add("(st.last_end_ns, st.session_id) >= (?, ?)", query.cursor->last_ns, query.cursor->session_id);
  }
  auto rows = db_->prepare("SELECT st.session_id, st.last_end_ns FROM session_traces st" + filter.where() +
                           " ORDER BY st.last_end_ns DESC, st.session_id DESC");
  if (!rows) return rows.status();
  filter.bind(*rows);
  Statement newer_check;
  if (query.cursor) {
    auto check = db_->prepare("SELECT 1 FROM session_traces st" + newer.where() + " LIMIT 1");
    if (!check) return check.status();
    newer_check = std::move(check.value());
  }
  std::unordered_set<std::string> seen(query.exclude.begin(), query.exclude.end());
  while (static_cast<int64_t>(reply.sessions.size()) < query.limit) {
    auto next = rows->step();
    if (!next) return next.status();
    if (!*next) break;
    if (Status s = budget_->check_time(); !s.is_ok()) return s;
    std::string session_id = rows->column_text(0);
    if (!seen.insert(session_id).second) continue;
    if (query.cursor) {
      newer_check.reset();
      newer.bind(newer_check);
      newer_check.bind_text(1, session_id);
      auto found = newer_check.step();
      if (!found) return found.status();
      if (*found) continue;
    }
    reply.sessions.push_back(wire::SessionRow{.session_id = std::move(session_id), .last_ns = rows->column_int(1)});
  }
  return wire::encode(reply);
}

Result<std::string> ShardReader::answer(const wire::SessionQuery& query) {
  auto turns = db_->prepare(
      "SELECT st.trace_id, st.root_name, st.service, st.user_id, st.services, st.first_start_ns, st.last_end_ns, st.error_count "
      "FROM session_traces st WHERE st.session_id = ? ORDER BY st.first_start_ns, st.trace_id LIMIT ?");
  if (!turns) return turns.status();
  turns->bind_text(1, query.session_id).bind(2, wire::kMaxSessionTurns + 1);
  wire::SessionReply reply;
  for (;;) {
    auto next = turns->step();
    if (!next) return next.status();
    if (!*next) break;
    if (Status s = budget_->check_time(); !s.is_ok()) return s;
    if (static_cast<int64_t>(reply.turns.size()) == wire::kMaxSessionTurns) {
      reply.truncated = true;
      break;
    }
    const std::string trace_id = turns->column_text(0);
    wire::SessionTurn turn;
    turn.trace_id = to_hex(trace_id);
    turn.root_name = turns->column_text(1);
    turn.root_service = turns->column_text(2);
    turn.user_id = turns->column_text(3);
    std::set<std::string> services;
    split_into(services, turns->column_text(4));
    turn.services.assign(services.begin(), services.end());
    turn.start_ns = turns->column_int(5);
    turn.end_ns = turns->column_int(6);
    turn.duration_ns = turn.end_ns - turn.start_ns;
    turn.error_count = turns->column_int(7);
    Filter one;
    one.add("trace_id = ?", std::vector<uint8_t>(trace_id.begin(), trace_id.end()));
    auto figures = llm_figures(*db_, "SELECT trace_id FROM traces" + one.where(), one);
    if (!figures) return figures.status();
    turn.llm = std::move(figures.value());
    if (turn.llm.calls > 0) {
      auto first = edge_generation(*db_, *bodies_, trace_id, false);
      if (!first) return first.status();
      if (*first) turn.user_message = last_of_role((*first)->input_messages, "user");
      auto last = edge_generation(*db_, *bodies_, trace_id, true);
      if (!last) return last.status();
      if (*last) turn.assistant_message = last_of_role((*last)->output_messages, "assistant");
    }
    uint64_t bytes = 512 + turn.user_message.value_or("").size() + turn.assistant_message.value_or("").size();
    if (Status s = budget_->spend(bytes); !s.is_ok()) return s;
    reply.turns.push_back(std::move(turn));
  }
  return wire::encode(reply);
}

}  // namespace spanline::indexer::query
