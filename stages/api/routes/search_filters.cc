#include "stages/api/routes/search_filters.h"

#include <charconv>
#include <cmath>

#include "stages/api/routes/route_support.h"

namespace spanline::api {

namespace wire = protocol::query;

namespace {

// attr=key:value (equal), attr=key>number, key<number, key>=n, key<=n; several
// filters in one parameter are separated by ';' (a ';' inside a value is sent
// as %3B). Pistache 0.0.5 keeps only the first of repeated query keys, so the
// separator is how several attribute filters arrive together.
Result<std::vector<wire::AttributeFilter>> parse_attribute_filters(const std::string& raw) {
  using Op = wire::AttributeFilter::Op;
  std::vector<wire::AttributeFilter> filters;
  size_t begin = 0;
  while (begin <= raw.size()) {
    size_t end = raw.find(';', begin);
    if (end == std::string::npos) end = raw.size();
    std::string_view encoded(raw.data() + begin, end - begin);
    begin = end + 1;
    if (encoded.empty()) continue;
    auto part = percent_decode(encoded, true);
    if (!part) return Status(Code::invalid_argument, "parameter 'attr': " + part.status().message());
    size_t at = part->find_first_of(":<>");
    if (at == std::string::npos || at == 0) {
      return Status(Code::invalid_argument, "parameter 'attr': expected key:value, key>number or key<number");
    }
    std::string key = part->substr(0, at);
    std::string op = part->substr(at, 1);
    std::string value = part->substr(at + 1);
    if (op != ":" && !value.empty() && value[0] == '=') {
      op += "=";
      value.erase(0, 1);
    }
    if (key.size() > 256 || value.size() > 4096) return Status(Code::invalid_argument, "parameter 'attr': key or value too long");
    wire::AttributeFilter filter{.key = key};
    if (op == ":") {
      filter.text = value;
    } else {
      double number = 0;
      auto [ptr, error] = std::from_chars(value.data(), value.data() + value.size(), number);
      if (value.empty() || error != std::errc() || ptr != value.data() + value.size() || !std::isfinite(number)) {
        return Status(Code::invalid_argument, "parameter 'attr': '" + key + op + "' needs a number");
      }
      filter.op = op == ">" ? Op::greater : op == "<" ? Op::less : op == ">=" ? Op::greater_or_equal : Op::less_or_equal;
      filter.number = number;
    }
    filters.push_back(std::move(filter));
    if (filters.size() > wire::kMaxAttributeFilters) {
      return Status(Code::invalid_argument, "parameter 'attr': at most " + std::to_string(wire::kMaxAttributeFilters) + " attribute filters");
    }
  }
  return filters;
}

}  // namespace

Result<wire::SearchQuery> search_filters(const ApiRequest& request, bool with_paging) {
  QueryParams params(request.query);
  std::vector<std::string_view> known = {"service", "operation", "start", "end", "lookback", "min_duration",
                                         "max_duration", "errors", "attr", "q"};
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
  if (auto raw = request.raw_query.find("attr"); raw != request.raw_query.end()) {
    auto filters = parse_attribute_filters(raw->second);
    if (!filters) return filters.status();
    query.attributes = std::move(filters.value());
  }
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
