#pragma once
// What the load generator sends: OTLP Export requests of a chosen shape. A
// template request is built once; before each send only the ids and times are
// rewritten, so every span is new to the pipeline while building costs little.

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace spanline::bench {

struct WorkloadShape {
  uint32_t spans_per_request = 100;
  uint32_t attributes_per_span = 8;
  uint32_t attribute_bytes = 32;
  // Junjo-shaped traces: a workflow span with its state and graph, node spans
  // with state patches, and LLM call spans with GenAI attributes.
  bool junjo = false;
  // Plain spans whose attribute values differ, as real ones do, instead of
  // one filler repeated: per span, of every four attributes one from 16
  // values (a route or a status), one of words from a 1,024-word vocabulary,
  // one a random hex id, one a user id of 5,000; each exactly attribute_bytes
  // long, so the OTLP bytes equal the filler's. Compression, the attribute
  // postings and the trigram index all depend on this.
  bool varied_values = false;
  std::string service = "loadgen";

  std::string describe() const;
};

class RequestFactory {
 public:
  explicit RequestFactory(WorkloadShape shape, uint64_t seed);

  const WorkloadShape& shape() const { return shape_; }
  // A fresh copy of the template (for one in-flight slot).
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest make();
  // New trace ids and times now; span ids and structure stay.
  void renew(opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request);

 private:
  std::string random_id(size_t bytes);
  // The value of attribute `index` of a varied span (see WorkloadShape::varied_values).
  std::string varied_value(uint32_t index);

  WorkloadShape shape_;
  std::mt19937_64 random_;
  std::vector<std::string> words_;     // the varied values' vocabulary
  std::vector<std::string> choices_;   // the varied values' 16 low-cardinality values
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest template_;
};

}  // namespace spanline::bench
