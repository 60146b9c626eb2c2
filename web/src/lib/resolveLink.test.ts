import { describe, expect, it } from 'vitest';
import { isFound, resolveApiPath, retryDelayMs } from './resolveLink';

describe('a stable link asks the api', () => {
  it('with the link parameters, how long it has waited, and nothing else', () => {
    const link = new URLSearchParams('service_namespace=prod&service_name=my%20app&executable_type=agent&runtime_id=r%2F1&utm=x');
    const path = resolveApiPath(link, 1234.7);
    expect(path.startsWith('/api/v1/resolve/executable?')).toBe(true);
    const query = new URLSearchParams(path.split('?')[1]);
    expect(query.get('service_name')).toBe('my app');
    expect(query.get('executable_type')).toBe('agent');
    expect(query.get('runtime_id')).toBe('r/1');
    expect(query.get('service_namespace')).toBe('prod');
    expect(query.get('waited_ms')).toBe('1234');
    expect(query.has('utm')).toBe(false);
  });

  it('leaves out what the link lacks, so the api names it', () => {
    const query = new URLSearchParams(resolveApiPath(new URLSearchParams('runtime_id=r'), 0).split('?')[1]);
    expect(query.has('service_name')).toBe(false);
    expect(query.get('waited_ms')).toBe('0');
  });
});

describe('asking again', () => {
  it('backs off from 1 s doubling to 10 s', () => {
    expect([0, 1, 2, 3, 4, 5, 9].map((attempt) => retryDelayMs(attempt, 0, undefined))).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000, 10_000,
    ]);
  });

  it('never waits past the bound, so the last ask comes when the api gives up', () => {
    expect(retryDelayMs(5, 115_000, 120_000)).toBe(5000);
    expect(retryDelayMs(1, 0, 120_000)).toBe(2000);
    expect(retryDelayMs(5, 120_000, 120_000)).toBe(250);
  });

  it('tells a found run from one not yet seen', () => {
    expect(isFound({ state: 'found' } as never)).toBe(true);
    expect(isFound({ state: 'not_yet_seen' } as never)).toBe(false);
  });
});
