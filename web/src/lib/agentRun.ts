// The logic of a Junjo agent run's page (pages/AgentRun.tsx), apart from React:
// the operation timeline (model request -> its tool calls -> model request ...)
// with each bar placed in the run's time, the requested and validated arguments
// of a tool call compared, usage as a table per request and in total, the run's
// counters, its parent run's page, and, for the workflow run page, the agent
// runs below a node's span. What each field means: stages/api/openapi.json
// (AgentRunDetail, AgentOperation, AgentUsage, AgentRunUsage).

import type { AgentOperation, AgentRunUsage, AgentUsage, Run, Span } from '../api/types';
import { runPath } from './runsQuery';
import { activeZone, zoneAbbreviation } from './timeZone';
import { diffStates, type Change } from './stateDiff';

export type OperationKind = 'model_request' | 'tool_call' | 'other';
export type OperationOutcome = 'ok' | 'error' | 'cancelled';

export interface TimelineRow {
  op: AgentOperation;
  kind: OperationKind;
  outcome: OperationOutcome;
  // The model request (its span id) whose answer asked for this tool call: the
  // last model request before it; undefined for a model request or an
  // operation before any.
  turnOf?: string;
  // The bar, in percent of the run's duration.
  offsetPct: number;
  widthPct: number;
}

// The narrowest bar drawn, in percent, so that an instant operation stays visible.
const MIN_BAR_PCT = 0.5;

export function operationKind(op: Pick<AgentOperation, 'type'>): OperationKind {
  if (op.type === 'model_request') return 'model_request';
  // The api says tool_call; the SDK's own word is tool.
  if (op.type === 'tool_call' || op.type === 'tool') return 'tool_call';
  return 'other';
}

export function operationOutcome(op: Pick<AgentOperation, 'status_code' | 'cancelled'>): OperationOutcome {
  if (op.cancelled) return 'cancelled';
  return op.status_code === 2 ? 'error' : 'ok';
}

const clamp = (value: number, low: number, high: number) => Math.min(Math.max(value, low), high);

// Where an operation's bar sits in the run, in percent of the run's duration.
export function barOf(run: Pick<Run, 'start_ns' | 'duration_ns'>, op: Pick<AgentOperation, 'start_ns' | 'duration_ns'>): { offsetPct: number; widthPct: number } {
  if (!(run.duration_ns > 0)) return { offsetPct: 0, widthPct: 100 };
  const offsetPct = clamp(((op.start_ns - run.start_ns) / run.duration_ns) * 100, 0, 100 - MIN_BAR_PCT);
  const widthPct = clamp((op.duration_ns / run.duration_ns) * 100, MIN_BAR_PCT, 100 - offsetPct);
  return { offsetPct, widthPct };
}

// The operations in the run's order: by sequence (an operation without one
// last), then start, then span id; each tool call under the model request before it.
export function buildTimeline(run: Pick<Run, 'start_ns' | 'duration_ns'>, operations: AgentOperation[]): TimelineRow[] {
  const ordered = [...operations].sort(
    (a, b) =>
      (a.sequence ?? Number.MAX_SAFE_INTEGER) - (b.sequence ?? Number.MAX_SAFE_INTEGER) ||
      a.start_ns - b.start_ns ||
      a.span_id.localeCompare(b.span_id),
  );
  let turn: string | undefined;
  return ordered.map((op) => {
    const kind = operationKind(op);
    if (kind === 'model_request') turn = op.span_id;
    return { op, kind, outcome: operationOutcome(op), turnOf: kind === 'model_request' ? undefined : turn, ...barOf(run, op) };
  });
}

// What became of a tool call's arguments between the model and the tool:
//   same      validated as asked;
//   coerced   validated, but not as asked (e.g. "12" read as 12): the changes;
//   failed    the model's arguments did not pass validation: none validated, and why;
//   unchecked none validated and no failure said (cancelled or still running, or not reported).
export type ArgumentsVerdict =
  | { state: 'same' }
  | { state: 'coerced'; changes: Change[] }
  | { state: 'failed'; reason: string }
  | { state: 'unchecked'; reason: string };

const isAbsent = (value: unknown) => value === null || value === undefined;

export function compareArguments(
  op: Pick<AgentOperation, 'requested_arguments' | 'arguments' | 'status_code' | 'status_message' | 'cancelled' | 'result_unavailable_reason'>,
): ArgumentsVerdict {
  const requested = op.requested_arguments;
  const validated = op.arguments;
  if (!isAbsent(validated)) {
    if (isAbsent(requested)) return { state: 'same' };
    const changes = diffStates(requested, validated);
    return changes.length === 0 ? { state: 'same' } : { state: 'coerced', changes };
  }
  const why = op.status_message || op.result_unavailable_reason || '';
  if (op.cancelled) return { state: 'unchecked', reason: why || 'cancelled' };
  if (op.status_code === 2 || op.result_unavailable_reason === 'not_invoked') {
    return { state: 'failed', reason: why || 'the arguments failed validation' };
  }
  return { state: 'unchecked', reason: why || (isAbsent(requested) ? 'no arguments reported' : 'no validated arguments reported') };
}

