// Two runs of one workflow side by side: each node's duration in both, the
// nodes that ran in only one, and how their end states differ.

import type { Span } from '../api/types';
import { diffStates, type Change } from './stateDiff';

export interface NodeComparison {
  name: string;
  a: number | null; // total duration in run A (ns), null when it did not run there
  b: number | null;
}

// Node spans (Junjo span type node/subflow/run_concurrent) grouped by name; a
// node that ran several times counts its total time.
function durations(spans: Span[], runSpanId: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const span of spans) {
    if (span.span_id === runSpanId || span.attributes?.['junjo.span_type'] === undefined) continue;
    out.set(span.name, (out.get(span.name) ?? 0) + span.duration_ns);
  }
  return out;
}

export function compareNodes(a: { spans: Span[]; runSpanId: string }, b: { spans: Span[]; runSpanId: string }): NodeComparison[] {
  const left = durations(a.spans, a.runSpanId);
  const right = durations(b.spans, b.runSpanId);
  const names = [...new Set([...left.keys(), ...right.keys()])].sort();
  return names.map((name) => ({ name, a: left.get(name) ?? null, b: right.get(name) ?? null }));
}

export function compareEndStates(a: unknown, b: unknown): Change[] {
  return diffStates(a, b);
}
