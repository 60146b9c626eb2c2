import { describe, expect, it } from 'vitest';
import type { Span } from '../api/types';
import { barGeometry, buildTree, collapsedBelow, keyParts, reveal, selfTimeNs, spanKindName, statusName, stepSelection, timeTicks, visibleRows } from './waterfall';

function span(id: string, parent: string, start: number, end: number, error = false): Span {
  return {
    trace_id: 't', span_id: id, parent_span_id: parent, service: 'svc', name: `op-${id}`, kind: 1,
    start_ns: start, end_ns: end, duration_ns: end - start, status: { code: error ? 2 : 0, message: '' },
    trace_state: '', flags: 0, attributes: {}, events: [], links: [], resource: {}, scope: null,
    dropped_attributes_count: 0, dropped_events_count: 0, dropped_links_count: 0,
  };
}

describe('waterfall', () => {
  const spans = [
    span('c', 'a', 50, 90),
    span('a', '', 0, 100),
    span('b', 'a', 10, 40, true),
    span('d', 'c', 60, 85),
    span('orphan', 'missing', 5, 6),
  ];

  it('orders depth first by start time and keeps orphans as roots', () => {
    const tree = buildTree(spans);
    expect(tree.order.map((n) => n.span.span_id)).toEqual(['a', 'b', 'c', 'd', 'orphan']);
    expect(tree.order.map((n) => n.depth)).toEqual([0, 1, 1, 2, 0]);
    expect(tree.byId.get('a')!.descendants).toBe(3);
    expect(tree.byId.get('b')!.isError).toBe(true);
    expect([tree.startNs, tree.endNs]).toEqual([0, 100]);
  });

  it('marks the critical path: the spans the end waits on', () => {
    const tree = buildTree(spans);
    const critical = tree.order.filter((n) => n.onCriticalPath).map((n) => n.span.span_id);
    expect(critical).toEqual(['a', 'b', 'c', 'd']);
    const overlapping = buildTree([span('r', '', 0, 100), span('x', 'r', 0, 80), span('y', 'r', 10, 95)]);
    expect(overlapping.order.filter((n) => n.onCriticalPath).map((n) => n.span.span_id)).toEqual(['r', 'y']);
  });

  it('hides the descendants of collapsed spans and reveals a span on demand', () => {
    const tree = buildTree(spans);
    expect(visibleRows(tree, new Set(['c'])).map((n) => n.span.span_id)).toEqual(['a', 'b', 'c', 'orphan']);
    expect(visibleRows(tree, new Set(['a'])).map((n) => n.span.span_id)).toEqual(['a', 'orphan']);
    const collapsed = collapsedBelow(tree, 1);
    expect([...collapsed]).toEqual(['c']);
    expect(visibleRows(tree, reveal(tree, new Set(['a', 'c']), 'd')).map((n) => n.span.span_id)).toEqual(['a', 'b', 'c', 'd', 'orphan']);
  });

  it('places bars inside the zoomed window', () => {
    expect(barGeometry(span('a', '', 0, 100), 0, 100)).toEqual({ left: 0, width: 1 });
    expect(barGeometry(span('a', '', 50, 75), 50, 100)).toEqual({ left: 0, width: 0.5 });
    expect(barGeometry(span('a', '', 0, 10), 50, 100)).toBeNull();
  });

  it('builds a 50,000-span tree quickly and deep ones without recursion', () => {
    const many: Span[] = [span('root', '', 0, 1_000_000)];
    for (let i = 0; i < 50_000; i++) many.push(span(`s${i}`, i % 10 === 0 ? 'root' : `s${i - 1}`, i, i + 10));
    const tree = buildTree(many);
    expect(tree.order.length).toBe(50_001);
    const chain: Span[] = [span('c0', '', 0, 100000)];
    for (let i = 1; i < 20_000; i++) chain.push(span(`c${i}`, `c${i - 1}`, i, 100000 - i));
    expect(buildTree(chain).order[19_999].depth).toBe(19_999);
  });
});

describe('waterfall facts', () => {
  it('names span kinds and status codes as OTLP does', () => {
    expect([0, 1, 2, 3, 4, 5].map(spanKindName)).toEqual(['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER']);
    expect([0, 1, 2].map(statusName)).toEqual(['UNSET', 'OK', 'ERROR']);
    expect(statusName(7)).toBe('status 7');
  });

  it('takes the union of the children, inside the span, from its duration as self time', () => {
    const tree = buildTree([
      span('p', '', 0, 100),
      span('x', 'p', 10, 40),
      span('y', 'p', 30, 50), // overlaps x: 10..50 counts once
      span('z', 'p', 90, 130), // runs past the parent: only 90..100 counts
    ]);
    expect(selfTimeNs(tree.byId.get('p')!)).toBe(100 - 40 - 10);
    expect(selfTimeNs(tree.byId.get('x')!)).toBe(30);
  });

  it('puts round ticks with units on the axis, following zoom', () => {
    const whole = timeTicks(0, 2_000_000_000, 0);
    expect(whole.map((t) => t.label)).toEqual(['0.0 s', '0.5 s', '1.0 s', '1.5 s', '2.0 s']);
    expect(whole[2].fraction).toBe(0.5);
    const zoomed = timeTicks(12_000_000, 12_040_000, 0);
    expect(zoomed.map((t) => t.label)).toEqual(['12.00 ms', '12.01 ms', '12.02 ms', '12.03 ms', '12.04 ms']);
    const small = timeTicks(0, 800, 0);
    expect(small.at(-1)!.label).toBe('800 ns');
    expect(timeTicks(5, 5, 0)).toHaveLength(1);
    // A phone's narrow axis still gets a scale, not a lone 0.
    expect(timeTicks(0, 72_000, 0, 2).map((t) => t.label)).toEqual(['0 µs', '50 µs']);
    // Even when the round step for two parts passes the end (420 µs asks for 210, rounds to 500).
    expect(timeTicks(0, 420_000, 0, 2).map((t) => t.label)).toEqual(['0 µs', '200 µs', '400 µs']);
    for (let range = 3; range < 5_000_000_000; range = Math.ceil(range * 1.07)) {
      for (const maxTicks of [2, 3, 6]) {
        expect(timeTicks(1_000, 1_000 + range, 0, maxTicks).length, `${range} ns, ${maxTicks} ticks`).toBeGreaterThanOrEqual(2);
      }
    }
  });

  it('cuts attribute keys after their separators', () => {
    expect(keyParts('gen_ai.usage.input_tokens')).toEqual(['gen_', 'ai.', 'usage.', 'input_', 'tokens']);
    expect(keyParts('plain')).toEqual(['plain']);
    expect(keyParts('a..b').join('')).toBe('a..b');
  });

  it('moves the selection among the visible rows, clamped at the ends', () => {
    const tree = buildTree(spans());
    const rows = visibleRows(tree, new Set());
    expect(stepSelection(rows, null, 1)?.span.span_id).toBe('a');
    expect(stepSelection(rows, 'a', 1)?.span.span_id).toBe('b');
    expect(stepSelection(rows, 'a', -1)?.span.span_id).toBe('a');
    expect(stepSelection(rows, 'orphan', 1)?.span.span_id).toBe('orphan');
    expect(stepSelection([], 'a', 1)).toBeUndefined();
  });
});

function spans(): Span[] {
  return [span('a', '', 0, 100), span('b', 'a', 10, 40), span('orphan', 'missing', 5, 6)];
}