// The usage fields, in the order they are shown, with their labels.
export const USAGE_FIELDS = [
  { key: 'input_tokens', label: 'input' },
  { key: 'output_tokens', label: 'output' },
  { key: 'total_tokens', label: 'total' },
  { key: 'cached_input_tokens', label: 'cached input' },
  { key: 'reasoning_tokens', label: 'reasoning' },
] as const satisfies readonly { key: keyof AgentUsage; label: string }[];
export type UsageField = (typeof USAGE_FIELDS)[number];

// "30 input · 8 output · 38 total tokens", fields not reported left out; '' when none is.
export function formatUsage(usage: AgentUsage | null | undefined): string {
  if (!usage) return '';
  const parts = USAGE_FIELDS.filter((f) => usage[f.key] !== undefined).map((f) => `${usage[f.key]} ${f.label}`);
  return parts.length === 0 ? '' : `${parts.join(' · ')} tokens`;
}

// Where the run's total comes from, in words.
export function usageSource(usage: Pick<AgentRunUsage, 'source' | 'model_responses'>): string {
  const responses = `${usage.model_responses} model ${usage.model_responses === 1 ? 'response' : 'responses'}`;
  return usage.source === 'run'
    ? `reported by the run (${responses})`
    : `summed over the model requests (${responses}; the run reported no total)`;
}

export interface UsageRow {
  label: string;
  spanId?: string; // the model request's span; none for the total
  usage: AgentUsage | null;
}

export interface UsageTable {
  fields: UsageField[]; // the columns: fields some row reports
  rows: UsageRow[]; // each model request, in order, then the total
}

// Usage per model request and in total, with the columns some row fills.
export function usageTable(timeline: TimelineRow[], total: AgentUsage): UsageTable {
  const rows: UsageRow[] = timeline
    .filter((r) => r.kind === 'model_request')
    .map((r) => ({ label: r.op.name, spanId: r.op.span_id, usage: r.op.usage }));
  rows.push({ label: 'Total', usage: total });
  const fields = USAGE_FIELDS.filter((f) => rows.some((r) => r.usage?.[f.key] !== undefined));
  return { fields, rows };
}

// The run's counters and limits, as the header lists them: the known ones in
// this order, then any other the api sends, under its own name.
const COUNTERS: readonly { key: string; label: string }[] = [
  { key: 'operations', label: 'operations' },
  { key: 'model_requests', label: 'model requests' },
  { key: 'tool_calls_requested', label: 'tool calls requested' },
  { key: 'tool_calls_admitted', label: 'admitted' },
  { key: 'tool_calls_started', label: 'started' },
  { key: 'tool_calls_completed', label: 'completed' },
  { key: 'limit_model_requests', label: 'model request limit' },
  { key: 'limit_tool_calls', label: 'tool call limit' },
  { key: 'limit_attempted_count', label: 'attempted past the limit' },
  { key: 'limit_exceeded', label: 'limit exceeded' },
];

export function counters(counts: Record<string, unknown>): { key: string; label: string; value: string }[] {
  const text = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
  const known = COUNTERS.filter((c) => counts[c.key] !== undefined && counts[c.key] !== null).map((c) => ({ ...c, value: text(counts[c.key]) }));
  const others = Object.keys(counts)
    .filter((key) => !COUNTERS.some((c) => c.key === key) && counts[key] !== undefined && counts[key] !== null)
    .sort()
    .map((key) => ({ key, label: key.replace(/_/g, ' '), value: text(counts[key]) }));
  return [...known, ...others];
}

// How an outcome reads: completed as ok, failed as error, cancelled as itself;
// an outcome Junjo may add later reads neutral.
export function outcomeTone(outcome: string | undefined): 'ok' | 'error' | 'cancelled' | 'unknown' {
  if (outcome === 'completed') return 'ok';
  if (outcome === 'failed') return 'error';
  if (outcome === 'cancelled') return 'cancelled';
  return 'unknown';
}

// The page of the run the agent ran in, and how to name it; null when it ran alone.
export function parentRunLink(parent: Pick<Run, 'trace_id' | 'span_id' | 'span_type' | 'name'> | null | undefined): { path: string; label: string } | null {
  if (!parent) return null;
  return { path: runPath(parent), label: `${parent.span_type} ${parent.name}` };
}

// The agent runs at or below a span of a trace (a workflow node that ran an
// agent): each agent span among the span and its descendants, by start. The
// spans need not be sorted; a cycle in bad data ends the walk.
export function agentRunsWithin(spans: Span[], spanId: string): Span[] {
  const children = new Map<string, Span[]>();
  for (const span of spans) {
    const siblings = children.get(span.parent_span_id);
    if (siblings) siblings.push(span);
    else children.set(span.parent_span_id, [span]);
  }
  const found: Span[] = [];
  const seen = new Set<string>();
  const pending = spans.filter((s) => s.span_id === spanId);
  while (pending.length > 0) {
    const span = pending.pop()!;
    if (seen.has(span.span_id)) continue;
    seen.add(span.span_id);
    if (span.attributes?.['junjo.span_type'] === 'agent') found.push(span);
    pending.push(...(children.get(span.span_id) ?? []));
  }
  return found.sort((a, b) => a.start_ns - b.start_ns || a.span_id.localeCompare(b.span_id));
}

// The name of the zone times are read in (lib/timeZone) at an instant, for headings.
export function timeZoneName(ns: number, locale?: string): string {
  if (!ns) return '';
  return zoneAbbreviation(ns / 1_000_000, activeZone(), locale);
}
