import { describe, expect, it } from 'vitest';
import type { Span } from '../api/types';
import { compareEndStates, compareNodes } from './compareRuns';

const span = (id: string, name: string, duration: number, type?: string) =>
  ({ span_id: id, name, duration_ns: duration, attributes: type ? { 'junjo.span_type': type } : {} }) as unknown as Span;

describe('comparing two runs', () => {
  it('lines nodes up by name, sums repeats and shows what ran in one run only', () => {
    const a = [span('r', 'wf', 100, 'workflow'), span('1', 'fetch', 10, 'node'), span('2', 'retry', 5, 'node'), span('3', 'retry', 7, 'node'), span('x', 'http', 3)];
    const b = [span('r2', 'wf', 90, 'workflow'), span('4', 'fetch', 20, 'node'), span('5', 'summarise', 30, 'node')];
    expect(compareNodes({ spans: a, runSpanId: 'r' }, { spans: b, runSpanId: 'r2' })).toEqual([
      { name: 'fetch', a: 10, b: 20 },
      { name: 'retry', a: 12, b: null },
      { name: 'summarise', a: null, b: 30 },
    ]);
  });

  it('diffs the end states', () => {
    expect(compareEndStates({ answer: 'x', n: 1 }, { answer: 'y', n: 1 })).toEqual([{ kind: 'changed', path: '/answer', before: 'x', after: 'y' }]);
  });
});
