#include "stages/indexer/llm/llm_calls.h"

#include <optional>
#include <string>

#include "stages/indexer/fill_once.h"
#include "stages/indexer/llm/llm_record.h"
#include "stages/indexer/span_body/body_store.h"

namespace spanline::indexer::llm {
namespace {

// The facts of the span itself (not of its record) a row keeps.
struct SpanFacts {
  std::string_view trace_id, span_id, parent_span_id, service;
  int64_t start_ns = 0, end_ns = 0;
  int64_t status_code = 0;
};

Status insert_call(Statement& s, const SpanFacts& span, const LlmRecord& record) {
  s.bind_blob(1, span.trace_id).bind_blob(2, span.span_id);
  if (span.parent_span_id.empty()) s.bind_null(3);
  else s.bind_blob(3, span.parent_span_id);
  s.bind_text(4, span.service).bind(5, span.start_ns).bind(6, span.end_ns).bind(7, span.end_ns - span.start_ns);
  s.bind(8, span.status_code).bind_text(9, record.kind);
  s.bind_optional(10, record.operation);
  s.bind_optional(11, record.provider);
  s.bind_optional(12, record.request_model);
  s.bind_optional(13, record.response_model);
  s.bind_optional(14, record.model);
  s.bind_optional(15, record.model_group);
  s.bind_optional(16, record.input_tokens);
  s.bind_optional(17, record.output_tokens);
  s.bind_optional(18, record.total_tokens);
  s.bind_optional(19, record.cache_read_tokens);
  s.bind_optional(20, record.cache_write_tokens);
  s.bind_optional(21, record.reasoning_tokens);
  const SentCost no_cost;
  const SentCost& cost = record.cost ? *record.cost : no_cost;
  s.bind_optional(22, cost.input);
  s.bind_optional(23, cost.output);
  s.bind_optional(24, cost.total);
  if (record.finish_reasons.empty()) s.bind_null(25);
  else s.bind_text(25, json(record.finish_reasons).dump(-1, ' ', false, json::error_handler_t::replace));
  s.bind_optional(26, record.session_id);
  s.bind_optional(27, record.user_id);
  s.bind(28, record.junjo_model_request ? 1 : 0);
  return s.run();
}

constexpr std::string_view kBackfilledKey = "llm_calls_filled";

}  // namespace

const std::string_view kInsertCallSql =
    "INSERT OR IGNORE INTO llm_calls(trace_id, span_id, parent_span_id, service, start_ns, end_ns, duration_ns, status_code, kind, "
    "operation, provider, request_model, response_model, model, model_group, input_tokens, output_tokens, total_tokens, "
    "cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_input, cost_output, cost_total, finish_reasons, session_id, "
    "user_id, junjo_model_request) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

Status write_call(Statement& insert, const SpanRecord& span) {
  auto record = normalise_stored(span.attributes_json, span.events_json, span.resource_json, Detail::scalars);
  if (!record) return Status::ok();
  return insert_call(insert, {span.trace_id, span.span_id, span.parent_span_id, span.service, span.start_ns, span.end_ns, span.status_code},
                     *record);
}

Status backfill_calls(Database& db) {
  return fill_once(db, kBackfilledKey, 6, [](Database& d) -> Status {
    auto spans = d.prepare(
        "SELECT trace_id, span_id, parent_span_id, service, start_ns, end_ns, status_code, " + std::string(span_body::kColumns) +
        " FROM spans WHERE body IS NOT NULL OR instr(attributes, '\"gen_ai.') > 0 OR instr(attributes, '\"llm.') > 0 "
        "OR instr(attributes, '\"openinference.') > 0 OR instr(attributes, '\"junjo.agent.model.') > 0 "
        "OR instr(attributes, '\"embedding.') > 0");
    if (!spans) return spans.status();
    auto insert = d.prepare(kInsertCallSql);
    if (!insert) return insert.status();
    span_body::BodyReader bodies(d);
    for (;;) {
      auto row = spans->step();
      if (!row) return row.status();
      if (!*row) return Status::ok();
      auto texts = bodies.read(*spans, 7);
      if (!texts) return texts.status();
      using span_body::Text;
      auto record = normalise_stored((*texts)[Text::attributes], (*texts)[Text::events], (*texts)[Text::resource], Detail::scalars);
      if (!record) continue;
      const std::string trace_id = spans->column_text(0), span_id = spans->column_text(1), parent = spans->column_text(2),
                        service = spans->column_text(3);
      if (Status s = insert_call(*insert, {trace_id, span_id, parent, service, spans->column_int(4), spans->column_int(5), spans->column_int(6)},
                                 *record);
          !s.is_ok()) {
        return s;
      }
    }
  });
}

}  // namespace spanline::indexer::llm
