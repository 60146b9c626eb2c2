import { describe, expect, it } from 'vitest';
import {
  costSource,
  EMPTY_SESSIONS_QUERY,
  formatCost,
  messagePreview,
  sessionApiPath,
  sessionOfSpans,
  sessionPagePath,
  sessionsApiPath,
  sessionsFromUrlParams,
  sessionsToUrlParams,
  sessionTracesPath,
} from './sessions';

describe('sessions query', () => {
  it('keeps defaults out of the URL and reads them back', () => {
    expect(sessionsToUrlParams(EMPTY_SESSIONS_QUERY).toString()).toBe('');
    const query = { ...EMPTY_SESSIONS_QUERY, service: 'chat', user: 'ann', q: 'conv-', lookback: '7d' };
    const params = sessionsToUrlParams(query);
    expect(params.toString()).toBe('service=chat&user_id=ann&lookback=7d&q=conv-');
    expect(sessionsFromUrlParams(params)).toEqual(query);
  });
  it('says all time as none, and a custom window replaces the lookback', () => {
    expect(sessionsToUrlParams({ ...EMPTY_SESSIONS_QUERY, lookback: '' }).get('lookback')).toBe('none');
    expect(sessionsFromUrlParams(new URLSearchParams('lookback=none')).lookback).toBe('');
    const custom = sessionsFromUrlParams(new URLSearchParams('start=2026-11-23T10:00:00Z&lookback=1h'));
    expect(custom.lookback).toBe('');
    expect(sessionsApiPath(custom)).toBe('/api/v1/sessions?start=2026-11-23T10%3A00%3A00Z&limit=50');
  });
  it('asks the api with the default lookback, the limit and the cursor', () => {
    expect(sessionsApiPath(EMPTY_SESSIONS_QUERY, '12.ab', 20)).toBe('/api/v1/sessions?lookback=24h&limit=20&cursor=12.ab');
    expect(sessionsApiPath({ ...EMPTY_SESSIONS_QUERY, lookback: '' })).toBe('/api/v1/sessions?limit=50');
  });
});

describe('session paths', () => {
  it('encodes the id as one path segment', () => {
    expect(sessionApiPath('a/b c?')).toBe('/api/v1/sessions/a%2Fb%20c%3F');
    expect(sessionPagePath('a/b')).toBe('/sessions/a%2Fb');
    expect(sessionTracesPath('s 1')).toBe('/traces?session_id=s+1&lookback=none');
  });
});

describe('figures', () => {
  it('never shows a missing cost as zero', () => {
    expect(formatCost(null)).toBe('no price');
    expect(formatCost(undefined)).toBe('no price');
    expect(formatCost(0)).toBe('$0');
    expect(formatCost(0.00123)).toBe('$0.0012');
    expect(formatCost(1.5)).toBe('$1.500');
  });
  it('says where the cost came from', () => {
    expect(costSource({ llm_calls: 4, cost: 1, cost_calls: 1, priced_calls: 2 })).toBe(
      'Cost of LLM calls: 1 sent by the application, 2 from the price table, 1 without a price',
    );
    expect(costSource({ llm_calls: 0, cost: null, cost_calls: 0, priced_calls: 0 })).toBe('No LLM calls');
  });
  it('previews the first line of a message', () => {
    expect(messagePreview('hello\nworld')).toBe('hello');
    expect(messagePreview('x'.repeat(10), 5)).toBe('xxxx…');
    expect(messagePreview(null)).toBe('');
  });
});

describe('sessionOfSpans', () => {
  it('reads session.id before gen_ai.conversation.id, on any span or its resource', () => {
    expect(sessionOfSpans([{ attributes: { 'gen_ai.conversation.id': 'conv' } }, { attributes: { 'session.id': 's-1' } }])).toBe('s-1');
    expect(sessionOfSpans([{ attributes: {} , resource: { 'gen_ai.conversation.id': 'conv' } }])).toBe('conv');
    expect(sessionOfSpans([{ attributes: { 'http.method': 'GET' } }])).toBeNull();
  });
});

describe('the trace search by session and user', () => {
  it('sends session_id and user_id to the api and keeps them in the URL', async () => {
    const { EMPTY_QUERY, fromUrlParams, toApiPath, toUrlParams } = await import('./traceQuery');
    const query = { ...EMPTY_QUERY, sessionId: 's 1', userId: 'ann' };
    const api = new URL(toApiPath(query), 'http://x').searchParams;
    expect(api.get('session_id')).toBe('s 1');
    expect(api.get('user_id')).toBe('ann');
    expect(fromUrlParams(toUrlParams(query))).toEqual(query);
  });
});
