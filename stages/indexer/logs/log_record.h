#pragma once
// One OTLP log record flattened for the index: typed columns for what is
// filtered and sorted (ids, times, severity, service, event name), JSON for
// the rest (body, attributes, resource, scope), and the text full-text search
// reads. Produced by for_each_log_record(), written by LogWriter.

#include <cstdint>
#include <string>

namespace spanline::indexer::logs {

struct LogRecord {
  // Its place among the log records of its WAL entry, in wire order, from 0:
  // with the entry's sequence, the record's key in its shard.
  uint32_t index = 0;
  std::string trace_id;  // 16 bytes, or empty (not sent, all zero, or not 16 bytes)
  std::string span_id;   // 8 bytes, or empty likewise
  // time_unix_nano, or observed_time_unix_nano when the time was not sent:
  // what the record is ordered and filtered by.
  int64_t time_ns = 0;
  int64_t observed_ns = 0;
  int severity_number = 0;  // as sent; when 0, read from severity_text's name (WARN, error, ...) if it has one
  std::string severity_text;
  std::string body_json;  // the body AnyValue as JSON; empty when none was sent (or it was past the bounds)
  std::string attributes_json, resource_json, scope_json;
  std::string event_name;  // LogRecord.event_name (OTLP 1.5), else the `event.name` attribute
  uint32_t flags = 0;
  uint32_t dropped_attributes_count = 0;  // as sent, plus what the indexer left out to fit the limits
  std::string service;                    // the resource's service.name, "unknown_service" when absent
  std::string text;                       // for full-text search: body, event name, string attribute values
};

}  // namespace spanline::indexer::logs
