// The indexer's decode of a logs WAL entry into LogRecords (decode_log_records):
// the wire walk within the limits, the protobuf parse, bodies and attributes
// of every type, resource and scope. WAL entries were checked by a gateway (a
// parse, nothing more for logs), but a decoder must not trust that.
//
// Beyond not crashing: every JSON column the shard stores (and the api later
// parses back) is valid JSON, ids are absent or of their OTLP size, the record
// indexes count up from 0, and a record always has a service.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <google/protobuf/stubs/logging.h>

#include <nlohmann/json.hpp>

#include "stages/indexer/logs/log_decoder.h"
#include "tests/fuzz/fuzz_check.h"

using spanline::fuzz::require;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // protobuf logs every string it refuses as invalid UTF-8: at fuzzing rates
  // that is most of the run's time and all of its output.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto records = spanline::indexer::logs::decode_log_records(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!records) return 0;
  uint32_t index = 0;
  for (const auto& record : *records) {
    for (const std::string* column : {&record.attributes_json, &record.resource_json, &record.scope_json}) {
      require(nlohmann::json::accept(*column), "every JSON column of a LogRecord is valid JSON");
    }
    require(record.body_json.empty() || nlohmann::json::accept(record.body_json), "a body is valid JSON or absent");
    require(record.trace_id.empty() || record.trace_id.size() == 16, "a trace id is 16 bytes or absent");
    require(record.span_id.empty() || (record.span_id.size() == 8 && !record.trace_id.empty()),
            "a span id is 8 bytes, with a trace id, or absent");
    require(record.time_ns >= 0 && record.observed_ns >= 0, "times are never negative");
    require(record.index == index++, "records are numbered in wire order from 0");
    require(!record.service.empty(), "a record always has a service name (unknown_service at worst)");
  }
  return 0;
}
