#include "stages/api/routes/search_filters.h"

#include <charconv>
#include <cmath>

#include "stages/api/routes/route_support.h"

namespace spanline::api {

namespace wire = protocol::query;

namespace {

// attr=key:value (equal), key>number, key<number, key>=n, key<=n. Several
// filters: repeat the parameter (each applies), or join them with ';', sent
// raw or as %3B (standard URL encoders send it encoded); a ';' or '\' inside a
// key or value is written '\;' or '\\'. Each filter is read on its own, and
// an error quotes the one that failed.
std::vector<std::string> split_filters(const std::string& decoded) {
  std::vector<std::string> parts(1);
  for (size_t i = 0; i < decoded.size(); ++i) {
    const char c = decoded[i];
    if (c == '\\' && i + 1 < decoded.size() && (decoded[i + 1] == ';' || decoded[i + 1] == '\\')) {
      parts.back() += decoded[++i];
    } else if (c == ';') {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  return parts;
}

// A filter as quoted in an error: whole, or its first 64 bytes.
std::string quoted(const std::string& filter) {
  return "'" + (filter.size() > 64 ? filter.substr(0, 64) + "..." : filter) + "'";
}

Result<wire::AttributeFilter> parse_attribute_filter(const std::string& text) {
  using Op = wire::AttributeFilter::Op;
  const std::string prefix = "parameter 'attr': filter " + quoted(text) + ": ";
  size_t at = text.find_first_of(":<>");
  if (at == std::string::npos || at == 0) {
    return Status(Code::invalid_argument, prefix + "expected key:value, key>number or key<number");
  }
  std::string key = text.substr(0, at);
  std::string op = text.substr(at, 1);
  std::string value = text.substr(at + 1);
  if (op != ":" && !value.empty() && value[0] == '=') {
    op += "=";
    value.erase(0, 1);
  }
  if (key.size() > 256 || value.size() > 4096) return Status(Code::invalid_argument, prefix + "key or value too long");
  wire::AttributeFilter filter{.key = key};
  if (op == ":") {
    filter.text = value;
    return filter;
  }
  double number = 0;
  auto [ptr, error] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (value.empty() || error != std::errc() || ptr != value.data() + value.size() || !std::isfinite(number)) {
    return Status(Code::invalid_argument, prefix + "'" + key + op + "' needs a number");
  }
  filter.op = op == ">" ? Op::greater : op == "<" ? Op::less : op == ">=" ? Op::greater_or_equal : Op::less_or_equal;
  filter.number = number;
  return filter;
}

Result<std::vector<wire::AttributeFilter>> parse_attribute_filters(const std::vector<std::string>& raw_values) {
  std::vector<wire::AttributeFilter> filters;
  for (const std::string& raw : raw_values) {
    auto decoded = percent_decode(raw, true);
    if (!decoded) return Status(Code::invalid_argument, "parameter 'attr': " + decoded.status().message());
    for (const std::string& part : split_filters(*decoded)) {
      if (part.empty()) continue;
      auto filter = parse_attribute_filter(part);
      if (!filter) return filter.status();
      filters.push_back(std::move(filter.value()));
      if (filters.size() > wire::kMaxAttributeFilters) {
        return Status(Code::invalid_argument,
                      "parameter 'attr': at most " + std::to_string(wire::kMaxAttributeFilters) + " attribute filters");
      }
    }
  }
  return filters;
}

}  // namespace

Result<std::vector<wire::AttributeFilter>> attribute_filters(const ApiRequest& request) {
  // Every `attr` as sent (raw_query alone when the request was not read from a request line: tests, fuzzing).
  std::vector<std::string> attrs;
  if (auto all = request.raw_query_all.find("attr"); all != request.raw_query_all.end()) attrs = all->second;
  else if (auto one = request.raw_query.find("attr"); one != request.raw_query.end()) attrs = {one->second};
  if (attrs.empty()) return std::vector<wire::AttributeFilter>{};
  return parse_attribute_filters(attrs);
}

Result<wire::SearchQuery> search_filters(const ApiRequest& request, bool with_paging) {
  QueryParams params(request.query);
  std::vector<std::string_view> known = {"service", "operation", "start", "end", "lookback", "min_duration",
                                         "max_duration", "errors", "attr", "q", "session_id", "user_id"};
  if (with_paging) {
    known.push_back("limit");
    known.push_back("cursor");
  }
  if (Status s = params.only(known); !s.is_ok()) return s;
  auto window = read_window(params);
  if (!window) return window.status();
  wire::SearchQuery query;
  query.from_ns = window->from_ns;
  query.to_ns = window->to_ns;
  auto service = params.text("service", 1, 512);
  auto operation = params.text("operation", 1, 1024);
  auto q = params.text("q", 3, 512);
  auto min_duration = params.duration("min_duration");
  auto max_duration = params.duration("max_duration");
  auto errors = params.boolean("errors");
  if (!q) return Status(Code::invalid_argument, q.status().message() + " (full-text search matches substrings of 3 or more characters)");
  for (const Status& s : {service.status(), operation.status(), min_duration.status(), max_duration.status(), errors.status()}) {
    if (!s.is_ok()) return s;
  }
  query.service = *service;
  query.operation = *operation;
  query.text = *q;
  if (*min_duration) query.min_duration_ns = (*min_duration)->count();
  if (*max_duration) query.max_duration_ns = (*max_duration)->count();
  query.errors_only = *errors && **errors;
  // A session's traces, a user's traces (stages/indexer/sessions/).
  auto session_id = params.text("session_id", 1, 1024);
  if (!session_id) return session_id.status();
  auto user_id = params.text("user_id", 1, 1024);
  if (!user_id) return user_id.status();
  query.session_id = *session_id;
  query.user_id = *user_id;
  auto filters = attribute_filters(request);
  if (!filters) return filters.status();
  query.attributes = std::move(filters.value());
  if (with_paging) {
    auto limit = params.integer("limit", 1, wire::kMaxLimit);
    if (!limit) return limit.status();
    query.limit = limit->value_or(wire::kDefaultLimit);
    if (auto cursor = params.text("cursor")) {
      auto parsed = wire::trace_cursor_from_text(*cursor);
      if (!parsed) return parsed.status();
      query.cursor = std::move(parsed.value());
    }
  }
  return query;
}

}  // namespace spanline::api
