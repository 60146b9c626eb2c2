import { describe, expect, it } from 'vitest';
import type { Span } from '../api/types';
import { projectRun, sharedMissing, sharedRun, snapshotOf } from './__fixtures__/junjoSpans';
import { nodeOfSpan, nodeRuns, parseGraph, runSummary, type NodeRun, type WorkflowGraph } from './junjoGraph';

// Junjo's own contract fixtures, used in place (../shared beside the checkout).
// A clone without ../shared skips the tests on them; the project's own runs
// (__fixtures__/junjo-run-shapes.json) cover subflows, concurrent groups,
// conditions, failure and cancellation either way.
const fixtureSpans = sharedRun;

// Node label -> outcome, for reading a whole graph's result at once.
function outcomes(graph: WorkflowGraph, runs: Map<string, NodeRun>): Record<string, string> {
  return Object.fromEntries(graph.nodes.map((n) => [n.label, runs.get(n.id)!.outcome]));
}

describe('Junjo graphs', () => {
  it('reads a v2 snapshot with a subflow and marks which nodes ran', (ctx) => {
    if (sharedMissing) ctx.skip(sharedMissing);
    const spans = fixtureSpans('subflow_with_parent_store');
    const graph = parseGraph(spans[0].attributes?.['junjo.workflow.execution_graph_snapshot'])!;
    expect(graph.format).toBe('v2');
    expect(graph.nodes.map((n) => [n.id, n.kind, n.parent ?? null])).toEqual([
      ['node.subflow.prepare', 'node', null],
      ['node.subflow.container', 'subflow', null],
      ['node.child.entry', 'node', 'node.subflow.container'],
      ['node.child.exit', 'node', 'node.subflow.container'],
    ]);
    expect(graph.edges).toHaveLength(2);
    const runs = nodeRuns(graph, spans);
    expect(runs.get('node.subflow.prepare')!.outcome).toBe('ok');
    expect(runs.get('node.subflow.container')!.span!.name).toBe('child_subflow');
    expect(runs.get('node.child.entry')!.outcome).toBe('ok');
    expect(runs.get('node.child.exit')!.outcome).toBe('not_run');
  });

  it('nests a concurrent group around its branches', (ctx) => {
    if (sharedMissing) ctx.skip(sharedMissing);
    const spans = fixtureSpans('run_concurrent_success');
    const graph = parseGraph(spans[0].attributes?.['junjo.workflow.execution_graph_snapshot'])!;
    const fanout = graph.nodes.find((n) => n.id === 'run.concurrent.fanout')!;
    expect(fanout.kind).toBe('concurrent');
    expect(graph.nodes.filter((n) => n.parent === fanout.id).map((n) => n.label)).toEqual(['branch_a', 'branch_b']);
    const runs = nodeRuns(graph, spans);
    expect([...runs.values()].every((r) => r.outcome === 'ok')).toBe(true);
  });

  it('reads a v2 snapshot with a subflow and a concurrent group (made from the contract)', () => {
    const node = (id: string, label: string, type = 'Node') => ({ nodeRuntimeId: id, nodeStructuralId: `s-${id}`, nodeType: type, nodeLabel: label });
    const edge = (id: string, tail: string, head: string, parent: string | null = null) => ({
      edgeStructuralId: id, tailNodeRuntimeId: tail, tailNodeStructuralId: `s-${tail}`, headNodeRuntimeId: head,
      headNodeStructuralId: `s-${head}`, edgeConditionLabel: parent ? null : 'ready', edgeScope: parent ? 'subflow' : 'explicit',
      parentSubflowRuntimeId: parent,
    });
    const snapshot = {
      v: 2,
      graphStructuralId: 'g-main',
      nodes: [
        node('plan', 'plan'),
        { ...node('both', 'both', 'RunConcurrent'), isConcurrentSubgraph: true, childNodeRuntimeIds: ['left', 'right'] },
        node('left', 'left'),
        node('right', 'right'),
        { ...node('sub', 'review', 'Workflow'), isSubflow: true, subflowGraphStructuralId: 'g-review', subflowSourceNodeRuntimeId: 'draft',
          subflowSourceNodeStructuralId: 's-draft', subflowSinkNodeRuntimeIds: ['publish'], subflowSinkNodeStructuralIds: ['s-publish'] },
        node('draft', 'draft'),
        node('publish', 'publish'),
      ],
      edges: [edge('e1', 'plan', 'both'), edge('e2', 'both', 'sub'), edge('e3', 'draft', 'publish', 'sub')],
    };
    const graph = parseGraph(JSON.stringify(snapshot))!;
    expect(graph.format).toBe('v2');
    expect(graph.nodes.map((n) => [n.id, n.kind, n.parent ?? null])).toEqual([
      ['plan', 'node', null],
      ['both', 'concurrent', null],
      ['left', 'node', 'both'],
      ['right', 'node', 'both'],
      ['sub', 'subflow', null],
      ['draft', 'node', 'sub'],
      ['publish', 'node', 'sub'],
    ]);
    expect(graph.edges.map((e) => [e.source, e.target, e.label, e.scope])).toEqual([
      ['plan', 'both', 'ready', 'explicit'],
      ['both', 'sub', 'ready', 'explicit'],
      ['draft', 'publish', null, 'subflow'],
    ]);
    const span = (name: string, runtime: string, code = 0, structural = `s-${runtime}`) => ({
      span_id: name, parent_span_id: '', name, status: { code },
      attributes: { 'junjo.executable_runtime_id': runtime, 'junjo.executable_structural_id': structural },
    }) as unknown as Span;
    const runs = nodeRuns(graph, [span('plan', 'plan'), span('both', 'both'), span('left', 'left'), span('right', 'right', 2),
      span('review', 'run-review-1', 0, 'g-review'), span('draft', 'draft')]);
    expect([...runs].map(([id, run]) => [id, run.outcome])).toEqual([
      ['plan', 'ok'], ['both', 'ok'], ['left', 'ok'], ['right', 'error'], ['sub', 'ok'], ['draft', 'ok'], ['publish', 'not_run'],
    ]);
    expect(runs.get('sub')!.span!.name).toBe('review');
  });

  it('reads v1 graph_structure with conditions and a failing node', () => {
    const v1 = {
      v: 1,
      nodes: [
        { id: 'n1', type: 'Fetch', label: 'fetch' },
        { id: 'g', type: 'RunConcurrent', label: 'both', isSubgraph: true, children: ['n2', 'n3'] },
        { id: 'n2', type: 'A', label: 'a' },
        { id: 'n3', type: 'B', label: 'b' },
      ],
      edges: [
        { id: 'e1', source: 'n1', target: 'g', condition: 'has_items', type: 'explicit' },
        { id: 'e2', source: 'g', target: 'missing', condition: null, type: 'explicit' },
      ],
    };
    const graph = parseGraph(JSON.stringify(v1))!;
    expect(graph.format).toBe('v1');
    expect(graph.edges).toEqual([{ id: 'e1', source: 'n1', target: 'g', label: 'has_items', scope: 'explicit' }]);
    expect(graph.nodes.find((n) => n.id === 'n2')!.parent).toBe('g');
    const failing = { span_id: 's', parent_span_id: '', name: 'fetch', status: { code: 2 }, attributes: { 'junjo.id': 'n1' } } as unknown as Span;
    expect(nodeRuns(graph, [failing]).get('n1')!.outcome).toBe('error');
    expect(parseGraph('not json')).toBeNull();
    expect(parseGraph(null)).toBeNull();
  });
});

