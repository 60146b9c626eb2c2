#pragma once
// What the load generator sends: OTLP Export requests of a chosen shape. A
// template request is built once; before each send only the ids and times are
// rewritten, so every span is new to the pipeline while building costs little.

#include <cstdint>
#include <random>
#include <string>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace spanline::bench {

struct WorkloadShape {
  uint32_t spans_per_request = 100;
  uint32_t attributes_per_span = 8;
  uint32_t attribute_bytes = 32;
  // Junjo-shaped traces: a workflow span with its state and graph, node spans
  // with state patches, and LLM call spans with GenAI attributes.
  bool junjo = false;
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

  WorkloadShape shape_;
  std::mt19937_64 random_;
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest template_;
};

}  // namespace spanline::bench
