// Exporter snippets for a new API key, aimed where the gateway really listens,
// saying where that address came from.
import { exporterSnippets } from '../../lib/pipeline/exporterSnippets';
import { exporterTarget } from '../../lib/pipeline/exporterTarget';
import { usePipelineHealth } from './usePipelineHealth';

export function ExporterSnippets({ apiKey }: { apiKey: string }) {
  const { data } = usePipelineHealth();
  const target = exporterTarget(data?.gateways, window.location.hostname);
  return (
    <>
      <p className="muted" data-testid="snippet-source">
        Send to <code>{target.grpc}</code> (OTLP/gRPC){target.http && <> or <code>{target.http}</code> (OTLP/HTTP)</>}. {target.explanation}
      </p>
      {Object.entries(exporterSnippets(apiKey, target)).map(([title, code]) => (
        <details key={title}>
          <summary>{title}</summary>
          <pre data-testid="snippet">{code}</pre>
        </details>
      ))}
    </>
  );
}
