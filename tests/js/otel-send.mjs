#!/usr/bin/env node
// Sends spans to Spanline with the real OpenTelemetry JavaScript SDK and prints,
// as JSON, exactly which spans the server acknowledged. Tests compare that list
// with what Spanline stored.
import { parseArgs } from 'node:util';
import { context, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import grpc from '@grpc/grpc-js';

const usage = `Usage: otel-send.mjs [options]
  --protocol grpc|http-protobuf|http-json   (default grpc)
  --endpoint URL        grpc: http://127.0.0.1:50051 (http:// means no TLS); http: http://127.0.0.1:4318
  --traces N            traces per batch (default 10)
  --spans-per-trace M   spans per trace: a root and M-1 descendants (default 5)
  --batches K           batches, each exported on its own (default 1)
  --service NAME        service.name (default otel-send)
  --header k=v          a request header / gRPC metadata entry (repeatable), e.g. x-junjo-api-key=KEY
  --attr-bytes N        adds a string attribute of N bytes to every span
  --timeout-ms T        per export (default 10000)
  --duration-ms D       instead of --batches: keep exporting batches until D ms have passed
  --interval-ms I       pause between batches (default 0)
Prints {"acked":[{"trace_id","span_id"}],"failed":[...],"errors":[...],
        "exports":[{"at_ms","ok","code","message"}]} (at_ms: unix ms when the export began; code: the
gRPC status code of a failed gRPC export); exit 0 if all acked, 1 if not, 2 on usage errors.`;

let args;
try {
  ({ values: args } = parseArgs({
    options: {
      protocol: { type: 'string', default: 'grpc' },
      endpoint: { type: 'string' },
      traces: { type: 'string', default: '10' },
      'spans-per-trace': { type: 'string', default: '5' },
      batches: { type: 'string', default: '1' },
      service: { type: 'string', default: 'otel-send' },
      header: { type: 'string', multiple: true, default: [] },
      'attr-bytes': { type: 'string', default: '0' },
      'timeout-ms': { type: 'string', default: '10000' },
      'duration-ms': { type: 'string', default: '0' },
      'interval-ms': { type: 'string', default: '0' },
      help: { type: 'boolean', default: false },
    },
  }));
} catch (error) {
  console.error(`${error.message}\n${usage}`);
  process.exit(2);
}
if (args.help) {
  console.log(usage);
  process.exit(0);
}
const protocols = ['grpc', 'http-protobuf', 'http-json'];
if (!protocols.includes(args.protocol)) {
  console.error(`--protocol must be one of ${protocols.join(', ')}\n${usage}`);
  process.exit(2);
}
const timeoutMillis = Number(args['timeout-ms']);
const headers = Object.fromEntries(args.header.map((h) => {
  const at = h.indexOf('=');
  return [h.slice(0, at), h.slice(at + 1)];
}));

function makeExporter() {
  if (args.protocol === 'grpc') {
    const metadata = new grpc.Metadata();
    for (const [k, v] of Object.entries(headers)) metadata.set(k, v);
    return new GrpcExporter({ url: args.endpoint ?? 'http://127.0.0.1:50051', metadata, timeoutMillis });
  }
  const url = `${args.endpoint ?? 'http://127.0.0.1:4318'}/v1/traces`;
  const Exporter = args.protocol === 'http-json' ? JsonExporter : ProtoExporter;
  return new Exporter({ url, headers, timeoutMillis });
}

// Collects ended spans so each batch is exported explicitly and its result known.
class Collector {
  constructor() { this.spans = []; }
  onStart() {}
  onEnd(span) { this.spans.push(span); }
  forceFlush() { return Promise.resolve(); }
  shutdown() { return Promise.resolve(); }
}

const collector = new Collector();
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': args.service, 'deployment.environment': 'test' }),
  spanProcessors: [collector],
});
const tracer = provider.getTracer('spanline-otel-send', '1.0.0');
const exporter = makeExporter();
const bigValue = 'x'.repeat(Number(args['attr-bytes']));

function makeTrace(t) {
  const spansPerTrace = Number(args['spans-per-trace']);
  const root = tracer.startSpan('workflow run', { kind: SpanKind.SERVER, attributes: {
    'junjo.span_type': 'workflow', 'http.status_code': 200, 'run.index': t, 'sample.ratio': 0.25,
    'flags.enabled': true, tags: ['a', 'b'],
  } });
  let parent = root;
  for (let s = 1; s < spansPerTrace; s++) {
    const ctx = trace.setSpan(context.active(), parent);
    const span = tracer.startSpan(`node ${s}`, { kind: s % 2 ? SpanKind.INTERNAL : SpanKind.CLIENT, attributes: {
      'llm.model_name': 'gpt-4o', 'gen_ai.usage.input_tokens': 100 * s,
    } }, ctx);
    if (bigValue) span.setAttribute('payload', bigValue);
    span.addEvent('set_state', { 'junjo.store.action': 'set_value', 'junjo.state_json_patch': '[]' });
    if (s === spansPerTrace - 1 && t % 3 === 0) span.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
    span.end();
    if (s % 2 === 0) parent = span;  // nest a little: some children, some grandchildren
  }
  root.end();
}

function exportBatch(spans) {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

const result = { acked: [], failed: [], errors: [], exports: [] };
const key = (span) => ({ trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId });
const durationMs = Number(args['duration-ms']);
const intervalMs = Number(args['interval-ms']);
const started = Date.now();
const more = (b) => (durationMs > 0 ? Date.now() - started < durationMs : b < Number(args.batches));
for (let b = 0; more(b); b++) {
  collector.spans = [];
  for (let t = 0; t < Number(args.traces); t++) makeTrace(t);
  const spans = collector.spans;
  const at = Date.now();
  const outcome = await exportBatch(spans);
  if (outcome.code === ExportResultCode.SUCCESS) {
    result.acked.push(...spans.map(key));
    result.exports.push({ at_ms: at, ok: true });
  } else {
    const message = String(outcome.error?.message ?? outcome.error ?? 'export failed');
    result.failed.push(...spans.map(key));
    result.errors.push(message);
    result.exports.push({ at_ms: at, ok: false, code: outcome.error?.code ?? null, message });
  }
  if (intervalMs > 0) await new Promise((r) => setTimeout(r, intervalMs));
}
await exporter.shutdown().catch(() => {});
await provider.shutdown().catch(() => {});
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(result.failed.length === 0 ? 0 : 1);
