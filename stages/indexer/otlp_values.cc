#include "stages/indexer/otlp_values.h"

#include <cmath>

#include "base/hex.h"
#include "opentelemetry/proto/resource/v1/resource.pb.h"
#include "stages/indexer/span_bounds.h"

namespace spanline::indexer {

using nlohmann::json;
using opentelemetry::proto::common::v1::AnyValue;

// JSON has no NaN or infinities (a JSON writer turns them into null). The
// OTLP/JSON encoding, protobuf's JSON mapping, writes them as these strings, and
// so does the index: a double attribute comes back as what was sent.
std::string_view non_finite_name(double value) {
  if (std::isnan(value)) return "NaN";
  return value > 0 ? "Infinity" : "-Infinity";
}

namespace {

json double_json(double value) {
  if (std::isfinite(value)) return value;
  return non_finite_name(value);
}

}  // namespace

json to_json(const AnyValue& value) {
  switch (value.value_case()) {
    case AnyValue::kStringValue: return value.string_value();
    case AnyValue::kBoolValue: return value.bool_value();
    case AnyValue::kIntValue: return value.int_value();
    case AnyValue::kDoubleValue: return double_json(value.double_value());
    case AnyValue::kArrayValue: {
      json array = json::array();
      for (const auto& item : value.array_value().values()) array.push_back(to_json(item));
      return array;
    }
    case AnyValue::kKvlistValue: {
      json object = json::object();
      for (const auto& kv : value.kvlist_value().values()) object[kv.key()] = to_json(kv.value());
      return object;
    }
    case AnyValue::kBytesValue: return json{{"$bytes", to_hex(value.bytes_value())}};
    default: return nullptr;
  }
}

json to_json(const Attributes& attributes) {
  json object = json::object();
  for (const auto& kv : attributes) object[kv.key()] = to_json(kv.value());
  return object;
}

std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

void add_rows(const Attributes& attributes, bool on_event, std::vector<AttributeRow>& rows) {
  for (const auto& kv : attributes) {
    AttributeRow row;
    row.key = kv.key();
    row.on_event = on_event;
    const AnyValue& value = kv.value();
    switch (value.value_case()) {
      case AnyValue::kStringValue:
        row.type = ValueType::string;
        row.text = value.string_value();
        break;
      case AnyValue::kBoolValue:
        row.type = ValueType::boolean;
        row.number = value.bool_value() ? 1 : 0;
        row.text = value.bool_value() ? "true" : "false";
        break;
      case AnyValue::kIntValue:
        row.type = ValueType::integer;
        row.number = static_cast<double>(value.int_value());
        row.text = std::to_string(value.int_value());
        break;
      case AnyValue::kDoubleValue:
        row.type = ValueType::floating;
        row.number = value.double_value();  // a NaN is stored as NULL by SQLite, so no numeric filter matches it
        row.text = std::isfinite(value.double_value()) ? dump(value.double_value()) : std::string(non_finite_name(value.double_value()));
        break;
      case AnyValue::kArrayValue:
        row.type = ValueType::array;
        row.text = dump(to_json(value));
        break;
      case AnyValue::kKvlistValue:
        row.type = ValueType::kvlist;
        row.text = dump(to_json(value));
        break;
      case AnyValue::kBytesValue:
        row.type = ValueType::bytes;
        row.text = to_hex(value.bytes_value());
        break;
      default: continue;
    }
    rows.push_back(std::move(row));
  }
}

const AnyValue* find(const Attributes& attributes, std::string_view key) {
  for (const auto& kv : attributes) {
    if (kv.key() == key) return &kv.value();
  }
  return nullptr;
}

std::string string_of(const Attributes& attributes, std::string_view key) {
  const AnyValue* value = find(attributes, key);
  if (value == nullptr) return {};
  if (value->has_string_value()) return value->string_value();
  return dump(to_json(*value));
}

Status read_resource(std::string_view bytes, std::string_view schema_url, const SpanLimits& limits, std::string& scratch,
                     uint64_t& dropped, ResourceFacts& out) {
  uint64_t left_out = 0;
  auto bounded = bound_resource(bytes, limits, scratch, left_out);
  if (!bounded) return bounded.status();
  dropped += left_out;
  opentelemetry::proto::resource::v1::Resource resource;
  if (!resource.ParseFromArray(bounded->data(), static_cast<int>(bounded->size()))) {
    return Status(Code::invalid_argument, "a resource in the WAL entry does not parse");
  }
  out.service = string_of(resource.attributes(), "service.name");
  if (out.service.empty()) out.service = "unknown_service";
  out.attributes_json = dump(to_json(resource.attributes()));
  out.schema_url = schema_url;
  out.dropped_attributes_count = resource.dropped_attributes_count();
  return Status::ok();
}

Status read_scope(std::string_view bytes, std::string_view schema_url, const ResourceFacts& resource, const SpanLimits& limits,
                  std::string& scratch, uint64_t& dropped, ScopeFacts& out) {
  uint64_t left_out = 0;
  auto bounded = bound_scope(bytes, limits, scratch, left_out);
  if (!bounded) return bounded.status();
  dropped += left_out;
  opentelemetry::proto::common::v1::InstrumentationScope scope;
  if (!scope.ParseFromArray(bounded->data(), static_cast<int>(bounded->size()))) {
    return Status(Code::invalid_argument, "a scope in the WAL entry does not parse");
  }
  json document = {{"name", scope.name()}, {"version", scope.version()}, {"attributes", to_json(scope.attributes())}};
  if (scope.dropped_attributes_count() > 0) document["dropped_attributes_count"] = scope.dropped_attributes_count();
  if (!schema_url.empty()) document["schema_url"] = schema_url;
  if (!resource.schema_url.empty()) document["resource_schema_url"] = resource.schema_url;
  if (resource.dropped_attributes_count > 0) document["resource_dropped_attributes_count"] = resource.dropped_attributes_count;
  out.name = scope.name();
  out.version = scope.version();
  out.json = dump(document);
  return Status::ok();
}

RequestVisitor resource_and_scope_visitor(const SpanLimits& limits, std::string& scratch, uint64_t& dropped, ResourceFacts& resource,
                                          ScopeFacts& scope) {
  RequestVisitor visitor;
  visitor.resource = [&limits, &scratch, &dropped, &resource](std::string_view bytes, std::string_view schema_url) {
    return read_resource(bytes, schema_url, limits, scratch, dropped, resource);
  };
  visitor.scope = [&limits, &scratch, &dropped, &resource, &scope](std::string_view bytes, std::string_view schema_url) {
    return read_scope(bytes, schema_url, resource, limits, scratch, dropped, scope);
  };
  return visitor;
}

}  // namespace spanline::indexer