describe('Junjo graphs: nodes matched to spans by structure', () => {
  it('draws the nodes inside a subflow as run although the subflow renewed their runtime ids', () => {
    const spans = projectRun('subflow_in_concurrent');
    const graph = parseGraph(snapshotOf(spans))!;
    const joke = graph.nodes.find((n) => n.label === 'CreateJokeNode')!;
    // The premise: no span carries the runtime id the snapshot gives CreateJokeNode.
    expect(spans.some((s) => Object.values(s.attributes ?? {}).includes(joke.id))).toBe(false);
    const runs = nodeRuns(graph, spans, spans[0].span_id);
    expect(outcomes(graph, runs)).toEqual({
      StartNode: 'ok', ParallelWork: 'ok', CountNode: 'ok', SampleSubflow: 'ok', CreateJokeNode: 'ok', CreateFactNode: 'ok',
      EvenNode: 'ok', OddNode: 'not_run', ReviewSubflow: 'ok', CheckNode: 'ok', InnerSubflow: 'ok', SummarizeNode: 'ok',
      SignOffNode: 'ok', FinalNode: 'ok',
    });
    const spanOf = (label: string) => runs.get(graph.nodes.find((n) => n.label === label)!.id)!.span!.span_id;
    expect(spanOf('CreateJokeNode')).toBe('a100000000000006');
    expect(spanOf('SampleSubflow')).toBe('a100000000000005');
    expect(spanOf('SignOffNode')).toBe('a10000000000000d');
    expect(runs.get(joke.id)!.durationNs).toBe(160_000_000);
    // Boxes: the concurrent group holds the subflow, the subflows hold their nodes.
    const parentOf = (label: string) => graph.nodes.find((n) => n.id === graph.nodes.find((m) => m.label === label)!.parent)?.label ?? null;
    expect(['CountNode', 'SampleSubflow', 'CreateJokeNode', 'SummarizeNode', 'InnerSubflow', 'FinalNode'].map(parentOf)).toEqual([
      'ParallelWork', 'ParallelWork', 'SampleSubflow', 'InnerSubflow', 'ReviewSubflow', null,
    ]);
    expect(graph.edges.filter((e) => e.label).map((e) => e.label)).toEqual(['CounterIsEven()', 'CounterIsOdd()', 'MatchesCount(15)']);
    // Every Junjo span below the run belongs to exactly one node.
    expect(nodeOfSpan(runs).size).toBe(spans.length - 1);
  });

  it('marks the failing node red, the nodes after it grey, and says where and why the run failed', () => {
    const spans = projectRun('failing_node');
    const graph = parseGraph(snapshotOf(spans))!;
    expect(outcomes(graph, nodeRuns(graph, spans))).toEqual({ FetchNode: 'ok', ParseNode: 'error', SaveNode: 'not_run' });
    expect(spans[0].attributes?.['junjo.workflow.node.count']).toBe(1);
    const summary = runSummary(spans);
    expect(summary.nodesRan).toBe(2);
    expect(summary.failure?.span.name).toBe('ParseNode');
    expect(summary.failure?.message).toBe('ValueError: bad input: expected JSON');
    expect(summary.cancellation).toBeUndefined();
  });

  it('marks a cancelled node and says why the run stopped', () => {
    const spans = projectRun('cancelled');
    const graph = parseGraph(snapshotOf(spans))!;
    expect(outcomes(graph, nodeRuns(graph, spans))).toEqual({ WaitNode: 'ok', SlowNode: 'cancelled', AfterNode: 'not_run' });
    const summary = runSummary(spans);
    expect(summary).toMatchObject({ nodesRan: 2, failure: undefined, cancellation: { message: 'asyncio task cancelled' } });
    expect(summary.cancellation!.span.name).toBe('SlowNode');
  });

  it('tells apart two uses of the same subflow in one graph, and their nodes', () => {
    const node = (id: string, label: string, extra = {}) => ({ nodeRuntimeId: id, nodeStructuralId: `st-${label}`, nodeType: label, nodeLabel: label, ...extra });
    const sub = (id: string, inner: string) =>
      node(id, `sub-${id}`, { nodeStructuralId: `st-${id}`, isSubflow: true, subflowGraphStructuralId: 'g-sub', subflowSourceNodeRuntimeId: inner, subflowSinkNodeRuntimeIds: [inner] });
    const graph = parseGraph({
      v: 2, graphStructuralId: 'g-main',
      nodes: [sub('first', 'snap-1'), node('snap-1', 'inner'), sub('second', 'snap-2'), node('snap-2', 'inner')],
      edges: [{ edgeStructuralId: 'e', tailNodeRuntimeId: 'first', headNodeRuntimeId: 'second', edgeScope: 'explicit' }],
    })!;
    const span = (id: string, parent: string, type: string, structural: string, start: number, code = 0) => ({
      span_id: id, parent_span_id: parent, name: id, start_ns: start, duration_ns: 1, status: { code, message: '' },
      attributes: { 'junjo.span_type': type, 'junjo.executable_runtime_id': `run-${id}`, 'junjo.executable_structural_id': structural },
    }) as unknown as Span;
    const spans = [
      span('root', '', 'workflow', 'g-main', 0),
      span('s1', 'root', 'subflow', 'g-sub', 1), span('n1', 's1', 'node', 'st-inner', 2),
      span('s2', 'root', 'subflow', 'g-sub', 3), span('n2', 's2', 'node', 'st-inner', 4, 2),
    ];
    const runs = nodeRuns(graph, spans, 'root');
    expect([...runs].map(([id, r]) => [id, r.outcome, r.span?.span_id])).toEqual([
      ['first', 'ok', 's1'], ['snap-1', 'ok', 'n1'], ['second', 'ok', 's2'], ['snap-2', 'error', 'n2'],
    ]);
  });

  it('counts every execution of a node in a loop and opens the last', () => {
    const graph = parseGraph({ v: 2, graphStructuralId: 'g', nodes: [{ nodeRuntimeId: 'n', nodeStructuralId: 'st', nodeType: 'Loop', nodeLabel: 'loop' }], edges: [] })!;
    const span = (id: string, start: number) => ({ span_id: id, parent_span_id: 'root', name: 'loop', start_ns: start, duration_ns: 10, status: { code: 0, message: '' },
      attributes: { 'junjo.span_type': 'node', 'junjo.executable_runtime_id': 'n', 'junjo.executable_structural_id': 'st' } }) as unknown as Span;
    const run = nodeRuns(graph, [span('b', 20), span('a', 10), span('c', 30)]).get('n')!;
    expect(run.spans.map((s) => s.span_id)).toEqual(['a', 'b', 'c']);
    expect(run.span!.span_id).toBe('c');
    expect(run.durationNs).toBe(30);
  });

  it('matches v1 subflow nodes by name within the subflow when their ids were renewed', () => {
    const graph = parseGraph({
      v: 1,
      nodes: [{ id: 'sf', type: 'Sub', label: 'Sub', isSubflow: true, subflowSourceId: 'a', subflowSinkId: 'a2' }, { id: 'a', type: 'A', label: 'A' },
        { id: 'a2', type: 'A2', label: 'A2' }, { id: 'b', type: 'B', label: 'B' }],
      edges: [{ id: 'e', source: 'a', target: 'a2', type: 'subflow', subflowId: 'sf' }, { id: 'e2', source: 'sf', target: 'b', type: 'explicit' }],
    })!;
    const span = (id: string, parent: string, type: string, name: string, junjoId: string) => ({
      span_id: id, parent_span_id: parent, name, start_ns: 0, duration_ns: 1, status: { code: 0, message: '' }, attributes: { 'junjo.span_type': type, 'junjo.id': junjoId },
    }) as unknown as Span;
    const runs = nodeRuns(graph, [span('w', '', 'workflow', 'W', 'w1'), span('s', 'w', 'subflow', 'Sub', 'sf'), span('x', 's', 'node', 'A', 'renewed')]);
    expect([...runs].map(([id, r]) => [id, r.outcome])).toEqual([['sf', 'ok'], ['a', 'ok'], ['a2', 'not_run'], ['b', 'not_run']]);
  });

  it('reads Junjo\'s own fixtures the same way: every node that has a span is matched to it', (ctx) => {
    if (sharedMissing) ctx.skip(sharedMissing);
    for (const name of ['basic_workflow_success', 'run_concurrent_success', 'subflow_with_parent_store']) {
      const spans = sharedRun(name);
      const graph = parseGraph(snapshotOf(spans))!;
      const runs = nodeRuns(graph, spans, spans[0].span_id);
      const matched = new Set([...runs.values()].flatMap((r) => r.spans.map((s) => s.span_id)));
      const named = spans.filter((s) => graph.nodes.some((n) => n.structuralId === s.attributes?.['junjo.executable_structural_id'] || n.subflowGraphId === s.attributes?.['junjo.executable_structural_id']));
      expect(named.every((s) => matched.has(s.span_id)), name).toBe(true);
      expect(runSummary(spans).failure, name).toBeUndefined();
    }
    expect(runSummary(sharedRun('run_concurrent_success')).nodesRan).toBe(3);
  });
});
