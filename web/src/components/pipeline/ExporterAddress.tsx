// The OTLP/gRPC address exporters should use, as the gateway announces it (exporterTarget).
import { exporterTarget } from '../../lib/pipeline/exporterTarget';
import { usePipelineHealth } from './usePipelineHealth';

export function ExporterAddress() {
  const { data } = usePipelineHealth();
  const target = exporterTarget(data?.gateways, window.location.hostname);
  return (
    <code title={target.explanation} data-testid="exporter-address">
      {target.grpc}
    </code>
  );
}
