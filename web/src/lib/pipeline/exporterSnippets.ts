// Exporter set-up snippets for a new API key, aimed at the gateway's real addresses (exporterTarget).
import type { ExporterTarget } from './exporterTarget';

export function exporterSnippets(key: string, target: ExporterTarget): Record<string, string> {
  const snippets: Record<string, string> = {
    'Python (Junjo)': `from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

exporter = OTLPSpanExporter(endpoint="${target.grpc}", insecure=True,
                            headers=(("x-junjo-api-key", "${key}"),))
provider = TracerProvider()
provider.add_span_processor(BatchSpanProcessor(exporter))
# pass tracer_provider=provider to Junjo's telemetry setup`,
    'Python (OpenTelemetry)': `import os
os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://${target.grpc}"
os.environ["OTEL_EXPORTER_OTLP_HEADERS"] = "x-junjo-api-key=${key}"`,
    JavaScript: `import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { Metadata } from '@grpc/grpc-js';
const metadata = new Metadata();
metadata.set('x-junjo-api-key', '${key}');
const exporter = new OTLPTraceExporter({ url: 'http://${target.grpc}', metadata });`,
  };
  if (target.http) {
    snippets['OTLP/HTTP (any SDK, environment)'] = `OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf
OTEL_EXPORTER_OTLP_ENDPOINT=${target.http}
OTEL_EXPORTER_OTLP_HEADERS=x-junjo-api-key=${key}`;
  }
  return snippets;
}
