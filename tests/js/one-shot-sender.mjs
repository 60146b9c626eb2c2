// What the one-shot senders (otel-fields.mjs, llm-spans.mjs) share: their
// command line (--protocol grpc|http-protobuf, --endpoint, --service,
// repeated --header k=v) and the SDK exporter it names.
import { parseArgs } from 'node:util';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import grpc from '@grpc/grpc-js';

// The parsed options; prints `usage` and exits 2 when they are wrong.
export function senderArgs(usage, defaultService) {
  let args;
  try {
    ({ values: args } = parseArgs({ options: {
      protocol: { type: 'string', default: 'grpc' },
      endpoint: { type: 'string' },
      service: { type: 'string', default: defaultService },
      header: { type: 'string', multiple: true, default: [] },
    } }));
  } catch (error) {
    console.error(`${error.message}\n${usage}`);
    process.exit(2);
  }
  if (!['grpc', 'http-protobuf'].includes(args.protocol) || !args.endpoint) {
    console.error(usage);
    process.exit(2);
  }
  return args;
}

// The exporter for `args`, its headers as gRPC metadata or HTTP headers.
export function exporterFor(args) {
  const headers = Object.fromEntries(args.header.map((h) => [h.slice(0, h.indexOf('=')), h.slice(h.indexOf('=') + 1)]));
  if (args.protocol === 'grpc') {
    const metadata = new grpc.Metadata();
    for (const [k, v] of Object.entries(headers)) metadata.set(k, v);
    return new GrpcExporter({ url: args.endpoint, metadata });
  }
  return new ProtoExporter({ url: `${args.endpoint}/v1/traces`, headers });
}
