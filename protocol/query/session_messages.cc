#include "protocol/query/session_messages.h"

#include <algorithm>
#include <charconv>

#include "base/hex.h"
#include "protocol/query/query_messages.h"

namespace spanline::protocol::query {
namespace {

std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

template <typename T>
std::optional<T> optional_of(const json& params, const char* key) {
  if (!params.contains(key)) return std::nullopt;
  return params.at(key).get<T>();
}

std::vector<std::string> ids_of(const json& params, const char* key) {
  std::vector<std::string> ids = params.value(key, std::vector<std::string>{});
  if (ids.size() > kMaxSessionIds) ids.resize(kMaxSessionIds);
  return ids;
}

json optional_json(const std::optional<std::string>& text) { return text ? json(*text) : json(nullptr); }
std::optional<std::string> optional_text(const json& value, const char* key) {
  auto it = value.find(key);
  if (it == value.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

template <typename Reply, typename Read>
Result<Reply> read(std::string_view data, std::string_view kind, Read read_value) {
  json value = json::parse(data, nullptr, false);
  if (value.is_discarded() || !value.is_object()) return Status(Code::internal, "indexer sent a malformed " + std::string(kind) + " answer");
  try {
    Reply reply;
    read_value(value, reply);
    return reply;
  } catch (const json::exception&) {
    return Status(Code::internal, "indexer sent a malformed " + std::string(kind) + " answer");
  }
}

}  // namespace

std::string to_text(const SessionCursor& cursor) { return std::to_string(cursor.last_ns) + "." + to_hex(cursor.session_id); }

Result<SessionCursor> session_cursor_from_text(std::string_view text) {
  const Status invalid(Code::invalid_argument, "parameter 'cursor': not a cursor this api gave out");
  auto dot = text.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot > 20) return invalid;
  SessionCursor cursor;
  auto [end, error] = std::from_chars(text.data(), text.data() + dot, cursor.last_ns);
  if (error != std::errc() || end != text.data() + dot) return invalid;
  auto id = from_hex(text.substr(dot + 1));
  if (!id || id->empty()) return invalid;
  cursor.session_id = std::move(*id);
  return cursor;
}

json params_of(const SessionsQuery& q) {
  json params = json::object();
  if (q.from_ns) params["from_ns"] = *q.from_ns;
  if (q.to_ns) params["to_ns"] = *q.to_ns;
  if (q.service) params["service"] = *q.service;
  if (q.user_id) params["user_id"] = *q.user_id;
  if (q.id_prefix) params["id_prefix"] = *q.id_prefix;
  params["limit"] = q.limit;
  if (q.cursor) params["cursor"] = {{"last_ns", q.cursor->last_ns}, {"session_id", q.cursor->session_id}};
  if (!q.exclude.empty()) params["exclude"] = q.exclude;
  if (!q.session_ids.empty()) params["session_ids"] = q.session_ids;
  return params;
}

json params_of(const SessionQuery& q) { return {{"session_id", q.session_id}}; }

Result<SessionsQuery> sessions_query_from(const json& params) {
  try {
    SessionsQuery q;
    q.from_ns = optional_of<int64_t>(params, "from_ns");
    q.to_ns = optional_of<int64_t>(params, "to_ns");
    q.service = optional_of<std::string>(params, "service");
    q.user_id = optional_of<std::string>(params, "user_id");
    q.id_prefix = optional_of<std::string>(params, "id_prefix");
    if (q.id_prefix && q.id_prefix->size() > kMaxSessionPrefix) q.id_prefix->resize(kMaxSessionPrefix);
    q.limit = std::clamp<int64_t>(params.value("limit", kDefaultLimit), 1, kMaxLimit);
    if (params.contains("cursor")) {
      const json& cursor = params.at("cursor");
      q.cursor = SessionCursor{cursor.at("last_ns").get<int64_t>(), cursor.at("session_id").get<std::string>()};
    }
    q.exclude = ids_of(params, "exclude");
    q.session_ids = ids_of(params, "session_ids");
    return q;
  } catch (const json::exception& e) {
    return Status(Code::invalid_argument, std::string("bad query parameter: ") + e.what());
  }
}

Result<SessionQuery> session_query_from(const json& params) {
  try {
    return SessionQuery{params.at("session_id").get<std::string>()};
  } catch (const json::exception& e) {
    return Status(Code::invalid_argument, std::string("bad query parameter: ") + e.what());
  }
}

json to_json(const LlmFigures& f) {
  json unpriced = json::array();
  for (const UnpricedTokens& u : f.unpriced) {
    unpriced.push_back({{"model_group", u.model_group}, {"first_start_ns", u.first_start_ns}, {"calls", u.calls},
                        {"input_tokens", u.input_tokens}, {"output_tokens", u.output_tokens},
                        {"cache_read_tokens", u.cache_read_tokens}, {"has_input", u.has_input}, {"has_output", u.has_output}});
  }
  return {{"calls", f.calls}, {"input_tokens", f.input_tokens}, {"output_tokens", f.output_tokens},
          {"total_tokens", f.total_tokens}, {"cost", f.cost}, {"cost_calls", f.cost_calls}, {"unpriced", std::move(unpriced)}};
}

LlmFigures llm_figures_from(const json& v) {
  LlmFigures f;
  f.calls = v.at("calls").get<int64_t>();
  f.input_tokens = v.at("input_tokens").get<int64_t>();
  f.output_tokens = v.at("output_tokens").get<int64_t>();
  f.total_tokens = v.at("total_tokens").get<int64_t>();
  f.cost = v.at("cost").get<double>();
  f.cost_calls = v.at("cost_calls").get<int64_t>();
  for (const json& u : v.at("unpriced")) {
    f.unpriced.push_back({u.at("model_group").get<std::string>(), u.at("first_start_ns").get<int64_t>(), u.at("calls").get<int64_t>(),
                          u.at("input_tokens").get<int64_t>(), u.at("output_tokens").get<int64_t>(),
                          u.at("cache_read_tokens").get<int64_t>(), u.at("has_input").get<bool>(), u.at("has_output").get<bool>()});
  }
  return f;
}

std::string encode(const SessionsReply& reply) {
  json sessions = json::array();
  for (const SessionRow& s : reply.sessions) {
    sessions.push_back({{"session_id", s.session_id}, {"first_start_ns", s.first_start_ns}, {"last_ns", s.last_ns},
                        {"turns", s.turns}, {"error_turns", s.error_turns}, {"users", s.users}, {"services", s.services},
                        {"llm", to_json(s.llm)}});
  }
  return dump(json{{"sessions", std::move(sessions)}});
}

std::string encode(const SessionReply& reply) {
  json turns = json::array();
  for (const SessionTurn& t : reply.turns) {
    turns.push_back({{"trace_id", t.trace_id}, {"root_name", t.root_name}, {"root_service", t.root_service},
                     {"user_id", t.user_id}, {"services", t.services}, {"start_ns", t.start_ns}, {"end_ns", t.end_ns},
                     {"duration_ns", t.duration_ns}, {"error_count", t.error_count}, {"llm", to_json(t.llm)},
                     {"user_message", optional_json(t.user_message)}, {"assistant_message", optional_json(t.assistant_message)}});
  }
  return dump(json{{"turns", std::move(turns)}, {"truncated", reply.truncated}});
}

template <>
Result<SessionsReply> decode(std::string_view data) {
  return read<SessionsReply>(data, "sessions", [](const json& value, SessionsReply& reply) {
    for (const json& s : value.at("sessions")) {
      SessionRow row;
      row.session_id = s.at("session_id").get<std::string>();
      row.first_start_ns = s.at("first_start_ns").get<int64_t>();
      row.last_ns = s.at("last_ns").get<int64_t>();
      row.turns = s.at("turns").get<int64_t>();
      row.error_turns = s.at("error_turns").get<int64_t>();
      row.users = s.at("users").get<std::vector<std::string>>();
      row.services = s.at("services").get<std::vector<std::string>>();
      row.llm = llm_figures_from(s.at("llm"));
      reply.sessions.push_back(std::move(row));
    }
  });
}

template <>
Result<SessionReply> decode(std::string_view data) {
  return read<SessionReply>(data, "session", [](const json& value, SessionReply& reply) {
    reply.truncated = value.at("truncated").get<bool>();
    for (const json& t : value.at("turns")) {
      SessionTurn turn;
      turn.trace_id = t.at("trace_id").get<std::string>();
      turn.root_name = t.at("root_name").get<std::string>();
      turn.root_service = t.at("root_service").get<std::string>();
      turn.user_id = t.at("user_id").get<std::string>();
      turn.services = t.at("services").get<std::vector<std::string>>();
      turn.start_ns = t.at("start_ns").get<int64_t>();
      turn.end_ns = t.at("end_ns").get<int64_t>();
      turn.duration_ns = t.at("duration_ns").get<int64_t>();
      turn.error_count = t.at("error_count").get<int64_t>();
      turn.llm = llm_figures_from(t.at("llm"));
      turn.user_message = optional_text(t, "user_message");
      turn.assistant_message = optional_text(t, "assistant_message");
      reply.turns.push_back(std::move(turn));
    }
  });
}

}  // namespace spanline::protocol::query
