#pragma once
// Validation and partitioning of one trace Export: every span is checked
// (16-byte non-zero trace id, 8-byte non-zero span id, end >= start); invalid
// spans are dropped and counted for partial_success; valid spans are grouped by
// partition into one Export request per partition, each keeping its resource and
// scope. When the request is all valid and all in one partition, the client's
// original bytes are forwarded untouched.

#include <cstdint>
#include <string>
#include <vector>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "protocol/wal/wal_writer.h"

namespace spanline::gateway {

struct SplitTraces {
  std::vector<wal::WalPart> parts;
  uint64_t accepted = 0;
  uint64_t rejected = 0;
  std::string rejected_message;  // the first few reasons, for partial_success.error_message
};

// Moves spans out of `request`. `original_bytes` may be empty (then parts are
// always re-serialized).
SplitTraces split_traces(opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request,
                         uint32_t partitions, std::string original_bytes = {});

}  // namespace spanline::gateway
