// The trace page's model: spans as a tree, the rows visible given what is
// collapsed, and the critical path. Built once per trace in O(n log n), so a
// 50,000-span trace stays interactive; rows are then virtualised by the page.

import type { Span } from '../api/types';
import { niceStep } from './chartScales';

export interface SpanNode {
  span: Span;
  depth: number;
  children: SpanNode[];
  index: number; // position in depth-first order
  descendants: number;
  onCriticalPath: boolean;
  isError: boolean;
}

export interface TraceTree {
  roots: SpanNode[];
  byId: Map<string, SpanNode>;
  order: SpanNode[]; // depth-first, children by start time
  startNs: number;
  endNs: number;
}

export function isErrorSpan(span: Span): boolean {
  return span.status?.code === 2;
}

export function buildTree(spans: Span[]): TraceTree {
  const byId = new Map<string, SpanNode>();
  for (const span of spans) {
    byId.set(span.span_id, { span, depth: 0, children: [], index: 0, descendants: 0, onCriticalPath: false, isError: isErrorSpan(span) });
  }
  const roots: SpanNode[] = [];
  for (const node of byId.values()) {
    const parent = node.span.parent_span_id ? byId.get(node.span.parent_span_id) : undefined;
    // A span whose parent never arrived is shown as a root rather than lost.
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  const byStart = (a: SpanNode, b: SpanNode) => a.span.start_ns - b.span.start_ns || (a.span.span_id < b.span.span_id ? -1 : 1);
  roots.sort(byStart);
  const order: SpanNode[] = [];
  let startNs = Number.POSITIVE_INFINITY;
  let endNs = Number.NEGATIVE_INFINITY;
  // Iterative depth-first walk: deep traces must not overflow the call stack.
  const stack: { node: SpanNode; depth: number; exit: boolean }[] = [];
  for (let i = roots.length - 1; i >= 0; i--) stack.push({ node: roots[i], depth: 0, exit: false });
  while (stack.length) {
    const item = stack.pop()!;
    const node = item.node;
    if (item.exit) {
      node.descendants = node.children.reduce((sum, child) => sum + 1 + child.descendants, 0);
      continue;
    }
    node.depth = item.depth;
    node.index = order.length;
    order.push(node);
    startNs = Math.min(startNs, node.span.start_ns);
    endNs = Math.max(endNs, node.span.end_ns);
    node.children.sort(byStart);
    stack.push({ node, depth: item.depth, exit: true });
    for (let i = node.children.length - 1; i >= 0; i--) stack.push({ node: node.children[i], depth: item.depth + 1, exit: false });
  }
  markCriticalPath(roots);
  return { roots, byId, order, startNs: order.length ? startNs : 0, endNs: order.length ? endNs : 0 };
}

// The critical path: from each root, repeatedly follow the child that finished
// last before the point reached so far, walking back from the parent's end.
// These are the spans whose time the trace's end waits on.
function markCriticalPath(roots: SpanNode[]) {
  const longest = roots.reduce<SpanNode | undefined>((best, node) => (!best || node.span.end_ns > best.span.end_ns ? node : best), undefined);
  if (!longest) return;
  const visit: SpanNode[] = [longest];
  while (visit.length) {
    const node = visit.pop()!;
    node.onCriticalPath = true;
    let cursor = node.span.end_ns;
    const children = [...node.children].sort((a, b) => b.span.end_ns - a.span.end_ns);
    for (const child of children) {
      if (child.span.end_ns <= cursor && child.span.end_ns > node.span.start_ns) {
        visit.push(child);
        cursor = child.span.start_ns;
      }
    }
  }
}

// Rows to draw: every node whose ancestors are all expanded.
export function visibleRows(tree: TraceTree, collapsed: Set<string>): SpanNode[] {
  const rows: SpanNode[] = [];
  const order = tree.order;
  for (let i = 0; i < order.length; ) {
    const node = order[i];
    rows.push(node);
    i += collapsed.has(node.span.span_id) ? node.descendants + 1 : 1;
  }
  return rows;
}

// Big traces open collapsed below `depth`, so the first screen is readable.
export function collapsedBelow(tree: TraceTree, depth: number): Set<string> {
  const collapsed = new Set<string>();
  for (const node of tree.order) {
    if (node.depth >= depth && node.children.length) collapsed.add(node.span.span_id);
  }
  return collapsed;
}

// Expands every ancestor of a span, so a search hit or a linked span is visible.
export function reveal(tree: TraceTree, collapsed: Set<string>, spanId: string): Set<string> {
  const next = new Set(collapsed);
  let node = tree.byId.get(tree.byId.get(spanId)?.span.parent_span_id ?? '');
  while (node) {
    next.delete(node.span.span_id);
    node = tree.byId.get(node.span.parent_span_id);
  }
  return next;
}

// Where a bar goes, as fractions of the visible window [fromNs, toNs].
export function barGeometry(span: Span, fromNs: number, toNs: number): { left: number; width: number } | null {
  const range = Math.max(1, toNs - fromNs);
  if (span.end_ns < fromNs || span.start_ns > toNs) return null;
  const left = (Math.max(span.start_ns, fromNs) - fromNs) / range;
  const right = (Math.min(span.end_ns, toNs) - fromNs) / range;
  return { left, width: Math.max(right - left, 0.002) };
}

export function matches(node: SpanNode, needle: string): boolean {
  if (!needle) return false;
  const text = needle.toLowerCase();
  const span = node.span;
  if (span.name.toLowerCase().includes(text) || span.service.toLowerCase().includes(text) || span.span_id.startsWith(text)) return true;
  for (const [key, value] of Object.entries(span.attributes ?? {})) {
    if (key.toLowerCase().includes(text) || String(value).toLowerCase().includes(text)) return true;
  }
  return false;
}

// OTLP's enums by name, as the specification spells them (a number not in it is shown as is).
const SPAN_KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const STATUS_CODES = ['UNSET', 'OK', 'ERROR'];

export function spanKindName(kind: number | undefined): string {
  return SPAN_KINDS[kind ?? 0] ?? `kind ${kind}`;
}

export function statusName(code: number | undefined): string {
  return STATUS_CODES[code ?? 0] ?? `status ${code}`;
}

// A span's own time: its duration less the union of its children's time inside it
// (children that overlap each other count once; time outside the span not at all).
export function selfTimeNs(node: SpanNode): number {
  const { start_ns: start, end_ns: end } = node.span;
  const pieces = node.children
    .map((child) => [Math.max(start, child.span.start_ns), Math.min(end, child.span.end_ns)] as const)
    .filter(([from, to]) => to > from)
    .sort((a, b) => a[0] - b[0]);
  let covered = 0;
  let reach = start;
  for (const [from, to] of pieces) {
    if (to <= reach) continue;
    covered += to - Math.max(from, reach);
    reach = to;
  }
  return Math.max(0, end - start - covered);
}

export interface TimeTick {
  fraction: number; // where it sits in the visible window, 0..1
  label: string; // time since the trace's start, with its unit
}

const TICK_UNITS: [number, string][] = [
  [1_000_000_000, 's'],
  [1_000_000, 'ms'],
  [1_000, 'µs'],
  [1, 'ns'],
];

// Round ticks across the visible window [fromNs, toNs], labelled as time since
// `originNs` (the trace's start), so the axis follows zoom. The unit is the one the
// window's far end reads best in and the decimals are what the step needs: a trace
// of 2 s reads 0.5 s, 1.0 s; zoomed to 40 µs at 12 ms in, 12.01 ms, 12.02 ms.
export function timeTicks(fromNs: number, toNs: number, originNs: number, maxTicks = 6): TimeTick[] {
  const range = toNs - fromNs;
  const unit = unitFor(Math.max(Math.abs(fromNs - originNs), Math.abs(toNs - originNs)));
  if (!(range > 0)) return [{ fraction: 0, label: formatOffset(fromNs - originNs, 1, unit) }];
  // A nice step rounds up (to 1, 2 or 5), so the step for two parts can pass the end of the
  // window (a 420 µs trace asks for 210, gets 500) and leave a lone 0 tick: ask for more
  // parts until two ticks fit. Five parts always do (a step of at most half the window).
  let ticks: TimeTick[] = [];
  for (let parts = Math.max(2, maxTicks - 1); ticks.length < 2 && parts <= Math.max(5, maxTicks - 1); parts++) {
    const step = Math.max(1, niceStep(range, parts));
    ticks = [];
    const first = Math.ceil((fromNs - originNs) / step) * step + originNs;
    for (let at = first; at <= toNs; at += step) {
      ticks.push({ fraction: (at - fromNs) / range, label: formatOffset(at - originNs, step, unit) });
    }
  }
  return ticks;
}

function unitFor(ns: number): [number, string] {
  return TICK_UNITS.find(([size]) => ns >= size) ?? TICK_UNITS[TICK_UNITS.length - 1];
}

function formatOffset(offsetNs: number, stepNs: number, [size, unit]: [number, string]): string {
  // As many decimals as the step needs (a 0.5 ms step needs one), no float noise.
  const decimals = Math.max(0, Math.ceil(-Math.log10(stepNs / size) - 1e-9));
  return `${(offsetNs / size).toFixed(Math.min(decimals, 9))} ${unit}`;
}

// An attribute key cut after its separators (dots, underscores, slashes, dashes),
// so a long key wraps between its words instead of mid-word.
export function keyParts(key: string): string[] {
  return key.match(/[^._/-]*[._/-]*/g)?.filter((part) => part.length > 0) ?? [key];
}

// The row the arrow keys move to from `selectedId` among the visible rows: the first
// row when nothing (or a row now hidden) is selected, clamped at either end.
export function stepSelection(rows: SpanNode[], selectedId: string | null, delta: number): SpanNode | undefined {
  if (rows.length === 0) return undefined;
  const at = selectedId ? rows.findIndex((node) => node.span.span_id === selectedId) : -1;
  if (at < 0) return rows[0];
  return rows[Math.min(rows.length - 1, Math.max(0, at + delta))];
}
