import { describe, expect, it } from 'vitest';
import { diffStates, valueAt } from './stateDiff';

describe('state diff', () => {
  it('names each added, removed and changed path', () => {
    const before = { count: 1, items: ['a'], user: { name: 'x', 'a/b': 1 }, gone: true };
    const after = { count: 2, items: ['a', 'b'], user: { name: 'x', 'a/b': 2 }, fresh: null };
    expect(diffStates(before, after)).toEqual([
      { kind: 'changed', path: '/count', before: 1, after: 2 },
      { kind: 'added', path: '/fresh', after: null },
      { kind: 'removed', path: '/gone', before: true },
      { kind: 'added', path: '/items/1', after: 'b' },
      { kind: 'changed', path: '/user/a~1b', before: 1, after: 2 },
    ]);
  });

  it('says nothing when nothing changed and handles a first state', () => {
    expect(diffStates({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toEqual([]);
    expect(diffStates(undefined, { a: 1 })).toEqual([{ kind: 'added', path: '/', after: { a: 1 } }]);
    expect(diffStates('x', 3)).toEqual([{ kind: 'changed', path: '/', before: 'x', after: 3 }]);
  });

  it('reads a value back by its pointer', () => {
    const doc = { user: { 'a/b': [10, 20] } };
    expect(valueAt(doc, '/user/a~1b/1')).toBe(20);
    expect(valueAt(doc, '/nothing/here')).toBeUndefined();
    expect(valueAt(doc, '')).toBe(doc);
  });
});
