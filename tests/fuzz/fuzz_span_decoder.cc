// The indexer's decode of a WAL entry into SpanRecords (decode_spans): the
// protobuf parse, attributes of every type, events, links, resource, scope and
// the Junjo workflow facts. WAL entries were checked by a gateway, but a
// decoder must not trust that.
//
// Beyond not crashing: every JSON column the shard stores (and the api later
// parses back) is valid JSON, and so is the text of array, kvlist and double
// attribute rows, except a non-finite double's, which is the name OTLP/JSON
// gives it (NaN, Infinity, -Infinity) so that a filter `key:NaN` matches it.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <google/protobuf/stubs/logging.h>

#include <nlohmann/json.hpp>

#include "stages/indexer/span_decoder.h"
#include "tests/fuzz/fuzz_check.h"

using spanline::fuzz::require;
using spanline::indexer::ValueType;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // protobuf logs every string it refuses as invalid UTF-8: at fuzzing rates
  // that is most of the run's time and all of its output.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto records = spanline::indexer::decode_spans(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!records) return 0;
  for (const auto& record : *records) {
    for (const std::string* column : {&record.attributes_json, &record.events_json, &record.links_json,
                                      &record.resource_json, &record.scope_json}) {
      require(nlohmann::json::accept(*column), "every JSON column of a SpanRecord is valid JSON");
    }
    for (const auto& row : record.attributes) {
      if (row.type == ValueType::array || row.type == ValueType::kvlist) {
        require(nlohmann::json::accept(row.text), "array and kvlist attribute rows hold valid JSON");
      }
      if (row.type == ValueType::floating) {
        bool non_finite_name = row.text == "NaN" || row.text == "Infinity" || row.text == "-Infinity";
        require(non_finite_name || nlohmann::json::accept(row.text), "double attribute rows hold a JSON number or NaN / Infinity / -Infinity");
      }
    }
    require(record.service.size() > 0, "a span always has a service name (unknown_service at worst)");
  }
  return 0;
}
