#!/usr/bin/env node
// Sends one trace and log records correlated to its span with the real
// OpenTelemetry JavaScript SDK (logs SDK and OTLP logs exporter), the way an
// application with the GenAI conventions turned on does: an application log
// line, a gen_ai.client.inference.operation.details event and a
// gen_ai.evaluation.result event in the span's context, plus one record
// without a trace. Prints, as JSON, the span's ids and what the server acked.
import { parseArgs } from 'node:util';
import { context, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import grpc from '@grpc/grpc-js';

const usage = `Usage: otel-logs.mjs --protocol grpc|http-json --endpoint URL --service NAME [--header k=v]...
Prints {"trace_id","span_id","spans_acked":bool,"logs_acked":bool,"log_count":N,"errors":[...]};
exit 0 when both exports were acked.`;

let args;
try {
  ({ values: args } = parseArgs({
    options: {
      protocol: { type: 'string', default: 'grpc' },
      endpoint: { type: 'string' },
      service: { type: 'string', default: 'otel-logs' },
      header: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', default: false },
    },
  }));
} catch (error) {
  console.error(`${error.message}\n${usage}`);
  process.exit(2);
}
if (args.help || !['grpc', 'http-json'].includes(args.protocol)) {
  console.log(usage);
  process.exit(args.help ? 0 : 2);
}
const headers = Object.fromEntries(args.header.map((h) => [h.slice(0, h.indexOf('=')), h.slice(h.indexOf('=') + 1)]));
const timeoutMillis = 10000;

function exporters() {
  if (args.protocol === 'grpc') {
    const metadata = new grpc.Metadata();
    for (const [k, v] of Object.entries(headers)) metadata.set(k, v);
    const url = args.endpoint ?? 'http://127.0.0.1:50051';
    return { spans: new GrpcTraceExporter({ url, metadata, timeoutMillis }), logs: new GrpcLogExporter({ url, metadata, timeoutMillis }) };
  }
  const base = args.endpoint ?? 'http://127.0.0.1:4318';
  return {
    spans: new JsonTraceExporter({ url: `${base}/v1/traces`, headers, timeoutMillis }),
    logs: new JsonLogExporter({ url: `${base}/v1/logs`, headers, timeoutMillis }),
  };
}

const resource = resourceFromAttributes({ 'service.name': args.service, 'deployment.environment': 'test' });
const ended = [];
const tracerProvider = new BasicTracerProvider({
  resource,
  spanProcessors: [{ onStart() {}, onEnd(span) { ended.push(span); }, forceFlush: async () => {}, shutdown: async () => {} }],
});
// Emitted records are collected, then exported in one call whose result is known.
const emitted = [];
const loggerProvider = new LoggerProvider({
  resource,
  processors: [{ onEmit(record) { emitted.push(record); }, forceFlush: async () => {}, shutdown: async () => {} }],
});
const logger = loggerProvider.getLogger('spanline-otel-logs', '1.0.0');
const tracer = tracerProvider.getTracer('spanline-otel-logs', '1.0.0');

const span = tracer.startSpan('chat gpt-4o', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o' } });
const inSpan = trace.setSpan(context.active(), span);
logger.emit({
  context: inSpan, severityNumber: SeverityNumber.WARN, severityText: 'WARN',
  body: 'upstream latency high: retrying the completion', attributes: { 'retry.attempt': 2, 'http.status_code': 503 },
});
logger.emit({
  context: inSpan, severityNumber: SeverityNumber.INFO, severityText: 'INFO',
  eventName: 'gen_ai.client.inference.operation.details',
  attributes: {
    'gen_ai.operation.name': 'chat',
    'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'What is the capital of France?' }] }]),
    'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'Paris.' }], finish_reason: 'stop' }]),
  },
});
logger.emit({
  context: inSpan, severityNumber: SeverityNumber.INFO, severityText: 'INFO',
  eventName: 'gen_ai.evaluation.result',
  attributes: {
    'gen_ai.evaluation.name': 'relevance', 'gen_ai.evaluation.score.value': 0.92, 'gen_ai.evaluation.score.label': 'relevant',
    'gen_ai.evaluation.explanation': 'The answer names the capital directly.',
  },
});
span.end();
logger.emit({ severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body: { message: 'cache node unreachable', node: 'c-7' } });

const { spans: spanExporter, logs: logExporter } = exporters();
const result = { trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId, errors: [] };
const exported = (exporter, items) => new Promise((resolve) => exporter.export(items, resolve));
const spansResult = await exported(spanExporter, ended);
result.spans_acked = spansResult.code === ExportResultCode.SUCCESS;
if (!result.spans_acked) result.errors.push(String(spansResult.error?.message ?? spansResult.error));
result.log_count = emitted.length;
const logsResult = await exported(logExporter, emitted);
result.logs_acked = logsResult.code === ExportResultCode.SUCCESS;
if (!result.logs_acked) result.errors.push(String(logsResult.error?.message ?? logsResult.error));
await Promise.all([spanExporter.shutdown(), logExporter.shutdown()]);
console.log(JSON.stringify(result));
process.exit(result.spans_acked && result.logs_acked ? 0 : 1);
