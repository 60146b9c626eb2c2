#pragma once
// OTLP values as the index stores them, shared by the span decoder and the
// log decoder (stages/indexer/logs/): an AnyValue or a list of attributes as
// JSON (bytes as {"$bytes": hex}, NaN and the infinities as the strings
// OTLP/JSON writes), attributes as typed rows, a value looked up by key, and
// a request's resource and scope, bounded (span_bounds.h) and parsed.
//
// Threads: free functions on values; any thread.

#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/repeated_ptr_field.h>
#include <nlohmann/json.hpp>

#include "base/status.h"
#include "opentelemetry/proto/common/v1/common.pb.h"
#include "protocol/span_limits.h"
#include "stages/indexer/span_bounds.h"
#include "stages/indexer/span_record.h"

namespace spanline::indexer {

using Attributes = google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>;

// "NaN", "Infinity" or "-Infinity" for a value that is not finite.
std::string_view non_finite_name(double value);
nlohmann::json to_json(const opentelemetry::proto::common::v1::AnyValue& value);
nlohmann::json to_json(const Attributes& attributes);
// Compact JSON text; invalid UTF-8 is replaced rather than thrown on.
std::string dump(const nlohmann::json& value);
// One typed row per attribute (values of an unset type are skipped).
void add_rows(const Attributes& attributes, bool on_event, std::vector<AttributeRow>& rows);
// The value of `key`, nullptr when absent.
const opentelemetry::proto::common::v1::AnyValue* find(const Attributes& attributes, std::string_view key);
// A string value as it is, any other value as JSON text; empty when absent.
std::string string_of(const Attributes& attributes, std::string_view key);

// What every record below a resource shares.
struct ResourceFacts {
  std::string service = "unknown_service";  // service.name
  std::string attributes_json = "{}";
  std::string schema_url;  // the ResourceSpans' (ResourceLogs') schema_url
  uint32_t dropped_attributes_count = 0;
};
// What every record below a scope shares: its name, version and `scope`
// document: the instrumentation scope, and what OTLP says beside it that has
// no column: the scope's and the resource's schema_url and dropped attribute
// counts (the resource column holds its attributes alone). Those four are
// written only when set, so a document written before they were kept reads
// the same as one without them: absent means empty or 0.
struct ScopeFacts {
  std::string name, version, json;
};
// The resource's bytes cut to the limits (what was left out added to
// `dropped`) and parsed; invalid_argument when they do not parse.
Status read_resource(std::string_view bytes, std::string_view schema_url, const SpanLimits& limits, std::string& scratch,
                     uint64_t& dropped, ResourceFacts& out);
Status read_scope(std::string_view bytes, std::string_view schema_url, const ResourceFacts& resource, const SpanLimits& limits,
                  std::string& scratch, uint64_t& dropped, ScopeFacts& out);
// A walk (walk_export_request) whose resource and scope steps fill `resource`
// and `scope` with read_resource and read_scope; the caller sets its record
// step. Everything is taken by reference and must outlive the walk.
RequestVisitor resource_and_scope_visitor(const SpanLimits& limits, std::string& scratch, uint64_t& dropped, ResourceFacts& resource,
                                          ScopeFacts& scope);

}  // namespace spanline::indexer
