import { describe, expect, it } from 'vitest';
import { exporterSnippets } from './exporterSnippets';
import { exporterTarget } from './exporterTarget';

describe('exporterTarget', () => {
  it('falls back to the page host and the default ports when no gateway announced', () => {
    const target = exporterTarget([], 'spanline.example');
    expect(target).toMatchObject({ grpc: 'spanline.example:50051', http: 'http://spanline.example:4318', source: 'default' });
    expect(target.explanation).toMatch(/default ports/);
  });

  it("uses a gateway's own host and ports", () => {
    const target = exporterTarget([{ instance: 'g1', alive: true, grpc_address: '10.0.0.5:4317', http_address: '10.0.0.5:4999' }], 'ui.example');
    expect(target).toMatchObject({ grpc: '10.0.0.5:4317', http: 'http://10.0.0.5:4999', source: 'gateway' });
    expect(target.explanation).toContain('g1');
  });

  it('puts the page host in front of the port of a gateway listening on every interface', () => {
    const target = exporterTarget([{ instance: 'g1', alive: true, grpc_address: '0.0.0.0:6000', http_address: '[::]:6001' }], 'ui.example');
    expect(target).toMatchObject({ grpc: 'ui.example:6000', http: 'http://ui.example:6001', source: 'gateway-port' });
  });

  it('prefers a live gateway and says when OTLP/HTTP is off', () => {
    const target = exporterTarget(
      [
        { instance: 'a', alive: false, grpc_address: '10.0.0.1:1', http_address: null },
        { instance: 'b', alive: true, grpc_address: '10.0.0.2:2', http_address: null },
      ],
      'ui',
    );
    expect(target.grpc).toBe('10.0.0.2:2');
    expect(target.http).toBeNull();
    expect(target.explanation).toContain('OTLP/HTTP off');
  });

  it('brackets an IPv6 page host', () => {
    expect(exporterTarget(undefined, '::1').grpc).toBe('[::1]:50051');
  });

  it('builds every snippet on the target, the HTTP one only when the gateway serves HTTP', () => {
    const withHttp = exporterSnippets('KEY', exporterTarget([{ instance: 'g', alive: true, grpc_address: 'h:7000', http_address: 'h:7001' }], 'ui'));
    for (const code of Object.values(withHttp)) expect(code).not.toContain('50051');
    expect(withHttp['Python (Junjo)']).toContain('endpoint="h:7000"');
    expect(withHttp['OTLP/HTTP (any SDK, environment)']).toContain('OTEL_EXPORTER_OTLP_ENDPOINT=http://h:7001');
    const grpcOnly = exporterSnippets('KEY', exporterTarget([{ instance: 'g', alive: true, grpc_address: 'h:7000', http_address: null }], 'ui'));
    expect(Object.keys(grpcOnly)).not.toContain('OTLP/HTTP (any SDK, environment)');
  });
});
