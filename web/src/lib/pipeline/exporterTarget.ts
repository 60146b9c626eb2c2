// Where exporters should send spans, from the listen addresses the gateways
// announce (GET /api/v1/pipeline's gateways), and which source it came from:
// the gateway's own host, the page's host with the gateway's port (it listens
// on every interface), or the page's host with the default ports (no gateway heard).
import type { components } from '../../api/openapi.gen';

export type GatewayAddresses = components['schemas']['GatewayAddresses'];

// The OTLP ports the gateway listens on unless configured otherwise (--grpc-address, --http-address).
export const DEFAULT_GRPC_PORT = 50051;
export const DEFAULT_HTTP_PORT = 4318;

export interface ExporterTarget {
  grpc: string; // host:port
  http: string | null; // http://host:port, null when the gateway has OTLP/HTTP off
  source: 'gateway' | 'gateway-port' | 'default';
  explanation: string;
}

const WILDCARD_HOSTS = new Set(['', '0.0.0.0', '::', '[::]', '*']);

function splitAddress(address: string): { host: string; port: string } | null {
  const colon = address.lastIndexOf(':');
  if (colon < 0) return null;
  const port = address.slice(colon + 1);
  if (!/^\d+$/.test(port)) return null;
  return { host: address.slice(0, colon), port };
}

function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

// host:port to put in a snippet: the announced host unless it means "every interface".
function reachable(address: string, pageHost: string): { value: string; ownHost: boolean } | null {
  const parts = splitAddress(address);
  if (!parts) return null;
  const own = !WILDCARD_HOSTS.has(parts.host);
  return { value: `${own ? parts.host : bracketed(pageHost)}:${parts.port}`, ownHost: own };
}

export function exporterTarget(gateways: GatewayAddresses[] | undefined, pageHost: string): ExporterTarget {
  const candidates = [...(gateways ?? [])].sort((a, b) => Number(b.alive) - Number(a.alive) || a.instance.localeCompare(b.instance));
  const gateway = candidates.find((g) => g.grpc_address);
  const grpc = gateway?.grpc_address ? reachable(gateway.grpc_address, pageHost) : null;
  if (!gateway || !grpc) {
    const host = bracketed(pageHost);
    return {
      grpc: `${host}:${DEFAULT_GRPC_PORT}`,
      http: `http://${host}:${DEFAULT_HTTP_PORT}`,
      source: 'default',
      explanation: `No gateway has announced its addresses yet: this page's host with the default ports (gRPC ${DEFAULT_GRPC_PORT}, HTTP ${DEFAULT_HTTP_PORT}).`,
    };
  }
  const http = gateway.http_address ? reachable(gateway.http_address, pageHost) : null;
  const listed = `gRPC ${gateway.grpc_address}${gateway.http_address ? `, HTTP ${gateway.http_address}` : ', OTLP/HTTP off'}`;
  return {
    grpc: grpc.value,
    http: http ? `http://${http.value}` : null,
    source: grpc.ownHost ? 'gateway' : 'gateway-port',
    explanation: grpc.ownHost
      ? `The addresses gateway ${gateway.instance} announces (${listed}).`
      : `Gateway ${gateway.instance} listens on every interface (${listed}): this page's host with its ports.`,
  };
}
