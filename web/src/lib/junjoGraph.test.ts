import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Span } from '../api/types';
import { nodeRuns, parseGraph } from './junjoGraph';

// Junjo's own contract fixtures, used in place (../shared beside the checkout).
// A clone without ../shared skips the tests on them; the project's own v2 graph
// below covers subflows and concurrent groups either way.
const fixtures = resolve(__dirname, '../../../../shared/fixtures/junjo');
const sharedMissing = existsSync(fixtures) ? '' : 'needs ../shared/fixtures/junjo: this clone has no ../shared (see README Tests)';

function fixtureSpans(name: string): Span[] {
  const file = JSON.parse(readFileSync(`${fixtures}/${name}.json`, 'utf8'));
  return file.spans.map((s: Record<string, unknown>) => ({
    span_id: s.span_id,
    parent_span_id: s.parent_span_id ?? '',
    name: s.name,
    status: { code: Number(s.status_code) },
    attributes: s.attributes_json,
  })) as Span[];
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
