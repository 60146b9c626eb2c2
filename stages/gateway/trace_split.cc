#include "stages/gateway/trace_split.h"

#include <cstdint>
#include <map>

#include "protocol/wal/partitions.h"

namespace spanline::gateway {
namespace {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::trace::v1::Span;

constexpr int kReasonsKept = 3;

// At most `max_bytes` of `text`, never ending inside a UTF-8 sequence: the
// message goes back in a protobuf string field, and clients (the Collector,
// grpc++) refuse a reply whose strings are not valid UTF-8.
std::string utf8_prefix(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;  // back to a lead byte
  return text.substr(0, end);
}

bool all_zero(const std::string& bytes) {
  for (char c : bytes) {
    if (c != 0) return false;
  }
  return true;
}

// Empty when the span is valid, else why not.
std::string invalid_reason(const Span& span) {
  if (span.trace_id().size() != 16) return "trace_id must be 16 bytes, got " + std::to_string(span.trace_id().size());
  if (all_zero(span.trace_id())) return "trace_id is all zeroes";
  if (span.span_id().size() != 8) return "span_id must be 8 bytes, got " + std::to_string(span.span_id().size());
  if (all_zero(span.span_id())) return "span_id is all zeroes";
  if (!span.parent_span_id().empty() && span.parent_span_id().size() != 8)
    return "parent_span_id must be empty or 8 bytes, got " + std::to_string(span.parent_span_id().size());
  // The index keeps times as signed 64-bit nanoseconds, which end in April 2262.
  constexpr uint64_t kLastNanosecond = static_cast<uint64_t>(INT64_MAX);
  if (span.start_time_unix_nano() > kLastNanosecond) return "start_time_unix_nano is past the year 2262";
  if (span.end_time_unix_nano() > kLastNanosecond) return "end_time_unix_nano is past the year 2262";
  if (span.end_time_unix_nano() < span.start_time_unix_nano()) return "end_time_unix_nano is before start_time_unix_nano";
  return {};
}

}  // namespace

SplitTraces split_traces(ExportTraceServiceRequest& request, uint32_t partitions, std::string original_bytes) {
  SplitTraces result;
  partitions = partitions == 0 ? 1 : partitions;
  // First pass: validate and find each span's partition.
  std::vector<int32_t> partition_of_span;
  std::vector<uint64_t> per_partition(partitions, 0);
  int reasons = 0;
  for (const auto& resource_spans : request.resource_spans()) {
    for (const auto& scope_spans : resource_spans.scope_spans()) {
      for (const Span& span : scope_spans.spans()) {
        std::string reason = invalid_reason(span);
        if (!reason.empty()) {
          partition_of_span.push_back(-1);
          ++result.rejected;
          if (reasons++ < kReasonsKept) {
            if (!result.rejected_message.empty()) result.rejected_message += "; ";
            result.rejected_message += "span '" + utf8_prefix(span.name(), 64) + "': " + reason;
          }
          continue;
        }
        uint32_t partition = wal::partition_of(span.trace_id(), partitions);
        partition_of_span.push_back(static_cast<int32_t>(partition));
        ++per_partition[partition];
        ++result.accepted;
      }
    }
  }
  if (reasons > kReasonsKept) result.rejected_message += "; and " + std::to_string(reasons - kReasonsKept) + " more";
  if (result.accepted == 0) return result;

  uint32_t used = 0;
  uint32_t only = 0;
  for (uint32_t p = 0; p < partitions; ++p) {
    if (per_partition[p] > 0) {
      ++used;
      only = p;
    }
  }
  if (used == 1 && result.rejected == 0) {
    wal::WalPart part{only, bus::SignalKind::traces, result.accepted, std::move(original_bytes)};
    if (part.bytes.empty()) request.SerializeToString(&part.bytes);
    result.parts.push_back(std::move(part));
    return result;
  }

  // Second pass: move each valid span into its partition's request, copying
  // the resource and scope it came with.
  std::map<uint32_t, ExportTraceServiceRequest> split;
  size_t index = 0;
  for (auto& resource_spans : *request.mutable_resource_spans()) {
    std::map<uint32_t, opentelemetry::proto::trace::v1::ResourceSpans*> resource_in;
    for (auto& scope_spans : *resource_spans.mutable_scope_spans()) {
      std::map<uint32_t, opentelemetry::proto::trace::v1::ScopeSpans*> scope_in;
      for (Span& span : *scope_spans.mutable_spans()) {
        int32_t partition = partition_of_span[index++];
        if (partition < 0) continue;
        auto p = static_cast<uint32_t>(partition);
        auto& out_resource = resource_in[p];
        if (out_resource == nullptr) {
          out_resource = split[p].add_resource_spans();
          *out_resource->mutable_resource() = resource_spans.resource();
          out_resource->set_schema_url(resource_spans.schema_url());
        }
        auto& out_scope = scope_in[p];
        if (out_scope == nullptr) {
          out_scope = out_resource->add_scope_spans();
          *out_scope->mutable_scope() = scope_spans.scope();
          out_scope->set_schema_url(scope_spans.schema_url());
        }
        *out_scope->add_spans() = std::move(span);
      }
    }
  }
  for (auto& [partition, part_request] : split) {
    wal::WalPart part{partition, bus::SignalKind::traces, per_partition[partition], {}};
    part_request.SerializeToString(&part.bytes);
    result.parts.push_back(std::move(part));
  }
  return result;
}

}  // namespace spanline::gateway
