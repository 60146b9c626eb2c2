// The state debugger's "Changes" view: what differs between the state before a
// step and the state after it, path by path (RFC 6901 pointers), so a reader
// sees "/items/2 added" rather than two large JSON documents.

export type Change =
  | { kind: 'added'; path: string; after: unknown }
  | { kind: 'removed'; path: string; before: unknown }
  | { kind: 'changed'; path: string; before: unknown; after: unknown };

function escape(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function diffStates(before: unknown, after: unknown, path = ''): Change[] {
  if (Object.is(before, after)) return [];
  if (Array.isArray(before) && Array.isArray(after)) {
    const changes: Change[] = [];
    const common = Math.min(before.length, after.length);
    for (let i = 0; i < common; i++) changes.push(...diffStates(before[i], after[i], `${path}/${i}`));
    for (let i = common; i < after.length; i++) changes.push({ kind: 'added', path: `${path}/${i}`, after: after[i] });
    for (let i = common; i < before.length; i++) changes.push({ kind: 'removed', path: `${path}/${i}`, before: before[i] });
    return changes;
  }
  if (isObject(before) && isObject(after)) {
    const changes: Change[] = [];
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const key of [...keys].sort()) {
      const child = `${path}/${escape(key)}`;
      if (!(key in after)) changes.push({ kind: 'removed', path: child, before: before[key] });
      else if (!(key in before)) changes.push({ kind: 'added', path: child, after: after[key] });
      else changes.push(...diffStates(before[key], after[key], child));
    }
    return changes;
  }
  if (before === undefined) return [{ kind: 'added', path: path || '/', after }];
  if (after === undefined) return [{ kind: 'removed', path: path || '/', before }];
  return [{ kind: 'changed', path: path || '/', before, after }];
}

// The value at an RFC 6901 pointer, or undefined.
export function valueAt(document: unknown, pointer: string): unknown {
  if (pointer === '' || pointer === '/') return document;
  let current: unknown = document;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current)) current = current[Number(key)];
    else if (isObject(current)) current = current[key];
    else return undefined;
  }
  return current;
}
