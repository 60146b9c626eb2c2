import { describe, expect, it } from 'vitest';
import { EMPTY_LOGS_QUERY, logsApiPath, logsFromUrlParams, logsToUrlParams, spanLogsApiPath } from './logsQuery';

describe('logsQuery', () => {
  it('leaves defaults out of the URL and reads back what it wrote', () => {
    expect(logsToUrlParams(EMPTY_LOGS_QUERY).toString()).toBe('');
    const query = { ...EMPTY_LOGS_QUERY, service: 'chat', severity: 'warn', attrs: 'a:1;b>2', q: 'time out', traceId: 'ab'.repeat(16) };
    const url = logsToUrlParams(query);
    expect(url.get('attr')).toBe('a:1;b>2');
    expect(url.get('trace_id')).toBe('ab'.repeat(16));
    expect(logsFromUrlParams(url)).toEqual(query);
  });

  it('keeps all time and a custom window apart from the default lookback', () => {
    const all = logsFromUrlParams(logsToUrlParams({ ...EMPTY_LOGS_QUERY, lookback: '' }));
    expect(all.lookback).toBe('');
    expect(logsApiPath(all)).not.toContain('lookback');
    const custom = logsFromUrlParams(new URLSearchParams('start=2026-11-23T10:00:00Z&lookback=6h'));
    expect(custom.lookback).toBe('');
    expect(logsApiPath(custom)).toContain('start=2026-11-23T10%3A00%3A00Z');
  });

  it('asks the api with the default window, a limit and the cursor', () => {
    const path = logsApiPath({ ...EMPTY_LOGS_QUERY, eventName: 'gen_ai.evaluation.result' }, 'c1', 50);
    const params = new URL(path, 'http://x').searchParams;
    expect(path.startsWith('/api/v1/logs?')).toBe(true);
    expect(params.get('lookback')).toBe('1h');
    expect(params.get('limit')).toBe('50');
    expect(params.get('cursor')).toBe('c1');
    expect(params.get('event_name')).toBe('gen_ai.evaluation.result');
  });

  it("names one span's records", () => {
    expect(spanLogsApiPath('t1', 's1')).toBe('/api/v1/traces/t1/logs?span_id=s1');
  });
});
