// QueryService's sessions (protocol/query/session_messages.h): partitioning is
// by trace, so a session's turns may sit in several partitions and every
// figure is a sum over them.
//
// A page newest first by last seen takes two asks. Each shard names its
// newest sessions after the cursor by their newest turn there; the api then
// asks every shard for the figures of exactly those sessions and orders them
// by their real last seen. A session whose newest turn is in another shard
// and at or after the cursor (it was on an earlier page) is passed over; when
// such sessions filled a shard's list, the page is asked again with them
// excluded, so none can push a session of this page out of it.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "stages/api/pricing/llm_cost.h"
#include "stages/api/query/query_service.h"

namespace spanline::api {

namespace wire = protocol::query;
using json = nlohmann::json;

namespace {

// A page is asked again at most this often with the sessions already shown excluded.
constexpr int kMaxPageRounds = 8;

void add(wire::LlmFigures& into, const wire::LlmFigures& more) {
  into.calls += more.calls;
  into.input_tokens += more.input_tokens;
  into.output_tokens += more.output_tokens;
  into.total_tokens += more.total_tokens;
  into.cost += more.cost;
  into.cost_calls += more.cost_calls;
  for (const wire::UnpricedTokens& u : more.unpriced) {
    auto same = std::find_if(into.unpriced.begin(), into.unpriced.end(),
                             [&](const wire::UnpricedTokens& v) { return v.model_group == u.model_group; });
    if (same == into.unpriced.end()) {
      into.unpriced.push_back(u);
      continue;
    }
    same->first_start_ns = std::min(same->first_start_ns, u.first_start_ns);
    same->calls += u.calls;
    same->input_tokens += u.input_tokens;
    same->output_tokens += u.output_tokens;
    same->cache_read_tokens += u.cache_read_tokens;
    same->has_input = same->has_input || u.has_input;
    same->has_output = same->has_output || u.has_output;
  }
}

// The figures as the API answers them: the sent cost plus what the price
// table prices (each model group at the price in effect at its first call
// here); no call with a cost: null, never 0.
json figures_json(const wire::LlmFigures& f, const PriceBook* prices) {
  double cost = f.cost;
  int64_t priced_calls = 0;
  if (prices) {
    for (const wire::UnpricedTokens& u : f.unpriced) {
      auto price = prices->price_at(u.model_group, u.first_start_ns);
      if (!price) continue;
      CallTokens tokens;
      if (u.has_input) tokens.input = u.input_tokens;
      if (u.has_output) tokens.output = u.output_tokens;
      tokens.cache_read = u.cache_read_tokens;
      if (auto priced = cost_at(tokens, price->price)) {
        cost += priced->total;
        priced_calls += u.calls;
      }
    }
  }
  return {{"llm_calls", f.calls},
          {"input_tokens", f.input_tokens},
          {"output_tokens", f.output_tokens},
          {"total_tokens", f.total_tokens},
          {"cost", f.cost_calls + priced_calls > 0 ? json(cost) : json(nullptr)},
          {"cost_calls", f.cost_calls},
          {"priced_calls", priced_calls}};
}

bool at_or_after(int64_t last_ns, const std::string& id, const wire::SessionCursor& cursor) {
  return std::tie(last_ns, id) >= std::tie(cursor.last_ns, cursor.session_id);
}

template <typename T, typename U>
Answer<T> failed(const Answer<U>& from) {
  return Answer<T>{.status = from.status, .missing = from.missing};
}

}  // namespace

Answer<SessionsPage> QueryService::sessions(const wire::SessionsQuery& query, const PriceBook* prices) {
  wire::SessionsQuery page = query;
  page.session_ids.clear();
  std::set<uint32_t> missing;
  std::map<std::string, wire::SessionRow> merged;  // the candidates' figures
  bool more = false;
  for (int round = 0; round < kMaxPageRounds; ++round) {
    auto candidates = ask_all<wire::SessionsReply>(page);
    if (!candidates.ok()) return failed<SessionsPage>(candidates);
    missing.insert(candidates.missing.begin(), candidates.missing.end());
    std::vector<std::string> ids;
    bool any_full = false;
    for (const auto& [partition, reply] : candidates.value) {
      any_full = any_full || static_cast<int64_t>(reply.sessions.size()) >= page.limit;
      for (const wire::SessionRow& row : reply.sessions) ids.push_back(row.session_id);
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    merged.clear();
    for (size_t from = 0; from < ids.size(); from += wire::kMaxSessionIds) {
      wire::SessionsQuery figures = query;
      figures.cursor.reset();
      figures.session_ids.assign(ids.begin() + from, ids.begin() + std::min(ids.size(), from + wire::kMaxSessionIds));
      auto replies = ask_all<wire::SessionsReply>(figures);
      if (!replies.ok()) return failed<SessionsPage>(replies);
      missing.insert(replies.missing.begin(), replies.missing.end());
      for (const auto& [partition, reply] : replies.value) {
        for (const wire::SessionRow& row : reply.sessions) {
          auto [entry, fresh] = merged.try_emplace(row.session_id, row);
          if (fresh) continue;
          wire::SessionRow& s = entry->second;
          s.first_start_ns = std::min(s.first_start_ns, row.first_start_ns);
          s.last_ns = std::max(s.last_ns, row.last_ns);
          s.turns += row.turns;
          s.error_turns += row.error_turns;
          s.users.insert(s.users.end(), row.users.begin(), row.users.end());
          s.services.insert(s.services.end(), row.services.begin(), row.services.end());
          add(s.llm, row.llm);
        }
      }
    }
    // Sessions newer than the cursor were shown already.
    std::vector<std::string> shown;
    if (query.cursor) {
      for (const auto& [id, row] : merged) {
        if (at_or_after(row.last_ns, id, *query.cursor)) shown.push_back(id);
      }
      for (const std::string& id : shown) merged.erase(id);
    }
    more = any_full || static_cast<int64_t>(merged.size()) > query.limit;
    if (shown.empty() || !any_full || page.exclude.size() + shown.size() > wire::kMaxSessionIds) break;
    page.exclude.insert(page.exclude.end(), shown.begin(), shown.end());
  }
  std::vector<wire::SessionRow> rows;
  for (auto& [id, row] : merged) rows.push_back(std::move(row));
  std::sort(rows.begin(), rows.end(), [](const wire::SessionRow& a, const wire::SessionRow& b) {
    return std::tie(a.last_ns, a.session_id) > std::tie(b.last_ns, b.session_id);
  });
  if (static_cast<int64_t>(rows.size()) > query.limit) rows.resize(static_cast<size_t>(query.limit));
  Answer<SessionsPage> answer{.missing = {missing.begin(), missing.end()}};
  for (wire::SessionRow& row : rows) {
    std::set<std::string> users(row.users.begin(), row.users.end()), services(row.services.begin(), row.services.end());
    json session = figures_json(row.llm, prices);
    session["session_id"] = row.session_id;
    session["first_seen_ns"] = row.first_start_ns;
    session["last_seen_ns"] = row.last_ns;
    session["turns"] = row.turns;
    session["error_turns"] = row.error_turns;
    session["users"] = std::vector<std::string>(users.begin(), users.end());
    session["services"] = std::vector<std::string>(services.begin(), services.end());
    answer.value.sessions.push_back(std::move(session));
  }
  if (more && static_cast<int64_t>(rows.size()) == query.limit && !rows.empty()) {
    answer.value.next = wire::SessionCursor{rows.back().last_ns, rows.back().session_id};
  }
  return answer;
}

Answer<json> QueryService::session(const wire::SessionQuery& query, const PriceBook* prices) {
  auto replies = ask_all<wire::SessionReply>(query);
  if (!replies.ok()) return failed<json>(replies);
  std::vector<wire::SessionTurn> turns;
  bool truncated = false;
  for (auto& [partition, reply] : replies.value) {
    truncated = truncated || reply.truncated;
    for (wire::SessionTurn& turn : reply.turns) turns.push_back(std::move(turn));
  }
  if (turns.empty()) {
    return {.status = Status(Code::not_found, "no session " + query.session_id), .missing = std::move(replies.missing)};
  }
  std::sort(turns.begin(), turns.end(), [](const wire::SessionTurn& a, const wire::SessionTurn& b) {
    return std::tie(a.start_ns, a.trace_id) < std::tie(b.start_ns, b.trace_id);
  });
  if (static_cast<int64_t>(turns.size()) > wire::kMaxSessionTurns) {
    turns.resize(static_cast<size_t>(wire::kMaxSessionTurns));
    truncated = true;
  }
  wire::LlmFigures total;
  std::set<std::string> users, services;
  int64_t error_turns = 0;
  double priced_total = 0;
  bool any_cost = false;
  json list = json::array();
  for (const wire::SessionTurn& t : turns) {
    add(total, t.llm);
    if (!t.user_id.empty()) users.insert(t.user_id);
    services.insert(t.services.begin(), t.services.end());
    if (t.error_count > 0) ++error_turns;
    json turn = figures_json(t.llm, prices);
    if (!turn["cost"].is_null()) {
      any_cost = true;
      priced_total += turn["cost"].get<double>();
    }
    turn["trace_id"] = t.trace_id;
    turn["root_name"] = t.root_name;
    turn["root_service"] = t.root_service;
    turn["services"] = t.services;
    turn["user_id"] = t.user_id.empty() ? json(nullptr) : json(t.user_id);
    turn["start_ns"] = t.start_ns;
    turn["end_ns"] = t.end_ns;
    turn["duration_ns"] = t.duration_ns;
    turn["error_count"] = t.error_count;
    turn["status"] = t.error_count > 0 ? "error" : "ok";
    turn["user_message"] = t.user_message ? json(*t.user_message) : json(nullptr);
    turn["assistant_message"] = t.assistant_message ? json(*t.assistant_message) : json(nullptr);
    list.push_back(std::move(turn));
  }
  // The totals' cost is the sum of the turns' (each turn's groups priced at its own first call).
  json totals = figures_json(total, nullptr);
  int64_t priced_calls = 0;
  for (const json& turn : list) priced_calls += turn["priced_calls"].get<int64_t>();
  totals["cost"] = any_cost ? json(priced_total) : json(nullptr);
  totals["priced_calls"] = priced_calls;
  totals["turns"] = static_cast<int64_t>(turns.size());
  totals["error_turns"] = error_turns;
  json body = {{"session_id", query.session_id},
               {"first_seen_ns", turns.front().start_ns},
               {"last_seen_ns", std::max_element(turns.begin(), turns.end(), [](const auto& a, const auto& b) { return a.end_ns < b.end_ns; })->end_ns},
               {"users", std::vector<std::string>(users.begin(), users.end())},
               {"services", std::vector<std::string>(services.begin(), services.end())},
               {"totals", std::move(totals)},
               {"turns", std::move(list)},
               {"truncated", truncated}};
  return {.value = std::move(body), .missing = std::move(replies.missing)};
}

}  // namespace spanline::api
