import { describe, expect, it } from 'vitest';
import type { AgentOperation, AgentRunDetail, Span } from '../api/types';
import sdkFailed from './__fixtures__/agent-run-sdk-failed.json';
import {
  agentRunsWithin,
  barOf,
  buildTimeline,
  compareArguments,
  counters,
  formatUsage,
  operationKind,
  outcomeTone,
  parentRunLink,
  timeZoneName,
  usageSource,
  usageTable,
} from './agentRun';

const MS = 1_000_000;
const RUN = { start_ns: 1000 * MS, duration_ns: 30 * MS };

// An operation of the run above, as the api answers it (the project-made agent's,
// tests/support/junjo_agent.h: model -> lookup_city -> model -> to_fahrenheit failing validation).
function op(span: string, sequence: number | null, startMs: number, endMs: number, extra: Partial<AgentOperation> = {}): AgentOperation {
  return {
    span_id: span,
    sequence,
    type: 'model_request',
    name: span,
    start_ns: RUN.start_ns + startMs * MS,
    end_ns: RUN.start_ns + endMs * MS,
    duration_ns: (endMs - startMs) * MS,
    status_code: 0,
    status_message: '',
    cancelled: false,
    model_ordinal: null,
    model_provider: null,
    model_name: null,
    response_type: null,
    usage: null,
    state_revision: null,
    tool_name: null,
    tool_call_id: null,
    tool_call_ordinal: null,
    requested_arguments: null,
    arguments: null,
    result: null,
    result_unavailable_reason: null,
    state_revision_before: null,
    state_revision_after: null,
    ...extra,
  };
}

const model1 = op('b1', 1, 2, 10, { name: 'model request 1', usage: { input_tokens: 30, output_tokens: 8, total_tokens: 38 } });
const lookup = op('b2', 2, 11, 15, {
  type: 'tool_call',
  name: 'tool lookup_city',
  tool_name: 'lookup_city',
  requested_arguments: { city: 'Oslo' },
  arguments: { city: 'Oslo' },
  result: { celsius: 12.5 },
});
const model2 = op('b3', 3, 16, 23, { name: 'model request 2', usage: { input_tokens: 45, output_tokens: 9, total_tokens: 54 } });
const toFahrenheit = op('b4', 4, 24, 25, {
  type: 'tool_call',
  name: 'tool to_fahrenheit',
  requested_arguments: { celsius: 'warm' },
  status_code: 2,
  status_message: "Arguments for Tool 'to_fahrenheit' failed declared validation.",
  result_unavailable_reason: 'not_invoked',
});

describe('the operation timeline', () => {
  it('is in sequence order, each tool call under the model request that asked for it', () => {
    const rows = buildTimeline(RUN, [toFahrenheit, model2, lookup, model1]);
    expect(rows.map((r) => r.op.span_id)).toEqual(['b1', 'b2', 'b3', 'b4']);
    expect(rows.map((r) => r.kind)).toEqual(['model_request', 'tool_call', 'model_request', 'tool_call']);
    expect(rows.map((r) => r.turnOf)).toEqual([undefined, 'b1', undefined, 'b3']);
    expect(rows.map((r) => r.outcome)).toEqual(['ok', 'ok', 'ok', 'error']);
  });

  it('puts an operation without a sequence last, and ties by start', () => {
    const late = op('c9', null, 1, 2);
    const rows = buildTimeline(RUN, [late, op('c2', 5, 9, 10), op('c1', 5, 3, 4)]);
    expect(rows.map((r) => r.op.span_id)).toEqual(['c1', 'c2', 'c9']);
  });

  it('reads the SDK word tool as a tool call, and an unknown type as other', () => {
    expect(operationKind({ type: 'tool' })).toBe('tool_call');
    expect(operationKind({ type: 'handoff' })).toBe('other');
    expect(operationKind({ type: null })).toBe('other');
  });

  it('marks a cancelled operation cancelled even when it also failed', () => {
    expect(buildTimeline(RUN, [op('d1', 1, 0, 1, { status_code: 2, cancelled: true })])[0].outcome).toBe('cancelled');
  });

  it('places bars in the run time, never outside it nor invisible', () => {
    expect(barOf(RUN, model1)).toEqual({ offsetPct: (2 / 30) * 100, widthPct: (8 / 30) * 100 });
    // An instant operation keeps a visible bar; one past the run's end stays inside.
    expect(barOf(RUN, op('e1', 1, 15, 15)).widthPct).toBe(0.5);
    const late = barOf(RUN, op('e2', 1, 29, 40));
    expect(late.offsetPct + late.widthPct).toBeLessThanOrEqual(100);
    expect(barOf(RUN, op('e3', 1, -5, 1)).offsetPct).toBe(0);
    expect(barOf({ start_ns: 0, duration_ns: 0 }, model1)).toEqual({ offsetPct: 0, widthPct: 100 });
  });
});

