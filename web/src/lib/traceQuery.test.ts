import { describe, expect, it } from 'vitest';
import { EMPTY_QUERY, fromUrlParams, toApiPath, toLivePath, toUrlParams, type TraceQuery } from './traceQuery';

describe('trace query in the URL', () => {
  it('round-trips every field', () => {
    const query: TraceQuery = {
      service: 'checkout',
      operation: 'POST /pay',
      lookback: '',
      start: '2026-11-23T10:00:00Z',
      end: '2026-11-23T11:00:00Z',
      minDuration: '250ms',
      maxDuration: '2s',
      errors: true,
      attrs: 'http.status_code:500;llm.token_count.total>1000',
      q: '中文 text',
      sessionId: 'chat 1/2',
      userId: 'ann',
    };
    expect(fromUrlParams(new URLSearchParams(toUrlParams(query).toString()))).toEqual(query);
  });

  it('keeps the default out of the URL and a cleared lookback in it', () => {
    expect(toUrlParams(EMPTY_QUERY).toString()).toBe('');
    expect(fromUrlParams(new URLSearchParams(''))).toEqual(EMPTY_QUERY);
    const all = { ...EMPTY_QUERY, lookback: '' };
    expect(fromUrlParams(toUrlParams(all))).toEqual(all);
    const day = { ...EMPTY_QUERY, lookback: '24h' };
    expect(toUrlParams(day).toString()).toBe('lookback=24h');
    expect(fromUrlParams(toUrlParams(day))).toEqual(day);
  });

  it('speaks the api parameter names', () => {
    const path = toApiPath({ ...EMPTY_QUERY, service: 'a b', minDuration: '1s', errors: true }, 'CUR', 20);
    const params = new URL(path, 'http://x').searchParams;
    expect(params.get('service')).toBe('a b');
    expect(params.get('min_duration')).toBe('1s');
    expect(params.get('errors')).toBe('true');
    expect(params.get('lookback')).toBe('1h');
    expect(params.get('limit')).toBe('20');
    expect(params.get('cursor')).toBe('CUR');
    const custom = new URL(toApiPath({ ...EMPTY_QUERY, lookback: '', start: '2026-01-01T00:00:00Z' }), 'http://x').searchParams;
    expect(custom.get('lookback')).toBeNull();
    expect(custom.get('start')).toBe('2026-01-01T00:00:00Z');
  });

  it('gives the live tail the filters only', () => {
    const live = new URL(toLivePath({ ...EMPTY_QUERY, service: 's', start: '2026-01-01T00:00:00Z', q: 'x' }), 'http://x').searchParams;
    expect(live.get('service')).toBe('s');
    expect(live.get('q')).toBe('x');
    expect(live.get('start')).toBeNull();
    expect(live.get('lookback')).toBeNull();
  });
});
