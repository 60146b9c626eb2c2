#!/usr/bin/env node
// Sends one span with the real OpenTelemetry JavaScript SDK carrying the OTLP
// fields that are easy to lose on the way: NaN and infinite double attributes,
// the span's, an event's and a link's dropped counts (made by the SDK's own
// span limits), and the scope's and the resource's schema URL. Prints, as JSON,
// the ids and what the SDK itself counted, for a test to compare with the api.
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ExportResultCode } from '@opentelemetry/core';
import { senderArgs, exporterFor } from './one-shot-sender.mjs';

const usage = `Usage: otel-fields.mjs --protocol grpc|http-protobuf --endpoint URL [--header k=v ...] [--service NAME]
  (http-json is not offered: JSON.stringify writes NaN and the infinities as null, so the SDK's OTLP/JSON
  exporter cannot carry them.)
Prints {"trace_id","span_id","sdk":{"dropped_attributes_count","dropped_events_count","dropped_links_count",
  "event_dropped_attributes_count","link_dropped_attributes_count"},"resource_schema_url","scope_schema_url"};
  exit 0 when the export was acknowledged, 1 if not, 2 on usage errors.`;

const args = senderArgs(usage, 'otel-fields');

const resourceSchemaUrl = 'https://opentelemetry.io/schemas/1.26.0';
const scopeSchemaUrl = 'https://opentelemetry.io/schemas/1.24.0';
const spans = [];
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': args.service }, { schemaUrl: resourceSchemaUrl }),
  // Small limits, so that the SDK drops (and counts) what is past them.
  spanLimits: { attributeCountLimit: 5, eventCountLimit: 2, linkCountLimit: 1, attributePerEventCountLimit: 1,
                attributePerLinkCountLimit: 1 },
  spanProcessors: [{ onStart() {}, onEnd(span) { spans.push(span); }, forceFlush: async () => {}, shutdown: async () => {} }],
});
const tracer = provider.getTracer('spanline-otel-fields', '2.0.0', { schemaUrl: scopeSchemaUrl });

const linked = (n) => ({ traceId: `${'ab'.repeat(15)}${String(n).padStart(2, '0')}`, spanId: 'cd'.repeat(8), traceFlags: 1 });
const span = tracer.startSpan('fields', {
  attributes: { nan: NaN, inf: Infinity, minus_inf: -Infinity, half: 0.5, kept: 'yes', past_limit_1: 1, past_limit_2: 2 },
  links: [{ context: linked(1), attributes: { l1: 1, l2: 2, l3: 3 } }, { context: linked(2) }, { context: linked(3) }],
});
span.addEvent('first', { e1: 1, e2: 2, e3: 3 });
span.addEvent('second');
span.addEvent('third');
span.addEvent('fourth');
span.end();

const exporter = exporterFor(args);
const outcome = await new Promise((resolve) => exporter.export(spans, resolve));
await exporter.shutdown().catch(() => {});
const ended = spans[0];
const result = {
  trace_id: ended.spanContext().traceId,
  span_id: ended.spanContext().spanId,
  sdk: {
    dropped_attributes_count: ended.droppedAttributesCount,
    dropped_events_count: ended.droppedEventsCount,
    dropped_links_count: ended.droppedLinksCount,
    event_dropped_attributes_count: ended.events[0].droppedAttributesCount ?? 0,
    link_dropped_attributes_count: ended.links[0].droppedAttributesCount ?? 0,
  },
  resource_schema_url: resourceSchemaUrl,
  scope_schema_url: scopeSchemaUrl,
  ok: outcome.code === ExportResultCode.SUCCESS,
  error: outcome.code === ExportResultCode.SUCCESS ? null : String(outcome.error?.message ?? outcome.error),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(result.ok ? 0 : 1);
