import { describe, expect, it } from 'vitest';
import {
  bucketFor,
  bucketParam,
  DEFAULT_VIEW,
  emptyMessage,
  fromUrlParams,
  localInputValue,
  MAX_BUCKETS,
  parseInstant,
  parseLocalInput,
  toApiPath,
  toUrlParams,
  type UsageView,
} from './usageQuery';

const NOW = Date.UTC(2026, 10, 29, 12);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const view = (extra: Partial<UsageView>): UsageView => ({ ...DEFAULT_VIEW, ...extra });

describe('the view in the URL', () => {
  it('leaves the defaults out', () => {
    expect(toUrlParams(DEFAULT_VIEW).toString()).toBe('');
    expect(fromUrlParams(new URLSearchParams())).toEqual(DEFAULT_VIEW);
  });

  it('round-trips every filter, so a shared link opens the same view', () => {
    const shared = view({ range: '7d', service: 'chat api', model: 'gpt-4o', metric: 'latency_p99', scale: 'log' });
    const params = toUrlParams(shared);
    expect(params.toString()).toBe('range=7d&service=chat+api&model=gpt-4o&metric=latency_p99&scale=log');
    expect(fromUrlParams(new URLSearchParams(params.toString()))).toEqual(shared);
  });

  it('keeps a custom range as UTC times', () => {
    const custom = view({ range: 'custom', startMs: NOW - 3 * HOUR, endMs: NOW });
    const params = toUrlParams(custom);
    expect(params.get('start')).toBe('2026-11-29T09:00:00Z');
    expect(params.get('end')).toBe('2026-11-29T12:00:00Z');
    expect(fromUrlParams(params)).toEqual(custom);
  });

  it('reads what it cannot use as the default', () => {
    const odd = fromUrlParams(new URLSearchParams('range=3w&metric=vibes&scale=cubic'));
    expect(odd).toEqual(DEFAULT_VIEW);
    // a custom range without a start, or with an unparsable one
    expect(fromUrlParams(new URLSearchParams('range=custom')).range).toBe('24h');
    expect(fromUrlParams(new URLSearchParams('range=custom&start=yesterday')).range).toBe('24h');
    // an end before the start is dropped (the api would refuse it): up to now
    const backwards = fromUrlParams(new URLSearchParams('range=custom&start=2026-11-29T09:00:00Z&end=2026-11-28T09:00:00Z'));
    expect(backwards.endMs).toBeNull();
  });

  it('reads times as unix ms or ISO with a zone, nothing else', () => {
    expect(parseInstant('1764406800000')).toBe(1764406800000);
    expect(parseInstant('2026-11-29T10:00:00+01:00')).toBe(Date.UTC(2026, 10, 29, 9));
    expect(parseInstant('2026-11-29T10:00:00')).toBeNull();
    expect(parseInstant('')).toBeNull();
  });
});

describe('the api request', () => {
  it('asks for a lookback and a round bucket', () => {
    expect(toApiPath(DEFAULT_VIEW, NOW)).toBe('/api/v1/llm/usage?lookback=24h&bucket=30m');
    expect(toApiPath(view({ range: '1h', model: 'gpt-4o', service: 'chat' }), NOW)).toBe('/api/v1/llm/usage?lookback=1h&bucket=1m&service=chat&model=gpt-4o');
    expect(toApiPath(view({ range: '7d' }), NOW)).toBe('/api/v1/llm/usage?lookback=7d&bucket=3h');
  });

  it('sends a custom range as unix ms, up to now when it has no end', () => {
    const start = NOW - 2 * DAY;
    expect(toApiPath(view({ range: 'custom', startMs: start }), NOW)).toBe(`/api/v1/llm/usage?start=${start}&bucket=1h`);
    expect(toApiPath(view({ range: 'custom', startMs: start, endMs: start + 10 * MIN }), NOW)).toBe(
      `/api/v1/llm/usage?start=${start}&end=${start + 10 * MIN}&bucket=10s`,
    );
  });

  it('keeps buckets round and at most MAX_BUCKETS over any window', () => {
    for (const window of [30_000, 10 * MIN, HOUR, 5 * HOUR, DAY, 3 * DAY, 7 * DAY, 30 * DAY, 400 * DAY]) {
      const bucket = bucketFor(window);
      expect(window / bucket).toBeLessThanOrEqual(MAX_BUCKETS);
      expect(bucket).toBeGreaterThanOrEqual(1000);
      expect(bucketParam(bucket)).toMatch(/^[0-9]+(ms|[smhd])$/);
    }
    expect(bucketParam(90 * MIN)).toBe('90m');
  });
});

describe('the custom range inputs', () => {
  it('show and read the local wall clock', () => {
    const ms = Date.UTC(2026, 10, 29, 9, 30);
    expect(localInputValue(ms)).toMatch(/^2026-11-\d\dT\d\d:30$/);
    expect(parseLocalInput(localInputValue(ms))).toBe(ms);
    expect(parseLocalInput('29/11/2026')).toBeNull();
  });
});

describe('an empty answer', () => {
  it('says which filters narrowed it', () => {
    expect(emptyMessage(DEFAULT_VIEW)).toBe('No LLM calls in the last 24 h.');
    expect(emptyMessage(view({ model: 'gpt-4o', service: 'chat', range: '1h' }))).toBe('No LLM calls of model “gpt-4o” from service “chat” in the last 1 h.');
  });
});
