// What the gateway does with an Export body before anything reaches the WAL:
// the protobuf parse plus validation and split per partition (OTLP/gRPC and
// OTLP/HTTP protobuf), the OTLP/JSON parse (OTLP/HTTP JSON) and gunzip
// (Content-Encoding: gzip, then either of the two). Every input goes through
// all of them, because each rejects the others' bytes at once and seeds can
// stay plain files.
//
// Beyond not crashing, a split must account for every span, and every part
// must be a valid request holding only spans of its own partition.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <google/protobuf/stubs/logging.h>

#include "protocol/wal/partitions.h"
#include "stages/gateway/http/gzip.h"
#include "stages/gateway/http/otlp_json.h"
#include "stages/gateway/trace_split.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using spanline::fuzz::require;

constexpr uint32_t kPartitions = 4;  // the gateway's default
constexpr size_t kMaxInflatedBytes = 4 << 20;

uint64_t span_count(const ExportTraceServiceRequest& request) {
  uint64_t n = 0;
  for (const auto& resource : request.resource_spans()) {
    for (const auto& scope : resource.scope_spans()) n += static_cast<uint64_t>(scope.spans_size());
  }
  return n;
}

void split_and_check(ExportTraceServiceRequest& request, std::string original_bytes) {
  const uint64_t spans = span_count(request);
  spanline::gateway::SplitTraces split = spanline::gateway::split_traces(request, kPartitions, std::move(original_bytes));
  require(split.accepted + split.rejected == spans, "accepted + rejected == spans in the request");
  require((split.rejected == 0) == split.rejected_message.empty(), "a rejection always comes with a reason");
  uint64_t items = 0;
  for (const auto& part : split.parts) {
    require(part.partition < kPartitions, "part partition < partition count");
    ExportTraceServiceRequest reparsed;
    require(reparsed.ParseFromString(part.bytes), "every part is a valid ExportTraceServiceRequest");
    require(span_count(reparsed) == part.items, "a part holds as many spans as it says");
    for (const auto& resource : reparsed.resource_spans()) {
      for (const auto& scope : resource.scope_spans()) {
        for (const auto& span : scope.spans()) {
          require(spanline::wal::partition_of(span.trace_id(), kPartitions) == part.partition,
                  "every span of a part belongs to the part's partition");
        }
      }
    }
    items += part.items;
  }
  require(items == split.accepted, "the parts hold every accepted span");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // protobuf logs every string it refuses as invalid UTF-8: at fuzzing rates
  // that is most of the run's time and all of its output.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);

  if (ExportTraceServiceRequest request; request.ParseFromString(body)) split_and_check(request, body);

  if (ExportTraceServiceRequest request; spanline::gateway::parse_traces_json(body, request).is_ok()) {
    split_and_check(request, {});
  }

  if (auto inflated = spanline::gateway::gunzip(body, kMaxInflatedBytes)) {
    require(inflated->size() <= kMaxInflatedBytes, "gunzip keeps to its output cap");
    if (ExportTraceServiceRequest request; request.ParseFromString(*inflated)) split_and_check(request, *inflated);
    if (ExportTraceServiceRequest request; spanline::gateway::parse_traces_json(*inflated, request).is_ok()) {
      split_and_check(request, {});
    }
  }
  return 0;
}
