#include "stages/gateway/http/otlp_json.h"

#include <google/protobuf/util/json_util.h>

#include <nlohmann/json.hpp>

#include "base/hex.h"
#include "base/json_depth.h"

namespace spanline::gateway {
namespace {

using nlohmann::json;

std::string base64(const std::string& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                 static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == bytes.size()) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

// Rewrites object[key] from hex to base64 in place; `where` names it in errors.
Status rewrite_id(json& object, const char* key, const std::string& where) {
  if (!object.is_object()) return Status::ok();
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return Status::ok();
  if (!it->is_string()) return Status(Code::invalid_argument, where + "." + key + " must be a hex string");
  const std::string& hex = it->get_ref<const std::string&>();
  auto bytes = from_hex(hex);
  if (!bytes) return Status(Code::invalid_argument, where + "." + key + " is not valid hex: '" + hex.substr(0, 40) + "'");
  *it = base64(*bytes);
  return Status::ok();
}

// Accepts both lowerCamelCase (the specification) and snake_case field names.
json* member(json& object, const char* camel, const char* snake) {
  if (!object.is_object()) return nullptr;
  if (auto it = object.find(camel); it != object.end()) return &*it;
  if (auto it = object.find(snake); it != object.end()) return &*it;
  return nullptr;
}

template <typename Visit>
Status for_each(json* array, const Visit& visit) {
  if (array == nullptr || !array->is_array()) return Status::ok();
  for (size_t i = 0; i < array->size(); ++i) {
    if (Status s = visit((*array)[i], i); !s.is_ok()) return s;
  }
  return Status::ok();
}

Status rewrite_id_pair(json& object, const char* camel, const char* snake, const std::string& where) {
  if (Status s = rewrite_id(object, camel, where); !s.is_ok()) return s;
  return rewrite_id(object, snake, where);
}

Status rewrite_trace_ids(json& root) {
  return for_each(member(root, "resourceSpans", "resource_spans"), [](json& resource, size_t r) {
    return for_each(member(resource, "scopeSpans", "scope_spans"), [&](json& scope, size_t s) {
      return for_each(member(scope, "spans", "spans"), [&](json& span, size_t i) {
        std::string where = "resourceSpans[" + std::to_string(r) + "].scopeSpans[" + std::to_string(s) + "].spans[" +
                            std::to_string(i) + "]";
        for (auto [camel, snake] : {std::pair{"traceId", "trace_id"}, {"spanId", "span_id"}, {"parentSpanId", "parent_span_id"}}) {
          if (Status st = rewrite_id_pair(span, camel, snake, where); !st.is_ok()) return st;
        }
        return for_each(member(span, "links", "links"), [&](json& link, size_t l) {
          std::string link_where = where + ".links[" + std::to_string(l) + "]";
          if (Status st = rewrite_id_pair(link, "traceId", "trace_id", link_where); !st.is_ok()) return st;
          return rewrite_id_pair(link, "spanId", "span_id", link_where);
        });
      });
    });
  });
}

Status rewrite_log_ids(json& root) {
  return for_each(member(root, "resourceLogs", "resource_logs"), [](json& resource, size_t r) {
    return for_each(member(resource, "scopeLogs", "scope_logs"), [&](json& scope, size_t s) {
      return for_each(member(scope, "logRecords", "log_records"), [&](json& record, size_t i) {
        std::string where = "resourceLogs[" + std::to_string(r) + "].scopeLogs[" + std::to_string(s) + "].logRecords[" +
                            std::to_string(i) + "]";
        if (Status st = rewrite_id_pair(record, "traceId", "trace_id", where); !st.is_ok()) return st;
        return rewrite_id_pair(record, "spanId", "span_id", where);
      });
    });
  });
}

Status rewrite_exemplar_ids(json& points, const std::string& where) {
  return for_each(&points, [&](json& point, size_t p) {
    return for_each(member(point, "exemplars", "exemplars"), [&](json& exemplar, size_t e) {
      std::string at = where + ".dataPoints[" + std::to_string(p) + "].exemplars[" + std::to_string(e) + "]";
      if (Status st = rewrite_id_pair(exemplar, "traceId", "trace_id", at); !st.is_ok()) return st;
      return rewrite_id_pair(exemplar, "spanId", "span_id", at);
    });
  });
}

Status rewrite_metric_ids(json& root) {
  return for_each(member(root, "resourceMetrics", "resource_metrics"), [](json& resource, size_t) {
    return for_each(member(resource, "scopeMetrics", "scope_metrics"), [&](json& scope, size_t) {
      return for_each(member(scope, "metrics", "metrics"), [&](json& metric, size_t m) {
        for (const char* kind : {"gauge", "sum", "histogram", "exponentialHistogram", "exponential_histogram", "summary"}) {
          json* data = member(metric, kind, kind);
          if (data == nullptr) continue;
          json* points = member(*data, "dataPoints", "data_points");
          if (points == nullptr) continue;
          if (Status st = rewrite_exemplar_ids(*points, "metrics[" + std::to_string(m) + "]"); !st.is_ok()) return st;
        }
        return Status::ok();
      });
    });
  });
}

Status parse_with(std::string_view body, google::protobuf::Message& out, Status (*rewrite)(json&)) {
  // root.dump() below recurses once per level. protobuf refuses more than 100
  // nested messages anyway, which JSON writes in at most about 200 levels.
  constexpr int kMaxDepth = 256;
  if (json_nests_deeper_than(body, kMaxDepth)) {
    return Status(Code::invalid_argument, "the JSON nests deeper than " + std::to_string(kMaxDepth) + " levels");
  }
  json root = json::parse(body.begin(), body.end(), nullptr, false);
  if (root.is_discarded()) return Status(Code::invalid_argument, "the body is not valid JSON");
  if (!root.is_object()) return Status(Code::invalid_argument, "the body must be a JSON object");
  if (Status rewritten = rewrite(root); !rewritten.is_ok()) return rewritten;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  auto status = google::protobuf::util::JsonStringToMessage(root.dump(), &out, options);
  if (!status.ok()) {
    return Status(Code::invalid_argument, "the JSON does not match the OTLP schema: " + std::string(status.message()));
  }
  return Status::ok();
}

}  // namespace

Status parse_traces_json(std::string_view body, opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& out) {
  return parse_with(body, out, rewrite_trace_ids);
}

Status parse_logs_json(std::string_view body, opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest& out) {
  return parse_with(body, out, rewrite_log_ids);
}

Status parse_metrics_json(std::string_view body,
                          opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest& out) {
  return parse_with(body, out, rewrite_metric_ids);
}

std::string to_json(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

}  // namespace spanline::gateway