describe('requested vs validated arguments', () => {
  it('says validated as asked', () => {
    expect(compareArguments(lookup)).toEqual({ state: 'same' });
  });

  it('names what validation changed', () => {
    const coerced = compareArguments({ ...lookup, requested_arguments: { celsius: '12.5', unit: 'C' }, arguments: { celsius: 12.5 } });
    expect(coerced).toEqual({
      state: 'coerced',
      changes: [
        { kind: 'changed', path: '/celsius', before: '12.5', after: 12.5 },
        { kind: 'removed', path: '/unit', before: 'C' },
      ],
    });
  });

  it('says validation failed, and why, when no arguments were validated', () => {
    expect(compareArguments(toFahrenheit)).toEqual({ state: 'failed', reason: "Arguments for Tool 'to_fahrenheit' failed declared validation." });
    // The tool not invoked is a failed validation even without an error status.
    expect(compareArguments({ ...toFahrenheit, status_code: 0, status_message: '' })).toEqual({ state: 'failed', reason: 'not_invoked' });
  });

  it('does not call a cancelled or unfinished call a failed validation', () => {
    expect(compareArguments({ ...toFahrenheit, cancelled: true, status_message: '', result_unavailable_reason: 'cancelled' })).toEqual({
      state: 'unchecked',
      reason: 'cancelled',
    });
    expect(compareArguments({ ...toFahrenheit, status_code: 0, status_message: '', result_unavailable_reason: null })).toEqual({
      state: 'unchecked',
      reason: 'no validated arguments reported',
    });
  });
});

describe('usage', () => {
  it('reads as the fields reported', () => {
    expect(formatUsage({ input_tokens: 30, output_tokens: 8, total_tokens: 38 })).toBe('30 input · 8 output · 38 total tokens');
    expect(formatUsage({ output_tokens: 3, reasoning_tokens: 2 })).toBe('3 output · 2 reasoning tokens');
    expect(formatUsage({})).toBe('');
    expect(formatUsage(null)).toBe('');
  });

  it('says where the total comes from', () => {
    expect(usageSource({ source: 'run', model_responses: 2 })).toBe('reported by the run (2 model responses)');
    expect(usageSource({ source: 'model_requests', model_responses: 1 })).toBe(
      'summed over the model requests (1 model response; the run reported no total)',
    );
  });

  it('is a table per model request and in total, with the columns some row fills', () => {
    const table = usageTable(buildTimeline(RUN, [model1, lookup, model2, op('b5', 5, 26, 28)]), {
      input_tokens: 75,
      output_tokens: 17,
      total_tokens: 92,
    });
    expect(table.fields.map((f) => f.key)).toEqual(['input_tokens', 'output_tokens', 'total_tokens']);
    expect(table.rows.map((r) => [r.label, r.spanId, r.usage?.input_tokens])).toEqual([
      ['model request 1', 'b1', 30],
      ['model request 2', 'b3', 45],
      ['b5', 'b5', undefined],
      ['Total', undefined, 75],
    ]);
  });
});

describe('the run header', () => {
  it('lists the counters in a fixed order, then any other under its name', () => {
    const list = counters({ tool_calls_completed: 1, model_requests: 2, limit_exceeded: 'tool_calls', operations: 4, new_counter: 7, absent: null });
    expect(list.map((c) => [c.label, c.value])).toEqual([
      ['operations', '4'],
      ['model requests', '2'],
      ['completed', '1'],
      ['limit exceeded', 'tool_calls'],
      ['new counter', '7'],
    ]);
  });

  it('reads the outcome as a tone', () => {
    expect(['completed', 'failed', 'cancelled', 'paused', undefined].map(outcomeTone)).toEqual(['ok', 'error', 'cancelled', 'unknown', 'unknown']);
  });

  it('links the run the agent ran in by its type', () => {
    const trace = 'ab'.repeat(16);
    expect(parentRunLink({ trace_id: trace, span_id: 'f1'.repeat(8), span_type: 'workflow', name: 'AskWorkflow' })).toEqual({
      path: `/workflows/${trace}/${'f1'.repeat(8)}`,
      label: 'workflow AskWorkflow',
    });
    expect(parentRunLink({ trace_id: trace, span_id: 'a1'.repeat(8), span_type: 'agent', name: 'Planner' })?.path).toBe(`/agents/${trace}/${'a1'.repeat(8)}`);
    expect(parentRunLink(null)).toBeNull();
  });

  it('names the time zone of a start', () => {
    expect(timeZoneName(1_768_467_600_000_000_000, 'en-US')).toMatch(/\S/);
    expect(timeZoneName(0)).toBe('');
  });
});

describe('agent runs below a workflow node', () => {
  const span = (id: string, parent: string, type: string | undefined, start: number): Span =>
    ({ span_id: id, parent_span_id: parent, start_ns: start, attributes: type ? { 'junjo.span_type': type } : {} }) as unknown as Span;
  // workflow w -> node n1 -> agent a1 (-> its model request m1 -> a nested agent a2); node n2 -> subflow s -> node n3 -> agent a3
  const spans = [
    span('a3', 'n3', 'agent', 9),
    span('w', '', 'workflow', 0),
    span('n1', 'w', 'node', 1),
    span('a1', 'n1', 'agent', 2),
    span('m1', 'a1', undefined, 3),
    span('a2', 'm1', 'agent', 4),
    span('n2', 'w', 'node', 5),
    span('s', 'n2', 'subflow', 6),
    span('n3', 's', 'node', 7),
  ];

  it('finds every agent span at or below the span, by start', () => {
    expect(agentRunsWithin(spans, 'n1').map((s) => s.span_id)).toEqual(['a1', 'a2']);
    expect(agentRunsWithin(spans, 'n2').map((s) => s.span_id)).toEqual(['a3']);
    expect(agentRunsWithin(spans, 'a1').map((s) => s.span_id)).toEqual(['a1', 'a2']);
    expect(agentRunsWithin(spans, 'w').map((s) => s.span_id)).toEqual(['a1', 'a2', 'a3']);
  });

  it('finds none below a node without one, or for an unknown span, and survives a cycle', () => {
    expect(agentRunsWithin(spans, 'm0')).toEqual([]);
    expect(agentRunsWithin([span('x', 'y', 'node', 0), span('y', 'x', 'agent', 1)], 'x').map((s) => s.span_id)).toEqual(['y']);
  });
});

describe("the api's answer for the real Junjo SDK's failing agent run", () => {
  const answer = sdkFailed as unknown as { run: AgentRunDetail; operations: AgentOperation[] };

  it('reads as model request -> the tool call that failed validation', () => {
    const rows = buildTimeline(answer.run, answer.operations);
    expect(rows.map((r) => [r.kind, r.outcome, r.op.sequence])).toEqual([
      ['model_request', 'ok', 1],
      ['tool_call', 'error', 2],
    ]);
    expect(rows[1].turnOf).toBe(rows[0].op.span_id);
    expect(compareArguments(rows[1].op)).toEqual({ state: 'failed', reason: "Arguments for Tool 'to_fahrenheit' failed declared validation." });
    for (const row of rows) expect(row.offsetPct + row.widthPct).toBeLessThanOrEqual(100);
  });

  it('has its usage per request and in total, from the run', () => {
    expect(formatUsage(answer.run.usage)).toBe('20 input · 4 output · 24 total tokens');
    expect(usageSource(answer.run.usage)).toBe('reported by the run (1 model response)');
    const table = usageTable(buildTimeline(answer.run, answer.operations), answer.run.usage);
    expect(table.rows.map((r) => r.usage?.total_tokens)).toEqual([24, 24]);
    expect(counters(answer.run.counts).map((c) => c.key)).toEqual([
      'operations',
      'model_requests',
      'tool_calls_requested',
      'tool_calls_admitted',
      'tool_calls_started',
      'tool_calls_completed',
      'limit_model_requests',
      'limit_tool_calls',
    ]);
  });
});
